"""The services together over the real broker: RPC, events, read models,
period closing, and the automatic close run by several replicas at once."""
import datetime as dt
from pathlib import Path

import eventlet
import pytest
from nameko.testing.services import entrypoint_hook
from sqlalchemy import func, select

from services.activity.service import ActivityService
from services.organization.service import OrganizationService
from services.scoring.service import ScoringService
from services.supervision.models import orgs as supervision_orgs, supervision_items
from services.supervision.service import SupervisionService
from shared import clock
from shared.errors import BadInput, Forbidden
from tests.integration.conftest import branch_chain, wait_for


def build_tree(rpc):
    city, bureau, committee, branch = branch_chain(rpc)
    members = [rpc.organization.register_member({"name": n, "branch_id": branch["id"]})
               for n in ("甲", "乙")]
    return city, bureau, committee, branch, members


def a1(rpc, org_id, period):
    results = rpc.supervision.compliance(org_id, period)["results"]
    return [r for r in results if r["rule"] == "A1"]


def test_recorded_activities_drive_points_and_quota_status(services, rpc, vhost):
    services(OrganizationService, ActivityService, ScoringService, SupervisionService)
    city, bureau, committee, branch, (m1, m2) = build_tree(rpc)
    wait_for(lambda: rpc.supervision.compliance(branch["id"], "2017-06")["results"],
             what="supervision learning the branch")
    assert a1(rpc, branch["id"], "2017-06")[0]["status"] == "PENDING"

    for day in ("2017-06-03", "2017-06-17"):
        rpc.activity.record_activity({
            "org_id": branch["id"], "kind": "ACTIVITY_DAY", "theme": "学党章", "held_on": day,
            "attendance": [{"member_id": m1["id"], "status": "PRESENT"},
                           {"member_id": m2["id"], "status": "ABSENT"}]}, "secretary")
    wait_for(lambda: a1(rpc, branch["id"], "2017-06")[0]["status"] == "MET", what="A1 met")
    assert a1(rpc, branch["id"], "2017-06")[0]["actual"] == 2
    wait_for(lambda: len(rpc.scoring.points_summary(m2["id"], 2017)["entries"]) == 2,
             what="the deductions")
    assert rpc.scoring.points_summary(m1["id"], 2017)["total"] == 4.0
    assert rpc.scoring.points_summary(m2["id"], 2017)["total"] == -6.0
    # the bureau's view includes the branch's result
    assert a1(rpc, bureau["id"], "2017-06") == a1(rpc, branch["id"], "2017-06")


def test_closing_a_period_opens_one_item_per_missed_quota_once(services, rpc):
    services(OrganizationService, ActivityService, SupervisionService)
    city, bureau, committee, branch, (m1, _m2) = build_tree(rpc)
    rpc.activity.record_activity({
        "org_id": branch["id"], "kind": "ACTIVITY_DAY", "theme": "一次", "held_on": "2017-06-03",
        "attendance": [{"member_id": m1["id"], "status": "PRESENT"}]}, "secretary")
    wait_for(lambda: a1(rpc, branch["id"], "2017-06")
             and a1(rpc, branch["id"], "2017-06")[0]["actual"] == 1, what="the activity counted")

    closed = rpc.supervision.close_period(bureau["id"], "2017-06", "admin")
    statuses = {(r["rule"], r["subject_id"]): r["status"] for r in closed["results"]}
    assert statuses[("A1", branch["id"])] == "MISSED"
    assert statuses[("S2", committee["id"])] == "MISSED"
    items = rpc.supervision.supervision_items(city["id"])
    assert sorted((i["rule"], i["org_id"], i["state"]) for i in items) == sorted([
        ("A1", branch["id"], "ASSIGNED"), ("A2-CM", branch["id"], "ASSIGNED"),
        ("A2-GR", branch["id"], "ASSIGNED"), ("S2", committee["id"], "ASSIGNED")])

    rpc.supervision.close_period(bureau["id"], "2017-06", "admin")
    assert len(rpc.supervision.supervision_items(city["id"])) == 4
    assert rpc.supervision.supervision_items(branch["id"], "CLOSED") == []


def test_a_period_cannot_be_closed_before_it_begins_or_early_without_admin(services, rpc):
    services(OrganizationService, SupervisionService)
    _city, bureau, *_ = build_tree(rpc)
    next_year = str(clock.today().year + 1)
    with pytest.raises(BadInput):
        rpc.supervision.close_period(bureau["id"], next_year, "admin", True)
    this_month = clock.today().strftime("%Y-%m")
    with pytest.raises(Forbidden):
        rpc.supervision.close_period(bureau["id"], this_month, "secretary", False)
    with pytest.raises(BadInput):
        rpc.supervision.compliance(bureau["id"], "2017-13")


