"""Households (联户) and pledges (亮身份亮承诺) across processes, on SQLite
and PostgreSQL over the real broker: what is refused writes nothing, every
change goes out through the outbox as the brief's events, scoring posts a
visit and an on-time fulfilment (not a late one), and the sweep turns each
pledge past due OVERDUE once, with one pledge_overdue, however many sweeps
run."""
import datetime as dt

import eventlet
import pytest
from sqlalchemy import func, select

from services.activity.pledges_handlers import make_pledge, turn_overdue
from services.activity.models import households, metadata, outbox, pledges
from services.activity.service import MIGRATIONS, ActivityService
from services.organization.service import OrganizationService
from services.scoring.service import ScoringService
from shared.db import Database
from shared.errors import BadInput, Conflict
from shared.sweep import exclusive, lock_key, run_sweep
from tests.integration.conftest import wait_for

TODAY = "2017-06-15"


@pytest.fixture
def pinned(monkeypatch):
    """The platform's today, moved by the test (shared.clock follows XF_TODAY)."""
    monkeypatch.setenv("XF_TODAY", TODAY)
    return lambda day: monkeypatch.setenv("XF_TODAY", day)


def org(rpc, name, kind, parent):
    return rpc.organization.create_organization(
        {"name": name, "kind": kind, "parent_id": parent["id"] if parent else None})


def city(rpc):
    top = org(rpc, "市", "CITY", None)
    bureau = org(rpc, "科技局", "BUREAU", top)
    other_bureau = org(rpc, "农业局", "BUREAU", top)
    committee = org(rpc, "局党委", "COMMITTEE", bureau)
    branch = org(rpc, "第一支部", "BRANCH", committee)
    other_branch = org(rpc, "农业支部", "BRANCH", org(rpc, "农业局党委", "COMMITTEE",
                                                    other_bureau))

    def member(name, where=branch, roles=None):
        data = {"name": name, "branch_id": where["id"]}
        if roles:
            data["roles"] = roles
        return rpc.organization.register_member(data)
    return member, branch, other_branch


def events(engine, event_type):
    with engine.connect() as conn:
        return [row.envelope["payload"] for row in conn.execute(
            select(outbox.c.envelope).where(outbox.c.event_type == event_type)
            .order_by(outbox.c.seq))]


def count(engine, table):
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar()


def house(member_id, name="张家", **more):
    return {"member_id": member_id, "name": name, "address": "一路1号", **more}


