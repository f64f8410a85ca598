"""The study quotas in supervision, fed with the new events over the real
broker, on each backend: plans and self-study plans filed (once however
often told, late ones not counted), lectures and guest visits judged by the
roles and contacts held on the day, a backdated role change counting one
member's quotas again (and the same counts derived again from scratch), and
a deadline closing its quotas once, opening their items, without waiting
for the year's end."""
import uuid

from nameko.testing.services import entrypoint_hook
from sqlalchemy import select

from services.supervision.models import (closed_deadlines, member_activities, member_roles,
                                         members, plan_filings, quota_closures, quota_state,
                                         self_study_filings, supervision_items)
from services.supervision.service import SupervisionService
from shared.events import Envelope
from tests.integration.conftest import publish, wait_for
from tests.integration.test_quota_state import City, count_of, known, result


class StudyCity(City):
    """The small city of test_quota_state, told the study facts too."""

    def tell(self, event_type, bureau, payload, source):
        envelope = Envelope.new(event_type, bureau, payload)
        publish(self.uri, envelope, source=source, routing_key=event_type)
        return envelope

    def leader(self, branch, roles):
        member_id = uuid.uuid4().hex
        self.tell("member_registered", self.paths[branch][1], {
            "member_id": member_id, "name": member_id[:6], "branch_id": branch,
            "group_id": None, "roles": roles}, "organization")
        return member_id

    def roles(self, member, branch, roles, on):
        return self.tell("member_roles_set", self.paths[branch][1], {
            "member_id": member, "branch_id": branch, "roles": roles, "on": on},
            "organization")

    def contact(self, member, branch, on):
        return self.tell("contact_branch_assigned", self.paths[branch][1], {
            "member_id": member, "branch_id": branch, "branch_path": self.paths[branch],
            "on": on}, "organization")

    def plan(self, org, year, kind, filed_on, refiled=False):
        return self.tell("annual_plan_filed", self.paths[org][1], {
            "plan_id": uuid.uuid4().hex, "org_id": org, "org_path": self.paths[org],
            "year": year, "kind": kind, "filed_on": filed_on, "refiled": refiled,
            "items": [{"month": m, "kind": "PARTY_LECTURE", "theme": "学", "source": "SUPERIOR"}
                      for m in range(1, 13)]}, "study")

    def self_study(self, member, branch, year, filed_on, refiled=False):
        return self.tell("self_study_plan_filed", self.paths[branch][1], {
            "member_id": member, "branch_id": branch, "year": year, "filed_on": filed_on,
            "on_time": filed_on <= f"{year}-03-31", "refiled": refiled}, "study")

    def lecture(self, holder, day, speaker=None, guests=(), kind="PARTY_LECTURE"):
        envelope = Envelope.new("activity_recorded", self.paths[holder][1], {
            "activity_id": uuid.uuid4().hex, "org_id": holder,
            "org_path": self.paths[holder], "kind": kind, "theme": "学", "held_on": day,
            "attendance": [], "speaker_id": speaker, "guest_ids": list(guests),
            "theme_source": "SUPERIOR"})
        publish(self.uri, envelope)
        return envelope


def study_city(uri):
    city = StudyCity(uri)
    bureau = city.org("BUREAU", city.city)
    committee = city.org("COMMITTEE", bureau)
    branches = [city.org("BRANCH", committee) for _ in range(2)]
    return city, bureau, committee, branches


def state(db):
    """{(rule, subject, period): (actual, status, closed)} of the stored quota state."""
    with db.connect() as conn:
        rows = conn.execute(select(quota_state.c.rule, quota_state.c.subject_id,
                                   quota_state.c.period, quota_state.c.actual,
                                   quota_state.c.status, quota_state.c.closed)).all()
    return {(r, s, p): (a, st, c) for r, s, p, a, st, c in rows}


def actual(rpc, org, period, rule, subject):
    found = result(rpc, org, period, rule, subject)
    return found and (found["actual"], found["status"])