def test_record_activity_rejects_an_attendee_of_another_branch(services, rpc):
    services(OrganizationService, ActivityService)
    _city, _bureau, committee, branch, (m1, _m2) = build_tree(rpc)
    other = rpc.organization.create_organization(
        {"name": "第二支部", "kind": "BRANCH", "parent_id": committee["id"]})
    stranger = rpc.organization.register_member({"name": "丙", "branch_id": other["id"]})
    with pytest.raises(BadInput) as err:
        rpc.activity.record_activity({
            "org_id": branch["id"], "kind": "ACTIVITY_DAY", "theme": "学", "held_on": "2017-06-03",
            "attendance": [{"member_id": m1["id"], "status": "PRESENT"},
                           {"member_id": stranger["id"], "status": "PRESENT"}]}, "secretary")
    assert stranger["id"] in str(err.value) and err.value.field == "attendance"
    assert rpc.activity.list_activities(branch["id"], "2017-01-01", "2017-12-31") == []


def test_automatic_close_with_two_replicas_opens_each_item_once(
        services, rpc, engine_of, monkeypatch):
    """Two supervision replicas run the period-end close at the same moment,
    after the month ended: one item per missed quota, no error."""
    services(OrganizationService)
    first, second = services(SupervisionService, SupervisionService)
    _city, _bureau, committee, branch, _members = build_tree(rpc)
    supervision = engine_of("supervision")

    def known():
        with supervision.connect() as conn:
            return conn.execute(select(func.count()).select_from(supervision_orgs)).scalar() == 4
    wait_for(known, what="the read model")

    today = clock.today()
    next_month = (today.replace(day=28) + dt.timedelta(days=5)).replace(day=1)
    monkeypatch.setenv("XF_TODAY", next_month.isoformat())
    with entrypoint_hook(first, "auto_close") as run_first, \
            entrypoint_hook(second, "auto_close") as run_second:
        threads = [eventlet.spawn(run_first), eventlet.spawn(run_second)]
        for thread in threads:
            thread.wait()
        # and again, later: nothing new
        run_first()
    with supervision.connect() as conn:
        rows = conn.execute(select(supervision_items.c.rule, supervision_items.c.org_id,
                                   supervision_items.c.period)).all()
    month = today.strftime("%Y-%m")
    assert sorted(rows) == sorted([("A1", branch["id"], month), ("A2-CM", branch["id"], month),
                                   ("A2-GR", branch["id"], month),
                                   ("S2", committee["id"], month)])


def test_a_bureau_with_its_own_rule_set_is_evaluated_by_it(services, rpc, tmp_path,
                                                             monkeypatch):
    """Rule sets are data per bureau: a file named after the bureau in
    XF_RULES_DIR raises A1 to 3 for that bureau only, without a restart."""
    services(OrganizationService, SupervisionService)
    _city, bureau, _committee, branch, _members = build_tree(rpc)
    other_bureau = rpc.organization.create_organization(
        {"name": "教育局", "kind": "BUREAU", "parent_id": _city["id"]})
    other_committee = rpc.organization.create_organization(
        {"name": "局党委", "kind": "COMMITTEE", "parent_id": other_bureau["id"]})
    other_branch = rpc.organization.create_organization(
        {"name": "第一支部", "kind": "BRANCH", "parent_id": other_committee["id"]})
    wait_for(lambda: a1(rpc, other_branch["id"], "2017-06"), what="the read model")
    assert a1(rpc, branch["id"], "2017-06")[0]["required"] == 2

    shipped = (Path(__file__).parents[2] / "rules" / "quota" / "default.yaml").read_text()
    (tmp_path / "quota").mkdir()
    (tmp_path / "quota" / f"{bureau['id']}.yaml").write_text(shipped.replace(
        "counts: {activity_kinds: [ACTIVITY_DAY]}\n        minimum: 2",
        "counts: {activity_kinds: [ACTIVITY_DAY]}\n        minimum: 3"))
    monkeypatch.setenv("XF_RULES_DIR", str(tmp_path))
    assert a1(rpc, branch["id"], "2017-06")[0]["required"] == 3
    assert a1(rpc, other_branch["id"], "2017-06")[0]["required"] == 2


def test_a_party_group_lists_its_own_members_and_its_activities_admit_the_branch(
        services, rpc):
    services(OrganizationService, ActivityService)
    _city, _bureau, _committee, branch, (m1, _m2) = build_tree(rpc)
    group = rpc.organization.create_organization(
        {"name": "第一小组", "kind": "GROUP", "parent_id": branch["id"]})
    grouped = rpc.organization.register_member(
        {"name": "丁", "branch_id": branch["id"], "group_id": group["id"]})
    assert [m["id"] for m in rpc.organization.members_of(group["id"])] == [grouped["id"]]
    assert len(rpc.organization.members_of(branch["id"])) == 3
    # a member of the branch outside the group may still attend the group's day
    recorded = rpc.activity.record_activity({
        "org_id": group["id"], "kind": "ACTIVITY_DAY", "theme": "小组学习",
        "held_on": "2017-06-03", "attendance": [{"member_id": m1["id"], "status": "PRESENT"},
                                                {"member_id": grouped["id"],
                                                 "status": "PRESENT"}]}, "secretary")
    assert [a["member_id"] for a in recorded["attendance"]] == [m1["id"], grouped["id"]]
