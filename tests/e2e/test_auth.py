"""The contract's authentication: 401 without a usable token, FORBIDDEN
outside the token's subtree, and no changes by viewers or members."""
import datetime as dt
import time

import jwt
import pytest

from shared import clock
from tests.e2e.conftest import SECRET, Tree, admin, token
from tools.client import Client, GraphQLFailed

ORG = """query($id: ID!) { organization(id: $id) { id name } }"""
RECORD = """mutation($i: ActivityInput!) { recordActivity(input: $i) { id } }"""


@pytest.fixture(scope="module")
def world(platform):
    client = admin(platform)
    return Client(platform.url), Tree(client, "-auth")


def activity(tree, branch=None, member=None):
    return {"orgId": branch or tree.branch_a, "kind": "ACTIVITY_DAY", "theme": "学",
            "heldOn": "2017-05-06",
            "attendance": [{"memberId": member or tree.a[0], "status": "PRESENT"}]}


def forbidden(client, query, variables, bearer):
    with pytest.raises(GraphQLFailed) as err:
        client.run(query, variables, token=bearer)
    assert err.value.codes == ["FORBIDDEN"], err.value.errors
    return err.value


@pytest.mark.parametrize("header", [
    None, "", "Bearer", "Basic dXNlcjpwYXNz", "Bearer not-a-jwt",
])
def test_a_missing_or_malformed_token_gets_401(world, header):
    client, tree = world
    headers = {} if header is None else {"Authorization": header}
    response = client.session.post(client.url, json={"query": "{ __typename }"},
                                   headers=headers)
    assert response.status_code == 401
    assert response.json()["errors"][0]["message"]


def test_an_expired_token_gets_401(world):
    client, tree = world
    stale = token(now=time.time() - 7200, ttl=3600)
    response = client.post(ORG, {"id": tree.city}, token=stale)
    assert response.status_code == 401 and "expired" in response.json()["errors"][0]["message"]


def test_a_badly_signed_token_gets_401(world):
    client, tree = world
    forged = jwt.encode({"sub": "x", "scope": "*", "roles": ["admin"],
                         "exp": int(time.time()) + 600}, SECRET + "-not", algorithm="HS256")
    assert client.post(ORG, {"id": tree.city}, token=forged).status_code == 401


def test_a_token_without_roles_or_with_unknown_roles_gets_401(world):
    client, tree = world
    no_roles = jwt.encode({"sub": "x", "scope": "*", "exp": int(time.time()) + 600},
                          SECRET, algorithm="HS256")
    assert client.post(ORG, {"id": tree.city}, token=no_roles).status_code == 401
    assert client.post(ORG, {"id": tree.city},
                       token=token(roles=("superuser",))).status_code == 401


def test_a_good_token_is_accepted(world):
    client, tree = world
    data = client.run(ORG, {"id": tree.branch_a},
                      token=token(tree.branch_a, ("secretary",)))
    assert data["organization"]["id"] == tree.branch_a


def test_a_secretary_cannot_see_or_record_for_another_branch(world):
    client, tree = world
    secretary = token(tree.branch_a, ("secretary",))
    err = forbidden(client, ORG, {"id": tree.branch_b}, secretary)
    response = client.post(ORG, {"id": tree.branch_b}, token=secretary).json()
    assert response["data"] == {"organization": None}
    forbidden(client, RECORD, {"i": activity(tree, tree.branch_b, tree.b[0])}, secretary)
    forbidden(client, """query($id: ID!) { member(id: $id) { name } }""",
              {"id": tree.b[0]}, secretary)
    forbidden(client, """query($org: ID!) { compliance(orgId: $org, period: "2017-05") {
        orgId } }""", {"org": tree.branch_b}, secretary)
    forbidden(client, """query { organization(id: "%s") { parent { id } } }""" % tree.branch_a,
              {}, secretary)
    assert "outside" in err.errors[0]["message"]
    # their own branch works (for a day within the bureau's backdating limit)
    recent = (clock.today() - dt.timedelta(days=30)).isoformat()
    recorded = client.run(RECORD, {"i": {**activity(tree), "heldOn": recent}}, token=secretary)
    assert recorded["recordActivity"]["id"]