def test_study_facts_count_by_role_and_contact_on_the_day_and_a_backdated_role_recounts(
        services, rpc, vhost, engine_of, monkeypatch):
    monkeypatch.setenv("XF_TODAY", "2018-06-30")
    services(SupervisionService)
    city, bureau, committee, (branch, other) = study_city(vhost.uri)
    db = engine_of("supervision")
    wait_for(known(db, 5), what="the read model")
    sec = city.leader(branch, ["bureau_secretary"])
    com = city.leader(other, ["member"])              # on the committee from May 1 on
    plain = city.member(branch)
    wait_for(lambda: count_of(db, members) == 3, what="the members")
    city.contact(com, branch, "2018-01-01")

    # plans: on time, refiled (once), late; self-study plans
    city.plan(branch, 2018, "STUDY", "2018-01-31")
    city.plan(branch, 2018, "STUDY", "2018-01-31", refiled=True)
    city.plan(branch, 2018, "MEETINGS", "2018-02-01")
    city.plan(committee, 2018, "STUDY", "2018-01-20")
    city.self_study(plain, branch, 2018, "2018-03-31")
    city.self_study(plain, branch, 2018, "2018-03-31", refiled=True)
    city.self_study(sec, branch, 2018, "2018-04-01")
    # lectures and visits: the secretary at a branch of the bureau; com before
    # holding the committee role, at a branch they contact
    city.lecture(other, "2018-03-01", speaker=sec)
    city.lecture(branch, "2018-04-10", speaker=com)
    city.lecture(branch, "2018-04-11", guests=[com, plain], kind="ORG_LIFE_MEETING")
    wait_for(lambda: count_of(db, plan_filings) == 3 and count_of(db, self_study_filings) == 2
             and count_of(db, member_activities) == 4, what="the study facts")

    year = "2018"
    wait_for(lambda: actual(rpc, bureau, year, "S5-SEC", sec) == (1, "MET"), what="S5-SEC")
    assert actual(rpc, bureau, year, "S1", branch) == (1, "MET")
    assert actual(rpc, bureau, year, "S1", committee) == (1, "MET")
    assert actual(rpc, bureau, year, "S1", other) == (0, "PENDING")
    assert actual(rpc, bureau, year, "A2-PLAN", branch) == (0, "PENDING")   # filed Feb 1
    assert actual(rpc, bureau, year, "S4", plain) == (1, "MET")
    assert actual(rpc, bureau, year, "S4", sec) == (0, "PENDING")            # filed Apr 1
    # not on the committee today: no S5-COM or A7-LEAD subject yet
    assert result(rpc, bureau, year, "S5-COM", com) is None
    assert result(rpc, bureau, year, "A7-LEAD", com) is None
    # the committee's and a branch's compliance hold their members' quotas
    assert actual(rpc, committee, year, "S5-SEC", sec) == (1, "MET")
    assert actual(rpc, other, year, "S5-SEC", sec) is None  # sec's branch is not under it

    # backdated: com was on the committee from April 1 on
    city.roles(com, other, ["bureau_committee"], "2018-04-01")
    wait_for(lambda: actual(rpc, bureau, year, "S5-COM", com) == (1, "MET"),
             what="the backdated role recounted")
    assert actual(rpc, bureau, year, "A7-LEAD", com) == (1, "MET")
    assert actual(rpc, bureau, year, "A7-LEAD", sec) == (0, "PENDING")  # no contact branch
    # moved to May 1: neither April fact counts any more
    city.roles(com, other, ["member"], "2018-04-01")
    city.roles(com, other, ["bureau_committee"], "2018-05-01")
    wait_for(lambda: count_of(db, member_roles, member_roles.c.member_id == com) == 3
             and actual(rpc, bureau, year, "S5-COM", com) == (0, "PENDING"),
             what="the role moved later recounted")
    assert actual(rpc, bureau, year, "A7-LEAD", com) == (0, "PENDING")
    # a contact told with an earlier day and a lecture in office count
    city.lecture(branch, "2018-06-01", speaker=com)
    wait_for(lambda: actual(rpc, bureau, year, "S5-COM", com) == (1, "MET"),
             what="a lecture in office")

    # incremental == derived again from the facts
    before = state(db)
    assert rpc.supervision.rederive_quotas(bureau)["bureaus"] == [bureau]
    assert state(db) == before
    assert {k[0] for k in before} >= {"S1", "S4", "S5-SEC", "S5-COM", "A2-PL"}
    assert before[("S1", branch, year)][0] == 1  # filed twice, counted once
    assert before[("S4", plain, year)][0] == 1