def test_households_are_registered_paired_visited_and_a_visit_posts_a_point(
        services, rpc, engine_of, pinned):
    services(OrganizationService, ActivityService, ScoringService)
    activity = engine_of("activity")
    member, branch, other_branch = city(rpc)
    ann = member("安")
    cadre = member("县干部", roles=["member", "county_cadre"])
    plain = member("普通党员")
    far_cadre = member("外局县干部", other_branch, roles=["member", "county_cadre"])

    first = rpc.activity.register_household(house(ann["id"], phone="13800000000"), "sec")
    assert (first["phone"], first["branch_id"], first["in_difficulty"]) == \
        ("13800000000", branch["id"], False)
    paired = rpc.activity.register_household(
        house(ann["id"], "李家", in_difficulty=True, paired_cadre_id=cadre["id"]), "sec")
    assert paired["paired_cadre_id"] == cadre["id"]

    # a cadre who is not county_cadre, one of another bureau, a pairing of a
    # household not in difficulty: refused, nothing written
    for refused in (house(ann["id"], "王家", in_difficulty=True, paired_cadre_id=plain["id"]),
                    house(ann["id"], "王家", in_difficulty=True,
                          paired_cadre_id=far_cadre["id"]),
                    house(ann["id"], "王家", paired_cadre_id=cadre["id"])):
        with pytest.raises(BadInput) as err:
            rpc.activity.register_household(refused, "sec")
        assert "pairedCadreId" in str(err.value)
    for name in ("赵家", "钱家", "孙家"):
        rpc.activity.register_household(house(ann["id"], name), "sec")
    with pytest.raises(BadInput, match="at most 5"):
        rpc.activity.register_household(house(ann["id"], "周家"), "sec")
    assert count(activity, households) == 5
    assert [h["name"] for h in rpc.activity.households_of(ann["id"])] == \
        ["张家", "李家", "赵家", "钱家", "孙家"]
    told = events(activity, "household_registered")
    assert len(told) == 5 and told[1] == {
        "household_id": paired["id"], "member_id": ann["id"], "branch_id": branch["id"],
        "in_difficulty": True, "paired_cadre_id": cadre["id"], "registered_on": TODAY}

    with pytest.raises(BadInput):
        rpc.activity.log_household_visit(paired["id"], "2017-06-16", "走访", "sec")
    visit = rpc.activity.log_household_visit(paired["id"], "2017-06-10", "走访慰问", "sec")
    assert (visit["member_id"], visit["household"]["id"]) == (ann["id"], paired["id"])
    assert events(activity, "household_visited") == [{
        "visit_id": visit["id"], "household_id": paired["id"], "member_id": ann["id"],
        "on": "2017-06-10", "in_difficulty": True, "paired_cadre_id": cadre["id"]}]
    assert [v["id"] for v in rpc.activity.household_visits(ann["id"], 2017)] == [visit["id"]]
    assert rpc.activity.household_visits(ann["id"], 2016) == []

    wait_for(lambda: rpc.scoring.points_summary(ann["id"], 2017)["total"] == 1.0,
             what="the visit's point")
    entries = rpc.scoring.points_summary(ann["id"], 2017)["entries"]
    assert [e["rule"] for e in entries] == ["household-visit"]


def test_pledges_are_made_settled_and_only_an_on_time_fulfilment_scores(
        services, rpc, engine_of, pinned):
    services(OrganizationService, ActivityService, ScoringService)
    activity = engine_of("activity")
    member, branch, _ = city(rpc)
    ann = member("安")

    def pledge(due, content="帮扶两户"):
        return {"member_id": ann["id"], "year": 2017, "area": "SERVICE", "content": content,
                "due": due}

    with pytest.raises(BadInput, match="not in 2017"):
        rpc.activity.make_pledge(pledge("2018-01-31"), "sec")
    on_time = rpc.activity.make_pledge(pledge("2017-09-30"), "sec")
    late = rpc.activity.make_pledge(pledge("2017-06-15", "调解纠纷"), "sec")
    with pytest.raises(BadInput, match="at most 2"):
        rpc.activity.make_pledge(pledge("2017-10-31", "第三个"), "sec")
    assert count(activity, pledges) == 2
    assert events(activity, "pledge_made")[0] == {
        "pledge_id": on_time["id"], "member_id": ann["id"], "branch_id": branch["id"],
        "year": 2017, "area": "SERVICE", "due": "2017-09-30", "made_on": TODAY}
    assert [p["id"] for p in rpc.activity.list_pledges(branch["id"], 2017)] == \
        [on_time["id"], late["id"]]

    done = rpc.activity.settle_pledge(on_time["id"], True, "2017-06-15", "已完成", "sec")
    assert (done["state"], done["settled_on"], done["note"]) == \
        ("FULFILLED", "2017-06-15", "已完成")
    with pytest.raises(Conflict):
        rpc.activity.settle_pledge(on_time["id"], False, "2017-06-15", None, "sec")

    pinned("2017-06-20")   # past the second pledge's due day: it reads OVERDUE at once
    assert rpc.activity.get_pledges([late["id"]])[0]["state"] == "OVERDUE"
    settled = rpc.activity.settle_pledge(late["id"], True, "2017-06-19", None, "sec")
    assert settled["state"] == "FULFILLED"
    assert [(e["pledge_id"], e["on_time"], e["year"]) for e in
            events(activity, "pledge_fulfilled")] == \
        [(on_time["id"], True, 2017), (late["id"], False, 2017)]

    wait_for(lambda: rpc.scoring.points_summary(ann["id"], 2017)["total"] == 5.0,
             what="the on-time fulfilment's points")
    entries = rpc.scoring.points_summary(ann["id"], 2017)["entries"]
    assert [e["rule"] for e in entries] == ["pledge-fulfilled"]   # the late one posts none


