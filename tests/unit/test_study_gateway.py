"""Who may write a member's "(self)" study records, judged by the gateway
before any service is asked to write: an admin or secretary with the member
in scope, or the member's own token; never a viewer, nor a member for
another. A member's token may propose a theme to a committee above its
scope when the member belongs under it."""
import io
import json

import pytest

from gateway.app import Gateway
from gateway.auth import make_token
from tests.unit.test_gateway import SECRET
from tests.unit.test_idempotency import Recording

BRANCH = "bureau0-branch0"
ME = f"{BRANCH}-m0"
NEIGHBOUR = f"{BRANCH}-m1"
STRANGER = "bureau1-branch0-m0"

LOG = """mutation($m: ID!) { logSelfStudy(input: {memberId: $m, on: "2017-06-03",
    kind: READING, title: "读", minutes: 30}) { id } }"""
PLAN = """mutation($m: ID!) { fileSelfStudyPlan(input: {memberId: $m, year: 2017, goals: "g",
    content: "c", schedule: "s", safeguards: "x"}) { year } }"""
PROPOSE = """mutation($o: ID!, $m: ID!) { proposeTheme(orgId: $o, memberId: $m, theme: "学") {
    id } }"""


def post(services, query, variables, scope, roles, sub):
    gateway = Gateway(rpc=services, secret=SECRET)
    body = json.dumps({"query": query, "variables": variables}).encode()
    environ = {"PATH_INFO": "/graphql", "REQUEST_METHOD": "POST",
               "HTTP_AUTHORIZATION": "Bearer " + make_token(SECRET, sub, scope, roles),
               "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)}
    answer = b"".join(gateway(environ, lambda s, h, e=None: None))
    return json.loads(answer)


def codes(answer):
    return [e["extensions"]["code"] for e in answer.get("errors", [])]


class StudyCity(Recording):
    """The fake city, answering the study writes as the service would."""

    def _path(self, member_id):
        return self.members[member_id]["branch_path"]

    def propose_theme(self, org_id, member_id, theme, actor, request, roles=None):
        self._keep("propose_theme", request)
        return {"id": "t1", "org_id": org_id, "org_path": self.orgs[org_id]["path"],
                "member_id": member_id, "theme": theme}

    def file_self_study_plan(self, data, actor, request, roles=None):
        self._keep("file_self_study_plan", request)
        return {**data, "branch_path": self._path(data["member_id"])}

    def log_self_study(self, data, actor, request, roles=None):
        self._keep("log_self_study", request)
        return {"id": "e1", **data, "branch_path": self._path(data["member_id"])}


def _city():
    city = StudyCity()
    # a second bureau, for a stranger
    city._org("bureau1", "BUREAU", "city")
    city._org("bureau1-branch0", "BRANCH", "bureau1")
    city.members[STRANGER] = {"id": STRANGER, "name": "s", "roles": [],
                              "branch_id": "bureau1-branch0",
                              "branch_path": city.orgs["bureau1-branch0"]["path"],
                              "bureau_id": "bureau1"}
    return city


@pytest.mark.parametrize("query, method", [(LOG, "log_self_study"),
                                           (PLAN, "file_self_study_plan")])
@pytest.mark.parametrize("scope, roles, sub, member, allowed", [
    (BRANCH, ("member",), ME, ME, True),              # their own
    ("bureau1", ("member",), ME, ME, True),           # their own, whatever the scope says
    (BRANCH, ("member",), ME, NEIGHBOUR, False),      # another's
    (BRANCH, ("viewer",), ME, ME, False),             # a viewer never writes
    (BRANCH, ("member", "viewer"), ME, ME, False),
    (BRANCH, ("secretary",), "sec", NEIGHBOUR, True),
    ("bureau0", ("admin",), "adm", ME, True),
    (BRANCH, ("secretary",), "sec", STRANGER, False),  # outside the scope
    ("bureau1", ("admin",), "adm", ME, False),
    (BRANCH, ("member",), "not-a-member", "not-a-member", False),
])
def test_who_may_write_a_members_own_records(query, method, scope, roles, sub, member,
                                             allowed):
    city = _city()
    answer = post(city, query, {"m": member}, scope, roles, sub)
    if allowed:
        assert "errors" not in answer, answer
        assert [m for m, _ in city.requests] == [method]
    else:
        assert codes(answer) == ["FORBIDDEN"], answer
        assert city.requests == []


@pytest.mark.parametrize("scope, roles, sub, org, member, allowed", [
    (BRANCH, ("member",), ME, "bureau0", ME, True),        # above the scope, belongs under it
    (BRANCH, ("member",), ME, BRANCH, ME, True),
    (BRANCH, ("member",), ME, "bureau1", ME, False),       # not under it
    (BRANCH, ("member",), ME, "no-such-org", ME, False),
    (BRANCH, ("member",), ME, "bureau0", NEIGHBOUR, False),
    (BRANCH, ("viewer",), ME, BRANCH, ME, False),
    (BRANCH, ("secretary",), "sec", BRANCH, NEIGHBOUR, True),
    (BRANCH, ("secretary",), "sec", "bureau0", ME, False),  # a writer keeps to its scope
])
def test_who_may_propose_a_theme(scope, roles, sub, org, member, allowed):
    city = _city()
    answer = post(city, PROPOSE, {"o": org, "m": member}, scope, roles, sub)
    if allowed:
        assert "errors" not in answer, answer
        assert [m for m, _ in city.requests] == ["propose_theme"]
    else:
        assert codes(answer) == ["FORBIDDEN"], answer
        assert city.requests == []
        assert "no-such-org" not in json.dumps(answer) or org == "no-such-org"


def test_an_unknown_organisation_and_one_outside_get_the_same_words():
    answers = [post(_city(), PROPOSE, {"o": org, "m": ME}, BRANCH, ("member",), ME)
               for org in ("bureau1", "no-such-org")]
    words = [a["errors"][0]["message"].replace(org, "<id>")
             for a, org in zip(answers, ("bureau1", "no-such-org"))]
    assert words[0] == words[1]
