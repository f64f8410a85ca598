"""Scope on every object (gateway/schema/guard.py), in-process: every type of
the schema is either checked or part of a checked one; a member is judged by
the branch of the day; what lies outside is null with one FORBIDDEN that
names nothing, from what the batched loaders already fetched. The same over
the real platform, for every field and role, is tests/e2e/test_access_matrix.py."""
import io
import json
from collections import Counter

import pytest
from graphql import GraphQLList, GraphQLNonNull, GraphQLObjectType

from gateway.app import Gateway
from gateway.limits import Limits
from gateway.auth import Principal, make_token
from gateway.schema import SCOPE_CHECKED, schema
from gateway.schema.guard import CHECKS, CONTAINED, membership_on
from gateway.schema.organisation import points_seen

SECRET = "unit-test-secret-unit-test-secret"


def _named(type_):
    while isinstance(type_, (GraphQLNonNull, GraphQLList)):
        type_ = type_.of_type
    return type_


def test_every_object_type_is_checked_or_part_of_a_checked_one():
    types = {name for name, t in schema.graphql_schema.type_map.items()
             if isinstance(t, GraphQLObjectType) and not name.startswith("__")
             and name not in ("Query", "Mutation")}
    assert types - set(CHECKS) - set(CONTAINED) == set(), \
        "say in gateway/schema/guard.py how a value of each new type is scoped"
    assert not set(CHECKS) & set(CONTAINED)


def test_every_field_of_a_checked_type_is_wrapped():
    wanted = {f"{t.name}.{name}" for t in schema.graphql_schema.type_map.values()
              if isinstance(t, GraphQLObjectType) and not t.name.startswith("__")
              for name, field in t.fields.items() if _named(field.type).name in CHECKS}
    assert set(SCOPE_CHECKED) == wanted
    assert {"Member.branch", "Attendance.member", "Activity.speaker", "Organization.parent",
            "PointsSummary.entries", "Compliance.results"} <= wanted


# -- a member by the branch of the day ---------------------------------------------------

MOVED = {"id": "t", "name": "T", "branch_id": "a", "branch_path": ["city", "one", "a"],
         "group_id": None,
         "history": [{"branch_id": "c", "branch_path": ["city", "two", "c"], "group_id": "g",
                      "valid_from": "2017-01-10", "valid_to": "2017-06-01"},
                     {"branch_id": "a", "branch_path": ["city", "one", "a"], "group_id": None,
                      "valid_from": "2017-06-01", "valid_to": None}]}


@pytest.mark.parametrize("day, branch", [
    (None, "a"),            # today: where they are now
    ("2017-05-31", "c"),    # the last day before the transfer
    ("2017-06-01", "a"),    # the transfer day belongs to the new branch
    ("2017-01-01", "c"),    # before they joined: judged by the first branch
    ("2099-01-01", "a"),
])
def test_a_member_belongs_to_the_branch_of_the_day(day, branch):
    assert membership_on(MOVED, day)["branch_id"] == branch


def test_a_member_without_history_is_judged_by_their_branch():
    plain = {k: v for k, v in MOVED.items() if k != "history"}
    assert membership_on(plain, "2017-01-01")["branch_id"] == "a"


def _summary():
    return {"member_id": "t", "year": 2017, "total": 6.0,
            "by_category": [{"category": "学习", "points": 3.0},
                            {"category": "活动", "points": 3.0}],
            "entries": [{"id": "e1", "category": "活动", "points": 3.0,
                         "occurred_on": "2017-05-06"},
                        {"id": "e2", "category": "学习", "points": 2.0,
                         "occurred_on": "2017-06-10"},
                        {"id": "e3", "category": "学习", "points": 1.0,
                         "occurred_on": "2017-07-10"}]}


def test_points_earned_in_another_bureau_are_left_out_with_their_sums():
    one = Principal("x", "one", frozenset({"viewer"}))
    shown = points_seen(one, MOVED, _summary())
    assert [e["id"] for e in shown["entries"]] == ["e2", "e3"]
    assert shown["total"] == 3.0 and shown["by_category"] == [{"category": "学习", "points": 3.0}]
    two = Principal("x", "two", frozenset({"viewer"}))
    assert [e["id"] for e in points_seen(two, MOVED, _summary())["entries"]] == ["e1"]
    group = Principal("x", "g", frozenset({"viewer"}))  # the party group they were in
    assert [e["id"] for e in points_seen(group, MOVED, _summary())["entries"]] == ["e1"]
    city = Principal("x", "city", frozenset({"viewer"}))
    assert points_seen(city, MOVED, _summary())["total"] == 6.0
    everyone = Principal("x", "*", frozenset({"admin"}))
    assert points_seen(everyone, MOVED, _summary()) == _summary()


# -- the schema run in-process -----------------------------------------------------------