def test_an_unfulfilled_pledge_is_told(services, rpc, engine_of, pinned):
    services(OrganizationService, ActivityService)
    activity = engine_of("activity")
    member, _, _ = city(rpc)
    ann = member("安")
    made = rpc.activity.make_pledge({"member_id": ann["id"], "year": 2017, "area": "HARMONY",
                                     "content": "化解矛盾", "due": "2017-12-31"}, "sec")
    assert rpc.activity.settle_pledge(made["id"], False, TODAY, "未完成", "sec")["state"] == \
        "UNFULFILLED"
    assert events(activity, "pledge_unfulfilled") == [{
        "pledge_id": made["id"], "member_id": ann["id"], "year": 2017, "on": TODAY,
        "due": "2017-12-31"}]


def test_two_sweeps_at_once_turn_each_pledge_past_due_once_and_tell_it_once(
        services, rpc, engine_of, databases, pinned):
    services(OrganizationService)
    url = databases.urls["activity"]
    replicas = [Database("activity", metadata, MIGRATIONS, relay=False).open(url)
                for _ in range(2)]
    activity = engine_of("activity")
    member, _, _ = city(rpc)
    people = [member(f"党员{i}") for i in range(5)]

    def members_of(ids):
        return rpc.organization.get_members(ids)
    for i, person in enumerate(people):
        for due in ("2017-06-15", "2017-06-16") if i < 4 else ("2017-06-30",):
            make_pledge(replicas[0], {"member_id": person["id"], "year": 2017,
                                      "area": "DEVELOPMENT", "content": "承诺", "due": due},
                        "sec", members_of)

    assert turn_overdue(replicas[0], dt.date(2017, 6, 15)) == 0  # due today: not yet
    pinned("2017-06-17")
    today = dt.date(2017, 6, 17)
    rounds = [eventlet.spawn(run_sweep, "activity", "pledges_overdue", db,
                             lambda db=db: turn_overdue(db, today, batch=3))
              for db in replicas]
    turned = [r.wait() for r in rounds]
    assert sum(t or 0 for t in turned) == 8
    told = events(activity, "pledge_overdue")
    assert len(told) == 8 and len({e["pledge_id"] for e in told}) == 8
    with activity.connect() as conn:
        states = dict(conn.execute(select(pledges.c.due, func.count())
                                   .where(pledges.c.state == "OVERDUE")
                                   .group_by(pledges.c.due)).all())
    assert {str(k): v for k, v in states.items()} == {"2017-06-15": 4, "2017-06-16": 4}
    # a later round finds nothing to do, and tells nothing again
    assert turn_overdue(replicas[1], today) == 0
    assert len(events(activity, "pledge_overdue")) == 8
    for db in replicas:
        db.engine.dispose()


def test_a_replica_skips_the_sweep_while_another_holds_its_lock(databases, backend):
    if backend != "postgresql":
        # one SQLite file has one host: the body just runs (shared/sweep.py)
        db = Database("activity", metadata, MIGRATIONS, relay=False).open(
            databases.urls["activity"])
        with exclusive(db, lock_key("activity", "pledges_overdue")) as mine:
            assert mine
        db.engine.dispose()
        return
    holder = Database("activity", metadata, MIGRATIONS, relay=False).open(
        databases.urls["activity"])
    other = Database("activity", metadata, MIGRATIONS, relay=False).open(
        databases.urls["activity"])
    ran = []
    with exclusive(holder, lock_key("activity", "pledges_overdue")) as mine:
        assert mine
        assert run_sweep("activity", "pledges_overdue", other, lambda: ran.append(1)) is None
    assert ran == []
    run_sweep("activity", "pledges_overdue", other, lambda: ran.append(1))
    assert ran == [1]
    holder.engine.dispose()
    other.engine.dispose()
