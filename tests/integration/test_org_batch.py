"""The organisation service's batch reads, over the real broker on SQLite and
PostgreSQL: children_of, members_of_orgs, get_members (a fixed number of
queries however many members), describe_for_activities and directory."""
import pytest
from sqlalchemy import event

from services.activity.service import ActivityService
from services.organization import views
from services.organization.models import memberships, members, metadata, organizations
from services.organization.service import MIGRATIONS, OrganizationService
from shared.db import Database
from shared.tree import path_of


@pytest.fixture
def tree(services, rpc):
    services(OrganizationService, ActivityService)
    org = rpc.organization

    def make(name, kind, parent=None):
        return org.create_organization({"name": name, "kind": kind,
                                        "parent_id": parent["id"] if parent else None})
    city = make("市", "CITY")
    bureau = make("科技局", "BUREAU", city)
    committee = make("局党委", "COMMITTEE", bureau)
    branches = [make(name, "BRANCH", committee) for name in ("第二支部", "第一支部")]
    group = make("小组", "GROUP", branches[0])
    members = {}
    for i, branch in enumerate(branches):
        for name in ("甲", "乙", "丙"):
            members[f"{name}{i}"] = org.register_member(
                {"name": name, "branch_id": branch["id"], "joined_on": "2016-01-01",
                 "group_id": group["id"] if (i, name) == (0, "甲") else None})
    org.transfer_member({"member_id": members["丙0"]["id"], "branch_id": branches[1]["id"],
                         "on": "2017-07-01"})
    return {"city": city, "bureau": bureau, "committee": committee, "branches": branches,
            "group": group, "members": members}


def test_children_of_many(tree, rpc):
    c, b, k = tree["city"], tree["bureau"], tree["committee"]
    got = rpc.organization.children_of([c["id"], k["id"], tree["group"]["id"], "nope"])
    assert [o["id"] for o in got[c["id"]]] == [b["id"]]
    assert [o["name"] for o in got[k["id"]]] == ["第一支部", "第二支部"]  # by name
    assert got[tree["group"]["id"]] == [] and got["nope"] == []
    assert got[k["id"]] == rpc.organization.children(k["id"])


def test_members_of_orgs_is_members_of_for_each(tree, rpc):
    ids = [tree["bureau"]["id"], tree["group"]["id"], *[b["id"] for b in tree["branches"]]]
    for day in ("2017-06-30", "2017-07-01", None):
        got = rpc.organization.members_of_orgs(ids + ["nope"], day)
        assert set(got) == set(ids)
        for org_id in ids:
            assert got[org_id] == rpc.organization.members_of(org_id, day)
    got = rpc.organization.members_of_orgs(ids, "2017-06-30")
    assert len(got[tree["bureau"]["id"]]) == 6
    assert [m["name"] for m in got[tree["group"]["id"]]] == ["甲"]
    assert len(got[tree["branches"][0]["id"]]) == 3  # 丙0 still there
    assert len(rpc.organization.members_of_orgs(ids, "2017-07-01")[tree["branches"][0]["id"]]) \
        == 2


def test_get_members_in_the_order_asked(tree, rpc):
    members = tree["members"]
    order = ["丙1", "甲0", "丙0", "乙1"]
    got = rpc.organization.get_members([members[n]["id"] for n in order] + ["nope"])
    assert [m["id"] for m in got] == [members[n]["id"] for n in order]
    assert got[2] == rpc.organization.get_member(members["丙0"]["id"])
    assert len(got[2]["history"]) == 2


def test_describe_for_activities_answers_each_request(tree, rpc):
    first, second = tree["branches"][1], tree["branches"][0]  # 第一支部, 第二支部
    requests = [{"org_id": second["id"], "day": "2017-06-30"},
                {"org_id": second["id"], "day": "2017-07-01"},
                {"org_id": "nope", "day": "2017-06-30"},
                {"org_id": first["id"], "day": "2017-13-01"},
                {"org_id": tree["group"]["id"], "day": "2017-06-30"},
                {"org_id": tree["committee"]["id"], "day": "2017-07-01"}]
    got = rpc.organization.describe_for_activities(requests)
    assert len(got) == len(requests)
    for request, answer in zip(requests, got):
        if "error" not in answer:
            assert answer == rpc.organization.describe_for_activity(request["org_id"],
                                                                    request["day"])
    assert len(got[0]["member_ids"]) == 3 and len(got[1]["member_ids"]) == 2
    assert got[2] == {"error": {"code": "NOT_FOUND", "message": "there is no organisation nope"}}
    assert got[3]["error"]["code"] == "BAD_INPUT"
    assert got[4]["member_ids"] == got[0]["member_ids"]  # a group admits its branch
    assert len(got[5]["member_ids"]) == 6


