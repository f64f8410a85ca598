"""The organisation section of contract/programme.graphql over HTTP (one
platform, SQLite): setMemberRoles with its history, assignContactBranch
(联系点) with Member.contactBranches and Organization.contacts, and
importRoster (花名册): all or nothing, then the members are there; and who
may not write gets FORBIDDEN with nothing written."""
import datetime as dt

import pytest

from shared import clock
from tests.e2e.conftest import Tree, admin, token
from tools.client import GraphQLFailed

SET_ROLES = """mutation($m: ID!, $r: [String!]!, $on: Date) {
    setMemberRoles(memberId: $m, roles: $r, on: $on) { id roles } }"""
ASSIGN = """mutation($m: ID!, $b: ID!) { assignContactBranch(memberId: $m, branchId: $b) {
    id contactBranches { id } } }"""
MEMBER = """query($m: ID!) { member(id: $m) { roles contactBranches { id name } } }"""
CONTACTS = """query($o: ID!) { organization(id: $o) { contacts { id name } } }"""
MEMBERS = """query($o: ID!) { organization(id: $o) { members { name roles } } }"""


@pytest.fixture(scope="module")
def client(platform):
    return admin(platform)


@pytest.fixture(scope="module")
def tree(client):
    return Tree(client, "-roster")


def refused(client, query, variables, code, bearer=None):
    with pytest.raises(GraphQLFailed) as err:
        client.run(query, variables, token=bearer)
    assert err.value.codes == [code], err.value.errors
    return err.value.errors[0]


def names_and_roles(client, org_id):
    return {m["name"]: m["roles"] for m in client.run(MEMBERS, {"o": org_id})
            ["organization"]["members"]}


def test_set_member_roles_keeps_the_history(client, tree):
    member = tree.a[0]
    today = clock.today()
    earlier = (today - dt.timedelta(days=30)).isoformat()
    answer = client.run(SET_ROLES, {"m": member, "r": ["branch_committee"], "on": earlier})
    assert answer["setMemberRoles"]["roles"] == ["branch_committee", "member"]
    answer = client.run(SET_ROLES, {"m": member, "r": ["secretary"]})
    assert client.run(MEMBER, {"m": member})["member"]["roles"] == ["member", "secretary"]
    # a change before the last one, in the future, or of an unknown role: nothing written
    for roles, on in ((["member"], (today - dt.timedelta(days=60)).isoformat()),
                      (["member"], (today + dt.timedelta(days=1)).isoformat()),
                      (["chairman"], None)):
        refused(client, SET_ROLES, {"m": member, "r": roles, "on": on}, "BAD_INPUT")
    assert client.run(MEMBER, {"m": member})["member"]["roles"] == ["member", "secretary"]


def test_contact_branches_once_in_the_own_bureau_by_a_committee_member(client, tree):
    leader = tree.a[1]
    client.run(SET_ROLES, {"m": leader, "r": ["bureau_committee"]})
    first = client.run(ASSIGN, {"m": leader, "b": tree.branch_b})["assignContactBranch"]
    assert first["contactBranches"] == [{"id": tree.branch_b}]
    again = client.run(ASSIGN, {"m": leader, "b": tree.branch_b})["assignContactBranch"]
    assert again == first  # idempotent, nothing more written
    error = refused(client, ASSIGN, {"m": leader, "b": tree.branch_c}, "BAD_INPUT")
    assert "another" in error["message"]
    error = refused(client, ASSIGN, {"m": tree.a[2], "b": tree.branch_b}, "BAD_INPUT")
    assert "bureau_committee" in error["message"]
    assert client.run(MEMBER, {"m": tree.a[2]})["member"]["contactBranches"] == []
    assert client.run(MEMBER, {"m": leader})["member"]["contactBranches"] == [
        {"id": tree.branch_b, "name": "第二支部"}]
    assert client.run(CONTACTS, {"o": tree.branch_b})["organization"]["contacts"] == [
        {"id": leader, "name": "甲2"}]
    assert client.run(CONTACTS, {"o": tree.branch_c})["organization"]["contacts"] == []


def roster(rows, header=("姓名", "支部", "职务", "转入日期")):
    return ("\n".join(",".join(r) for r in [header, *rows]) + "\n").encode("utf-8")


def test_a_roster_of_200_imports_and_the_members_are_there(client, tree):
    rows = [(f"新人{i:03d}", "第一支部" if i % 2 else "第二支部", "支委" if i == 7 else "",
             "2015-03-01") for i in range(200)]
    rows.append(("甲4", "第一支部", "支部书记、支委", ""))  # an existing member's roles
    content = roster(rows)
    dry = client.import_roster(tree.committee1, content, dry_run=True)
    assert dry == {"dryRun": True, "created": 200, "updated": 1, "errors": []}
    assert "新人000" not in names_and_roles(client, tree.branch_b)
    done = client.import_roster(tree.committee1, content)
    assert done == {"dryRun": False, "created": 200, "updated": 1, "errors": []}
    in_a, in_b = names_and_roles(client, tree.branch_a), names_and_roles(client, tree.branch_b)
    assert len([n for n in in_a if n.startswith("新人")]) == 100
    assert len([n for n in in_b if n.startswith("新人")]) == 100
    assert in_a["新人007"] == ["branch_committee", "member"]
    assert in_a["甲4"] == ["branch_committee", "member", "secretary"]


def test_a_roster_with_three_bad_rows_writes_nothing_and_names_them(client, tree):
    before = names_and_roles(client, tree.committee1)
    rows = [("好人1", "第一支部", "", ""), ("", "第一支部", "", ""),
            ("好人2", "第九支部", "", ""), ("好人3", "第一支部", "组长", ""),
            ("甲4", "第一支部", "党员", "")]
    answer = client.import_roster(tree.committee1, roster(rows))
    assert answer["created"] == answer["updated"] == 0
    assert [(e["row"], e["column"]) for e in answer["errors"]] == [
        (3, "姓名"), (4, "支部"), (5, "职务")]
    assert names_and_roles(client, tree.committee1) == before


def test_a_member_or_viewer_token_cannot_write(client, tree):
    before = names_and_roles(client, tree.committee1)
    for roles in (("member",), ("viewer",)):
        bearer = token(scope=tree.bureau1, roles=roles, sub=tree.a[3])
        refused(client, SET_ROLES, {"m": tree.a[3], "r": ["secretary"]}, "FORBIDDEN", bearer)
        refused(client, ASSIGN, {"m": tree.a[1], "b": tree.branch_a}, "FORBIDDEN", bearer)
        with pytest.raises(GraphQLFailed) as err:
            client.import_roster(tree.committee1, roster([("坏人", "第一支部", "", "")]),
                                 token=bearer)
        assert err.value.codes == ["FORBIDDEN"]
    assert names_and_roles(client, tree.committee1) == before
    assert client.run(MEMBER, {"m": tree.a[1]})["member"]["contactBranches"] == [
        {"id": tree.branch_b, "name": "第二支部"}]
