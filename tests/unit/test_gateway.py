"""The gateway asks the services once per level of a query, not once per
node: the schema run in-process against a recording stand-in for the RPC
pool (the same count over the real broker is in tests/e2e/test_gateway.py),
and the limits on the size of a request."""
import io
import json
from collections import Counter

import pytest
from graphql import GraphQLError

from gateway.app import Gateway
from gateway.auth import make_token
from gateway.limits import Limits

SECRET = "unit-test-secret-unit-test-secret"
# A whole city's tree with every member's points costs more than the default
# limit allows (gateway/limits.py); these tests count RPCs, not cost.
ROOMY = Limits(max_cost=10 ** 7, expensive_cost=10 ** 7)


class FakeServices:
    """A city with ``bureaus`` bureaus of ``branches`` branches of ``members``
    members; answers the batch RPCs and counts every call."""

    def __init__(self, bureaus, branches, members):
        self.calls = Counter()
        self.timeouts = set()
        self.orgs, self.members = {}, {}
        self._org("city", "CITY", None)
        for b in range(bureaus):
            bureau = self._org(f"bureau{b}", "BUREAU", "city")
            for r in range(branches):
                branch = self._org(f"{bureau}-branch{r}", "BRANCH", bureau)
                for m in range(members):
                    member_id = f"{branch}-m{m}"
                    self.members[member_id] = {
                        "id": member_id, "name": member_id, "roles": [], "branch_id": branch,
                        "branch_path": self.orgs[branch]["path"], "bureau_id": bureau}

    def _org(self, org_id, kind, parent):
        path = (self.orgs[parent]["path"] if parent else []) + [org_id]
        self.orgs[org_id] = {"id": org_id, "name": org_id, "kind": kind, "parent_id": parent,
                             "path": path}
        return org_id

    def call(self, service, method, *args, **kwargs):
        self.calls[f"{service}.{method}"] += 1
        return getattr(self, method)(*args, **kwargs)

    def patient(self, timeout):
        self.timeouts.add(timeout)
        return self

    def get_organizations(self, ids):
        return [self.orgs[i] for i in ids if i in self.orgs]

    def get_members(self, ids):
        return [self.members[i] for i in ids if i in self.members]

    def children_of(self, ids):
        return {i: sorted((o for o in self.orgs.values() if o["parent_id"] == i),
                          key=lambda o: o["name"]) for i in ids}

    def members_of_orgs(self, ids, day=None):
        return {i: [m for m in self.members.values() if i in m["branch_path"]] for i in ids}

    def points_summaries(self, ids, year):
        return {i: {"member_id": i, "year": year, "total": 1.0,
                    "by_category": [{"category": "学习", "points": 1.0}], "entries": []}
                for i in ids}

    def list_activities(self, org_id, date_from, to):
        branches = [o for o in self.orgs.values() if o["kind"] == "BRANCH" and org_id in o["path"]]
        return [{"id": f"act-{o['id']}", "org_id": o["id"], "kind": "ACTIVITY_DAY",
                 "theme": "学", "held_on": "2017-06-03", "speaker_id": f"{o['id']}-m0",
                 "attendance": [{"member_id": m["id"], "status": "PRESENT", "reason": None}
                                for m in self.members.values() if m["branch_id"] == o["id"]]}
                for o in branches]

    def supervision_items(self, org_id, state):
        return [{"id": f"item-{o['id']}", "org_id": o["id"], "rule": "A1", "period": "2017-06",
                 "state": "ASSIGNED", "opened_at": "2017-07-01T00:00:00+08:00"}
                for o in self.orgs.values() if o["kind"] == "BRANCH" and org_id in o["path"]]

    def record_activities(self, datas, actor, request=None, roles=None):
        return [{"id": f"new{i}", **d} for i, d in enumerate(datas)]

    def contact_branches_of(self, ids):
        """Member m0 of each bureau's first branch contacts every branch of its bureau."""
        return {i: [o for o in self.orgs.values() if o["kind"] == "BRANCH"
                    and i.endswith("-branch0-m0") and o["path"][1] == self.members[i]["bureau_id"]]
                for i in ids}

    def contacts_of(self, ids):
        return {i: [m for m in self.members.values() if m["id"].endswith("-branch0-m0")
                    and m["bureau_id"] in self.orgs[i]["path"]] for i in ids}


