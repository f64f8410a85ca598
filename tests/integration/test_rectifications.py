"""Rectification lists (问题整改清单, U3) through the supervision service's
RPC, on SQLite and PostgreSQL, with the organisation register answering
who is where: what is refused writes nothing; a campaign item moves its
branch's quota U3 in the transaction that writes it (the row is there when
the answer comes) and is counted again when the bureau's quotas are derived
again; OVERDUE shows from the day after due, by itself, and filters by
state; close-off and publication refuse the wrong states; a repeated request
makes one item."""
import pytest
from sqlalchemy import func, select

from services.organization.service import OrganizationService
from services.supervision.models import quota_state, rectifications
from services.supervision.service import SupervisionService
from shared.errors import BadInput, Conflict, NotFound

TODAY = "2018-06-15"


@pytest.fixture
def pinned(monkeypatch):
    """The platform's today, moved by the test (shared.clock follows XF_TODAY)."""
    monkeypatch.setenv("XF_TODAY", TODAY)
    return lambda day: monkeypatch.setenv("XF_TODAY", day)


def org(rpc, name, kind, parent=None):
    return rpc.organization.create_organization(
        {"name": name, "kind": kind, "parent_id": parent["id"] if parent else None})


def count(engine):
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(rectifications)).scalar()


def u3(engine, branch_id):
    with engine.connect() as conn:
        return conn.execute(select(quota_state.c.actual, quota_state.c.status).where(
            quota_state.c.rule == "U3", quota_state.c.subject_id == branch_id,
            quota_state.c.period == "2018")).all()


def item(org_id, owner_id, due, campaign=False, problem="学习不经常"):
    return {"org_id": org_id, "problem": problem, "measures": ["每月集中学习"],
            "owner_id": owner_id, "due": due, "campaign": campaign}


def listed(rpc, where, state=None, year=2018):
    return [(i["problem"], i["state"])
            for i in rpc.supervision.rectifications(where["path"], year, state)]


def test_a_rectification_list_from_making_to_publishing(services, rpc, engine_of, pinned):
    services(OrganizationService, SupervisionService)
    supervision = engine_of("supervision")
    city = org(rpc, "市", "CITY")
    bureau = org(rpc, "科技局", "BUREAU", city)
    committee = org(rpc, "局党委", "COMMITTEE", bureau)
    branch = org(rpc, "第一支部", "BRANCH", committee)
    group = org(rpc, "第一小组", "GROUP", branch)
    other = org(rpc, "第二支部", "BRANCH", committee)
    owner = rpc.organization.register_member({"name": "甲", "branch_id": branch["id"]})
    stranger = rpc.organization.register_member({"name": "乙", "branch_id": other["id"]})

    for refused, field in ((item(group["id"], owner["id"], "2018-06-30"), "orgId"),
                           (item(bureau["id"], owner["id"], "2018-06-30"), "orgId"),
                           (item("nobody", owner["id"], "2018-06-30"), "orgId"),
                           (item(branch["id"], stranger["id"], "2018-06-30"), "ownerId"),
                           (item(branch["id"], "nobody", "2018-06-30"), "ownerId"),
                           (item(branch["id"], owner["id"], "2018-06-31"), "due"),
                           ({**item(branch["id"], owner["id"], "2018-06-30"),
                             "measures": ["  "]}, "measures")):
        with pytest.raises(BadInput) as err:
            rpc.supervision.create_rectification({**refused, "campaign": True}, "sec")
        assert err.value.field == field, (refused, err.value)
    assert count(supervision) == 0 and u3(supervision, branch["id"]) == []

    # the branch's campaign item counts for U3 as soon as it is answered; a
    # committee's item (its owner from a branch below) counts for no branch
    made = rpc.supervision.create_rectification(
        item(branch["id"], owner["id"], "2018-06-30", campaign=True, problem="支部问题"), "sec")
    assert (made["state"], made["campaign"], made["published"], made["org_path"]) == (
        "OPEN", True, False, branch["path"])
    assert u3(supervision, branch["id"]) == [(1, "MET")]
    late = rpc.supervision.create_rectification(
        item(committee["id"], owner["id"], "2018-06-15", problem="党委问题"), "sec")
    assert u3(supervision, committee["id"]) == [] and u3(supervision, other["id"]) == []

    # due on the 15th: OPEN that day, OVERDUE the next; filtered by state
    assert listed(rpc, committee) == [("党委问题", "OPEN"), ("支部问题", "OPEN")]
    pinned("2018-06-16")
    assert listed(rpc, committee) == [("党委问题", "OVERDUE"), ("支部问题", "OPEN")]
    assert listed(rpc, committee, "OVERDUE") == [("党委问题", "OVERDUE")]
    assert listed(rpc, committee, "OPEN") == [("支部问题", "OPEN")]
    assert listed(rpc, committee, "CLOSED") == []
    assert listed(rpc, branch) == [("支部问题", "OPEN")]
    assert listed(rpc, committee, year=2019) == []
    with pytest.raises(BadInput):
        rpc.supervision.rectifications(committee["path"], 2018, "DONE")

    # publish only a CLOSED one; close off an OVERDUE one with an outcome, once
    with pytest.raises(Conflict):
        rpc.supervision.publish_rectification(late["id"], "sec")
    with pytest.raises(BadInput) as err:
        rpc.supervision.close_rectification(late["id"], "  ", "sec")
    assert err.value.field == "outcome"
    closed = rpc.supervision.close_rectification(late["id"], "已整改到位", "sec")
    assert (closed["state"], closed["outcome"], closed["closed_on"]) == (
        "CLOSED", "已整改到位", "2018-06-16")
    with pytest.raises(Conflict):
        rpc.supervision.close_rectification(late["id"], "again", "sec")
    published = rpc.supervision.publish_rectification(late["id"], "sec")
    assert published["published"] is True
    assert rpc.supervision.publish_rectification(late["id"], "sec") == published
    assert rpc.supervision.get_rectification(late["id"]) == published
    assert listed(rpc, committee, "CLOSED") == [("党委问题", "CLOSED")]
    with pytest.raises(NotFound):
        rpc.supervision.get_rectification("nothing")

    # a request sent twice makes one item
    request = {"key": "k/createRectification", "subject": "sec"}
    data = item(branch["id"], owner["id"], "2018-09-30", campaign=True, problem="重复")
    first = rpc.supervision.create_rectification(data, "sec", request)
    assert rpc.supervision.create_rectification(data, "sec", request) == first
    assert count(supervision) == 3 and u3(supervision, branch["id"]) == [(2, "MET")]

    # derived again from the facts: the campaign items are counted again
    rpc.supervision.rederive_quotas(bureau["id"])
    assert u3(supervision, branch["id"]) == [(2, "MET")]