def test_a_viewer_of_one_bureau_cannot_see_another(world):
    client, tree = world
    viewer = token(tree.bureau1, ("viewer",))
    assert client.run(ORG, {"id": tree.branch_b}, token=viewer)["organization"]["id"] == \
        tree.branch_b
    forbidden(client, ORG, {"id": tree.bureau2}, viewer)
    forbidden(client, ORG, {"id": tree.branch_c}, viewer)
    forbidden(client, """query($org: ID!) { supervisionItems(orgId: $org) { id } }""",
              {"org": tree.bureau2}, viewer)
    forbidden(client, """query($org: ID!) { activities(orgId: $org, from: "2017-01-01",
        to: "2017-12-31") { id } }""", {"org": tree.bureau2}, viewer)


@pytest.mark.parametrize("role", ["viewer", "member"])
def test_viewers_and_members_cannot_change_records(world, role):
    client, tree = world
    bearer = token(tree.branch_a, (role,), sub=tree.a[0])
    before = client.run("""query($org: ID!) { activities(orgId: $org, from: "2017-01-01",
        to: "2017-12-31") { id } }""", {"org": tree.branch_a}, token=bearer)
    forbidden(client, RECORD, {"i": activity(tree)}, bearer)
    forbidden(client, """mutation($b: ID!) { registerMember(input: {name: "x", branchId: $b}) {
        id } }""", {"b": tree.branch_a}, bearer)
    forbidden(client, """mutation($o: ID!) { closePeriod(orgId: $o, period: "2017-05") {
        orgId } }""", {"o": tree.branch_a}, bearer)
    forbidden(client, """mutation($p: ID!) { createOrganization(input: {name: "x", kind: GROUP,
        parentId: $p}) { id } }""", {"p": tree.branch_a}, bearer)
    after = client.run("""query($org: ID!) { activities(orgId: $org, from: "2017-01-01",
        to: "2017-12-31") { id } }""", {"org": tree.branch_a}, token=bearer)
    assert after == before


def test_only_an_admin_closes_a_period_early_and_nobody_closes_a_future_one(world):
    client, tree = world
    this_month = clock.today().strftime("%Y-%m")
    close = """mutation($o: ID!, $p: String!) { closePeriod(orgId: $o, period: $p) {
        results { rule status } } }"""
    forbidden(client, close, {"o": tree.branch_c, "p": this_month},
              token(tree.branch_c, ("secretary",)))
    early = client.run(close, {"o": tree.branch_c, "p": this_month},
                       token=token(tree.bureau2, ("admin",)))["closePeriod"]["results"]
    assert {r["status"] for r in early} <= {"MET", "MISSED"} and early
    with pytest.raises(GraphQLFailed) as err:
        client.run(close, {"o": tree.branch_c, "p": "2999-01"},
                   token=token(tree.bureau2, ("admin",)))
    assert err.value.codes == ["BAD_INPUT"]


def test_graphiql_health_and_readiness_need_no_token(platform):
    import requests
    page = requests.get(f"{platform.url}/graphql", timeout=5)
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    assert "graphiql" in page.text.lower()
    assert requests.get(f"{platform.url}/healthz", timeout=5).text == "ok\n"
    ready = requests.get(f"{platform.url}/readyz", timeout=30)
    assert ready.status_code == 200
    assert ready.json() == {name: "ok" for name in
                            ("organization", "activity", "scoring", "supervision", "study",
                             "pioneer")}
    assert requests.put(f"{platform.url}/graphql", timeout=5).status_code == 405
    bad_body = requests.post(f"{platform.url}/graphql", data=b"{nope",
                             headers={"Authorization": f"Bearer {token()}"}, timeout=5)
    assert bad_body.status_code == 400
    assert bad_body.json()["errors"][0]["extensions"]["code"] == "BAD_INPUT"


def test_a_query_deeper_than_any_screen_needs_is_refused(world):
    client, tree = world
    nested = "id " + "".join("children { id " for _ in range(16)) + "}" * 16
    with pytest.raises(GraphQLFailed) as err:
        client.run("query($id: ID!) { organization(id: $id) { %s } }" % nested,
                   {"id": tree.city}, token=token())
    assert err.value.codes == ["BAD_INPUT"], err.value.errors
    assert "depth" in err.value.errors[0]["message"], err.value.errors
    shallow = "id " + "".join("children { id " for _ in range(4)) + "}" * 4
    assert client.run("query($id: ID!) { organization(id: $id) { %s } }" % shallow,
                      {"id": tree.city}, token=token())["organization"]["id"] == tree.city