def run(services, query, variables=None, scope="*", roles=("admin",), limits=None):
    gateway = Gateway(rpc=services, secret=SECRET, limits=limits)
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    environ = {"PATH_INFO": "/graphql", "REQUEST_METHOD": "POST",
               "HTTP_AUTHORIZATION": "Bearer " + make_token(SECRET, "t", scope, roles),
               "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)}
    status = {}
    out = gateway(environ, lambda s, h, e=None: status.setdefault("status", s))
    return status["status"], json.loads(b"".join(out))


TREE = """query($id: ID!) { organization(id: $id) { name children { name children { name
    members { name branch { name } points(year: 2017) { total byCategory { category points } }
    } } } } }"""


@pytest.mark.parametrize("size", [(1, 1, 1), (3, 4, 5), (6, 10, 8)])
def test_a_tree_with_points_costs_one_call_per_level(size):
    services = FakeServices(*size)
    status, body = run(services, TREE, {"id": "city"}, limits=ROOMY)
    assert status.startswith("200") and "errors" not in body, body
    bureaus = body["data"]["organization"]["children"]
    assert len(bureaus) == size[0]
    member = bureaus[-1]["children"][-1]["members"][-1]
    assert member["points"]["total"] == 1.0 and member["branch"]["name"]
    assert services.calls == Counter({
        "organization.get_organizations": 1, "organization.children_of": 2,
        "organization.members_of_orgs": 1, "scoring.points_summaries": 1})


def test_activities_fetch_their_orgs_and_attendees_once():
    services = FakeServices(2, 5, 6)
    status, body = run(services, """query { activities(orgId: "city", from: "2017-01-01",
        to: "2017-12-31") { org { name parent { name } } speaker { name }
        attendance { member { name } } } }""")
    assert "errors" not in body, body
    assert len(body["data"]["activities"]) == 10
    assert body["data"]["activities"][0]["speaker"]["name"].endswith("-m0")
    assert services.calls == Counter({
        "organization.get_organizations": 3,  # the city; the branches; their bureaus
        "organization.get_members": 1, "activity.list_activities": 1})


def test_contacts_and_contact_branches_cost_one_call_per_level():
    services = FakeServices(2, 4, 3)
    status, body = run(services, """query { organization(id: "city") { children { children {
        contacts { name contactBranches { name contacts { name } } } } } } }""", limits=ROOMY)
    assert "errors" not in body, body
    branches = [b for bureau in body["data"]["organization"]["children"]
                for b in bureau["children"]]
    assert len(branches) == 8
    assert all(b["contacts"][0]["name"].endswith("-branch0-m0") for b in branches)
    assert len(branches[0]["contacts"][0]["contactBranches"]) == 4
    assert services.calls == Counter({
        "organization.get_organizations": 1, "organization.children_of": 2,
        # the contact branches' contacts were fetched with the first level
        "organization.contacts_of": 1, "organization.contact_branches_of": 1})


def test_a_branch_token_sees_only_the_contacts_and_contact_branches_in_its_scope():
    services = FakeServices(1, 3, 2)
    status, body = run(services, """query { organization(id: "bureau0-branch0") { contacts {
        name contactBranches { name } } } }""", scope="bureau0-branch0")
    assert "errors" not in body, body
    contact = body["data"]["organization"]["contacts"][0]
    assert contact["contactBranches"] == [{"name": "bureau0-branch0"}]
    _, body = run(services, """query { organization(id: "bureau0-branch1") { contacts {
        name } } }""", scope="bureau0-branch1")
    assert body["data"]["organization"]["contacts"] == []  # the contact belongs elsewhere


def test_roles_are_those_of_the_day_the_member_is_seen_as_of():
    from gateway.schema.guard import as_of
    from gateway.schema.organisation import roles_on
    member = {"roles": ["member", "secretary"], "role_history": [
        {"roles": ["member"], "valid_from": "2016-01-01", "valid_to": "2017-03-01"},
        {"roles": ["member", "secretary"], "valid_from": "2017-03-01", "valid_to": None}]}
    assert roles_on(member) == ["member", "secretary"]
    assert roles_on(as_of(member, "2017-02-28"), "2017-02-28") == ["member"]
    assert roles_on(member, "2017-03-01") == ["member", "secretary"]
    assert roles_on(member, "2015-05-05") == ["member"]  # before records: the first roles
    assert roles_on({"roles": ["member"]}, "2017-01-01") == ["member"]


class WithGuests(FakeServices):
    """Each branch's activity has the next branch's first two members as guests."""

    def list_activities(self, org_id, date_from, to):
        out = super().list_activities(org_id, date_from, to)
        for i, activity in enumerate(out):
            other = out[(i + 1) % len(out)]["org_id"]
            activity.update(guest_ids=[f"{other}-m0", f"{other}-m1"], theme_source="MEMBER")
        return out


def test_activity_guests_are_fetched_with_the_attendees_in_one_call():
    services = WithGuests(2, 5, 6)
    status, body = run(services, """query { activities(orgId: "city", from: "2017-01-01",
        to: "2017-12-31") { themeSource minutes { topic } speaker { name }
        guests { name branch { name } } attendance { member { name } } } }""")
    assert "errors" not in body, body
    first = body["data"]["activities"][0]
    assert first["themeSource"] == "MEMBER" and first["minutes"] is None
    assert [g["name"] for g in first["guests"]] == ["bureau0-branch1-m0", "bureau0-branch1-m1"]
    assert services.calls == Counter({
        "organization.get_organizations": 2,  # the city; the guests' branches
        "organization.get_members": 1, "activity.list_activities": 1})


RECORD_MANY = """mutation($i: [ActivityInput!]!) { recordActivities(inputs: $i) { id } }"""


def lecture_input(branch, speaker, guests):
    return {"orgId": branch, "kind": "PARTY_LECTURE", "theme": "党课", "heldOn": "2017-06-03",
            "attendance": [{"memberId": f"{branch}-m0", "status": "PRESENT"}],
            "speakerId": speaker, "guestIds": guests}


def test_speakers_and_guests_of_a_batch_are_judged_in_one_lookup():
    services = FakeServices(2, 5, 3)
    services.record_activities = lambda datas, *a, **k: [
        {"id": f"new{i}", "org_path": services.orgs[d["org_id"]]["path"], **d}
        for i, d in enumerate(datas)]
    inputs = [lecture_input(f"bureau0-branch{i}", f"bureau0-branch{(i + 1) % 5}-m1",
                            [f"bureau0-branch{(i + 2) % 5}-m2", f"bureau0-branch{(i + 3) % 5}-m2"])
              for i in range(5)]
    _, body = run(services, RECORD_MANY, {"i": inputs}, scope="bureau0", roles=("secretary",))
    assert "errors" not in body, body
    assert services.calls == Counter({
        "organization.get_organizations": 1, "organization.get_members": 1,
        "activity.record_activities": 1})


@pytest.mark.parametrize("guest", ["bureau1-branch0-m0", "no-such-member"])
def test_a_guest_outside_the_scope_is_bad_input_naming_no_one(guest):
    services = FakeServices(2, 2, 2)
    inputs = [lecture_input("bureau0-branch0", None, []),
              lecture_input("bureau0-branch0", None, ["bureau0-branch1-m0", guest])]
    _, body = run(services, RECORD_MANY, {"i": inputs}, scope="bureau0", roles=("secretary",))
    [error] = body["errors"]
    assert error["extensions"] == {"code": "BAD_INPUT", "field": "inputs[1].guestIds[1]"}
    assert guest not in error["message"]
    assert services.calls["activity.record_activities"] == 0


def test_a_speaker_outside_the_scope_is_forbidden():
    services = FakeServices(2, 2, 2)
    inputs = [lecture_input("bureau0-branch0", "bureau1-branch0-m0", [])]
    _, body = run(services, RECORD_MANY, {"i": inputs}, scope="bureau0", roles=("secretary",))
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert services.calls["activity.record_activities"] == 0


def test_an_admin_sends_guests_and_the_theme_source_default_to_the_service():
    services = FakeServices(1, 2, 2)
    sent = []
    services.record_activities = lambda datas, *a, **k: sent.extend(datas) or [
        {"id": "x", **d} for d in datas]
    inputs = [lecture_input("bureau0-branch0", None, ["bureau0-branch1-m0"])]
    _, body = run(services, RECORD_MANY, {"i": inputs})
    assert "errors" not in body, body
    assert sent[0]["guest_ids"] == ["bureau0-branch1-m0"]
    assert sent[0]["theme_source"] == "SUPERIOR" and sent[0]["speaker_id"] is None
    # an admin's guests are judged by the service alone: no look-up
    assert services.calls["organization.get_members"] == 0


def test_supervision_items_fetch_their_orgs_once():
    services = FakeServices(2, 5, 1)
    _, body = run(services, """query { supervisionItems(orgId: "city") { org { name
        children { name } } } }""")
    assert len(body["data"]["supervisionItems"]) == 10
    assert services.calls == Counter({
        "supervision.supervision_items": 1, "organization.get_organizations": 2,
        "organization.children_of": 1})


def test_record_activities_checks_every_org_in_one_call_and_names_the_bad_index():
    services = FakeServices(2, 2, 2)
    query = """mutation($i: [ActivityInput!]!) { recordActivities(inputs: $i) { id
        org { name } attendance { member { name } } } }"""

    def data(org):
        return {"orgId": org, "kind": "ACTIVITY_DAY", "theme": "学", "heldOn": "2017-06-03",
                "attendance": [{"memberId": f"{org}-m0", "status": "PRESENT"}]}

    orgs = [f"bureau{b}-branch{r}" for b in range(2) for r in range(2)]
    _, body = run(services, query, {"i": [data(o) for o in orgs]})
    assert [a["org"]["name"] for a in body["data"]["recordActivities"]] == orgs
    assert services.calls == Counter({
        "organization.get_organizations": 1, "activity.record_activities": 1,
        "organization.get_members": 1})
    assert services.timeouts == {180}  # bulk work is given longer than a lookup

    services.calls.clear()
    _, body = run(services, query, {"i": [data(orgs[0]), data(orgs[1]), data("nowhere")]})
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "BAD_INPUT", "field": "inputs[2].orgId"}
    assert "activity.record_activities" not in services.calls

    _, body = run(services, query, {"i": [data(orgs[0]), data(orgs[3])]},
                  scope="bureau0", roles=("secretary",))
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "activity.record_activities" not in services.calls

    _, body = run(services, query, {"i": [data(orgs[0])] * 501})
    assert body["errors"][0]["extensions"] == {"code": "BAD_INPUT", "field": "inputs"}