def test_describe_for_activities_says_where_extra_members_belonged_on_the_day(tree, rpc):
    second, first = tree["branches"]  # 第二支部, 第一支部
    moved, stays = tree["members"]["丙0"]["id"], tree["members"]["甲1"]["id"]
    requests = [{"org_id": second["id"], "day": day, "extra_member_ids": [moved, stays, "nope"]}
                for day in ("2015-12-31", "2017-06-30", "2017-07-01")]
    got = rpc.organization.describe_for_activities(requests + [
        {"org_id": second["id"], "day": "2017-06-30"}])
    path = {b["id"]: b["path"] for b in tree["branches"]}

    def where(branch):
        return {"branch_id": branch["id"], "branch_path": path[branch["id"]],
                "bureau_id": tree["bureau"]["id"]}
    # before anyone joined; before the transfer; from its day on
    assert got[0]["extra_members"] == {moved: None, stays: None, "nope": None}
    assert got[1]["extra_members"] == {moved: where(second), stays: where(first), "nope": None}
    assert got[2]["extra_members"] == {moved: where(first), stays: where(first), "nope": None}
    assert "extra_members" not in got[3]
    assert got[1]["member_ids"] == got[3]["member_ids"]  # the holder's members as before
    bad = rpc.organization.describe_for_activities([{"org_id": second["id"], "day": "2017-06-30",
                                                     "extra_member_ids": "not a list"}])
    assert bad[0]["error"]["code"] == "BAD_INPUT"


def branch_of_300(databases):
    """The organisation's database with a city and a branch of 300 members,
    and the list of the statements it runs from now on."""
    db = Database("organization", metadata, MIGRATIONS, relay=False) \
        .open(databases.urls["organization"])
    with db.engine.begin() as conn:
        conn.execute(organizations.insert(), [
            dict(id="c", name="市", kind="CITY", parent_id=None, bureau_id="c",
                 path=path_of(["c"])),
            dict(id="br", name="支部", kind="BRANCH", parent_id="c", bureau_id="c",
                 path=path_of(["c", "br"]))])
        conn.execute(members.insert(), [dict(id=f"m{i}", name=f"m{i}", roles=["member"],
                                             bureau_id="c") for i in range(300)])
        conn.execute(memberships.insert(), [dict(member_id=f"m{i}", branch_id="br")
                                            for i in range(300)])
    statements = []
    event.listen(db.engine, "before_cursor_execute",
                 lambda *args: statements.append(args[2]))
    return db, statements


def selects(statements):
    return len([s for s in statements if s.lstrip().upper().startswith("SELECT")])


def test_extra_members_of_many_requests_cost_one_query_per_chunk(databases):
    db, statements = branch_of_300(databases)
    counts = {}
    for n in (1, 30, 300):
        statements.clear()
        requests = [{"org_id": "br", "day": f"2017-06-{1 + i % 28:02d}",
                     "extra_member_ids": [f"m{i}", f"m{(i + 7) % 300}"]} for i in range(n)]
        with db.connect() as conn:
            answers = views.describe_for_activities(conn, requests)
        assert all(len(a["extra_members"]) == 2 for a in answers)
        assert all(w is not None for a in answers for w in a["extra_members"].values())
        counts[n] = selects(statements)
    assert counts[1] == counts[30] == counts[300], counts
    db.engine.dispose()


def test_directory_names_the_subtree(tree, rpc):
    got = rpc.organization.directory(tree["branches"][1]["id"])  # 第一支部
    assert got["org"]["name"] == "第一支部"
    assert [o["name"] for o in got["orgs"]] == ["第一支部"]
    # 丙0 belonged once, so an old record naming them can be read
    assert sorted(m["name"] for m in got["members"]) == ["丙", "丙", "乙", "甲"]
    whole = rpc.organization.directory(tree["bureau"]["id"])
    assert len(whole["orgs"]) == 5 and len(whole["members"]) == 6


def test_get_members_costs_a_fixed_number_of_queries(databases):
    db, statements = branch_of_300(databases)
    counts = {}
    for n in (1, 10, 300):
        statements.clear()
        with db.connect() as conn:
            assert len(views.get_members(conn, [f"m{i}" for i in range(n)])) == n
        counts[n] = selects(statements)
    # the members, their memberships and their role periods
    assert counts[1] == counts[10] == counts[300] == 3, counts
    db.engine.dispose()