def test_a_deadline_closes_its_quotas_once_and_opens_their_items(
        services, rpc, vhost, engine_of, monkeypatch):
    monkeypatch.setenv("XF_TODAY", "2018-01-10")
    container = services(SupervisionService)
    city, bureau, committee, (branch, other) = study_city(vhost.uri)
    db = engine_of("supervision")
    wait_for(known(db, 5), what="the read model")
    filer, idle = city.member(branch), city.member(branch)
    away = city.member(other)
    wait_for(lambda: count_of(db, members) == 3, what="the members")
    city.plan(branch, 2018, "STUDY", "2018-01-31")
    city.plan(branch, 2018, "MEETINGS", "2018-01-31")
    city.self_study(filer, branch, 2018, "2018-03-01")
    wait_for(lambda: count_of(db, self_study_filings) == 1 and count_of(db, plan_filings) == 2,
             what="the filings")

    def tick(today):
        monkeypatch.setenv("XF_TODAY", today)
        with entrypoint_hook(container, "auto_close") as run:
            run()

    def items(rule):
        with db.connect() as conn:
            return sorted(conn.execute(select(supervision_items.c.org_id)
                                       .where(supervision_items.c.rule == rule)).scalars())

    tick("2018-01-31")  # the due day: still open
    assert actual(rpc, bureau, "2018", "S1", other) == (0, "PENDING")
    assert count_of(db, quota_closures) == 0 and count_of(db, closed_deadlines) == 0

    tick("2018-02-01")  # the day after: S1 and A2-PLAN judged for the whole tree
    assert actual(rpc, bureau, "2018", "S1", other) == (0, "MISSED")
    assert actual(rpc, bureau, "2018", "S1", committee) == (0, "MISSED")
    assert actual(rpc, bureau, "2018", "S1", branch) == (1, "MET")
    assert actual(rpc, bureau, "2018", "A2-PLAN", other) == (0, "MISSED")
    assert items("S1") == sorted([other, committee]) and items("A2-PLAN") == [other]
    assert actual(rpc, bureau, "2018", "S4", idle) == (0, "PENDING")  # due Mar 31
    assert actual(rpc, bureau, "2018", "A2-PL", branch) == (0, "PENDING")  # the year runs
    with db.connect() as conn:
        done = set(conn.execute(select(closed_deadlines.c.bureau_id, closed_deadlines.c.year,
                                       closed_deadlines.c.rule)).all())
    assert {(bureau, 2018, "S1"), (bureau, 2018, "A2-PLAN")} <= done
    assert not any(r == "S4" for _, _, r in done)

    city.plan(other, 2018, "STUDY", "2018-02-02")  # late: never counts
    wait_for(lambda: count_of(db, plan_filings) == 3, what="the late plan")
    assert actual(rpc, bureau, "2018", "S1", other) == (0, "MISSED")

    tick("2018-04-01")  # S4: each missed member's item is their branch's, once per rule
    assert actual(rpc, bureau, "2018", "S4", filer) == (1, "MET")
    assert actual(rpc, bureau, "2018", "S4", idle) == (0, "MISSED")
    assert actual(rpc, bureau, "2018", "S4", away) == (0, "MISSED")
    assert items("S4") == sorted([branch, other])
    opened = count_of(db, supervision_items)
    closures = count_of(db, quota_closures)
    tick("2018-04-02")  # once: nothing new
    assert (count_of(db, supervision_items), count_of(db, quota_closures)) == (opened, closures)

    # the year's end closes the rest; the deadline quotas stay as judged
    closed = rpc.supervision.close_period(bureau, "2018", "tester", True)
    statuses = {(r["rule"], r["subject_id"]): r["status"] for r in closed["results"]}
    assert statuses[("S1", other)] == "MISSED" and statuses[("S4", filer)] == "MET"
    assert statuses[("A2-PL", branch)] == "MISSED"
    assert items("S1") == sorted([other, committee]) and items("S4") == sorted([branch, other])