def test_a_failing_batch_is_the_error_of_the_nodes_it_served():
    services = FakeServices(2, 2, 1)

    def broken(ids, year):
        raise GraphQLError("the scoring service is not answering; try again in a minute",
                           extensions={"code": "UNAVAILABLE"})

    services.points_summaries = broken
    _, body = run(services, """query { organization(id: "city") { children { children {
        members { name points(year: 2017) { total } } } } } }""")
    assert {e["extensions"]["code"] for e in body["errors"]} == {"UNAVAILABLE"}
    assert "points" in body["errors"][0]["path"]
    assert body["data"] == {"organization": None}  # points are required: nulls bubble up


def test_only_bulk_mutations_may_send_more_than_a_megabyte():
    services = FakeServices(1, 1, 1)
    padding = "x" * (1 << 20)
    status, body = run(services, """query($pad: String) { organization(id: "city") { id } }""",
                       {"pad": padding})
    assert status.startswith("413"), status
    status, body = run(services, """mutation($f: String!) { importActivities(orgId: "nowhere",
        file: $f) { created } }""", {"f": padding})
    assert status.startswith("200")
    assert body["errors"][0]["extensions"] == {"code": "BAD_INPUT", "field": "orgId"}


def test_a_body_over_sixteen_megabytes_is_refused_unread():
    class Unread:
        def read(self, *_):
            raise AssertionError("the body was read")

    gateway = Gateway(rpc=FakeServices(1, 1, 1), secret=SECRET)
    environ = {"PATH_INFO": "/graphql", "REQUEST_METHOD": "POST",
               "HTTP_AUTHORIZATION": "Bearer " + make_token(SECRET, "t", "*", ("admin",)),
               "CONTENT_LENGTH": str((16 << 20) + 1), "wsgi.input": Unread()}
    status = {}
    out = gateway(environ, lambda s, h, e=None: status.setdefault("status", s))
    assert status["status"].startswith("413")
    assert json.loads(b"".join(out))["errors"][0]["extensions"]["code"] == "BAD_INPUT"