class Services:
    """Bureau one (branch a) and two (branch c); T moved from c to a on
    2017-06-01. Activities of a: one before the move, one after. Counts calls."""

    def __init__(self):
        self.calls = Counter()
        self.orgs = {}
        for org_id, path in [("city", []), ("one", ["city"]), ("two", ["city"]),
                             ("a", ["city", "one"]), ("c", ["city", "two"])]:
            self.orgs[org_id] = {"id": org_id, "name": f"组织{org_id}", "kind": "BRANCH",
                                 "parent_id": path[-1] if path else None,
                                 "path": path + [org_id]}
        self.members = {"t": MOVED, "a1": {
            "id": "a1", "name": "甲", "roles": [], "branch_id": "a", "group_id": None,
            "branch_path": ["city", "one", "a"]}}
        for m in self.members.values():
            m.setdefault("roles", [])

    def call(self, service, method, *args):
        self.calls[f"{service}.{method}"] += 1
        return getattr(self, method)(*args)

    def get_organizations(self, ids):
        return [self.orgs[i] for i in ids if i in self.orgs]

    def get_members(self, ids):
        return [self.members[i] for i in ids if i in self.members]

    def children_of(self, ids):
        return {i: [o for o in self.orgs.values() if o["parent_id"] == i] for i in ids}

    def list_activities(self, org_id, date_from, to):
        # in May T was bureau two's: as the speaker of bureau one's lecture
        # (which the activity service would refuse) the guard still withholds them
        return [{"id": f"act-{day}", "org_id": "a", "org_path": ["city", "one", "a"],
                 "kind": "PARTY_LECTURE", "theme": "学", "held_on": day, "speaker_id": "t",
                 "attendance": [{"member_id": m, "status": "PRESENT", "reason": None}
                                for m in people]}
                for day, people in (("2017-05-06", ["a1"]), ("2017-06-10", ["a1", "t"]))]

    def points_summaries(self, ids, year):
        return {i: _summary() if i == "t" else {"member_id": i, "year": year, "total": 0.0,
                                                 "by_category": [], "entries": []}
                for i in ids}


def run(services, query, scope, roles=("viewer",)):
    # a year's activities with every attendee's entries costs more than the
    # default limit (gateway/limits.py); what is tested here is scope
    gateway = Gateway(rpc=services, secret=SECRET, limits=Limits(max_cost=10 ** 7))
    body = json.dumps({"query": query}).encode()
    environ = {"PATH_INFO": "/graphql", "REQUEST_METHOD": "POST",
               "HTTP_AUTHORIZATION": "Bearer " + make_token(SECRET, "t", scope, roles),
               "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)}
    out = gateway(environ, lambda s, h, e=None: None)
    return json.loads(b"".join(out))


ACTIVITIES = """{ activities(orgId: "a", from: "2017-01-01", to: "2017-12-31") { id
    speaker { id name branch { id name } }
    attendance { member { id branch { id name } points(year: 2017) { total entries { id } } } }
} }"""


def test_a_member_is_judged_as_of_the_activity_and_only_their_days_points_are_shown():
    services = Services()
    body = run(services, ACTIVITIES, "one")
    may, june = body["data"]["activities"]
    # June: T had moved to bureau one; shown with that branch and June's points
    assert june["speaker"]["branch"]["id"] == "a"
    moved = june["attendance"][1]["member"]
    assert moved["branch"]["id"] == "a"
    assert moved["points"] == {"total": 3.0, "entries": [{"id": "e2"}, {"id": "e3"}]}
    # May: T was bureau two's; null there, one FORBIDDEN, the rest of May shown
    assert may["speaker"] is None and may["attendance"][0]["member"]["id"] == "a1"
    (error,) = body["errors"]
    assert error["path"] == ["activities", 0, "speaker"]
    assert error["extensions"] == {"code": "FORBIDDEN"}
    text = json.dumps(body, ensure_ascii=False)
    assert "组织c" not in text and "e1" not in text and "T" not in error["message"]
    # no more calls than the levels of the query, whatever is checked
    assert services.calls == Counter({
        "organization.get_organizations": 1, "activity.list_activities": 1,
        "organization.get_members": 1, "scoring.points_summaries": 1})


def test_an_object_outside_is_null_with_one_forbidden_naming_nothing():
    services = Services()
    body = run(services, """{ organization(id: "a") { id parent { id name parent { id } } }
        member(id: "a1") { id branch { id parent { id parent { id name } } } } }""", "one")
    assert body["data"]["organization"] == {"id": "a", "parent": {
        "id": "one", "name": "组织one", "parent": None}}
    assert body["data"]["member"]["branch"]["parent"]["parent"] is None
    assert [e["path"] for e in body["errors"]] == [
        ["organization", "parent", "parent"], ["member", "branch", "parent", "parent"]]
    for error in body["errors"]:
        assert error["extensions"] == {"code": "FORBIDDEN"}
        assert "city" not in error["message"] and "组织" not in error["message"]


@pytest.mark.parametrize("query", [
    '{ organization(id: "%s") { id } }', '{ member(id: "%s") { id } }',
    '{ activities(orgId: "%s", from: "2017-01-01", to: "2017-12-31") { id } }',
])
def test_an_id_outside_and_an_id_that_does_not_exist_get_the_same_answer(query):
    outside = "c" if "member" not in query else "t-now-elsewhere"
    services = Services()
    services.members["t-now-elsewhere"] = {**services.members["a1"], "id": "t-now-elsewhere",
                                           "branch_id": "c", "branch_path": ["city", "two", "c"]}
    there = run(services, query % outside, "one")["errors"]
    nowhere = run(services, query % "nothing-here", "one")["errors"]
    assert [e["extensions"] for e in there] == [e["extensions"] for e in nowhere] \
        == [{"code": "FORBIDDEN"}]
    assert there[0]["message"].replace(outside, "X") == \
        nowhere[0]["message"].replace("nothing-here", "X")
    # the operators still learn that an id does not exist
    everyone = run(services, query % "nothing-here", "*", ("admin",))["errors"]
    assert everyone[0]["extensions"]["code"] == "NOT_FOUND"
