"""Issue 7 across processes, on SQLite and PostgreSQL over the real broker:
an activity's speaker from another branch and its guests (双重组织生活) are
checked, stored and told in activity_recorded, and earn points; study's
self_study_plan_filed and self_study_logged, published as real events, post
the self-study rules by their flags, within the caps, once per event."""
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from services.activity.models import activities, activity_guests
from services.activity.service import ActivityService
from services.organization.service import OrganizationService
from services.scoring.models import point_entries, processed_events
from services.scoring.service import ScoringService
from shared.errors import BadInput
from shared.events import Envelope
from tests.integration.conftest import drain, event_queue, publish, wait_for


def org(rpc, name, kind, parent):
    return rpc.organization.create_organization(
        {"name": name, "kind": kind, "parent_id": parent["id"] if parent else None})


def member(rpc, name, branch):
    return rpc.organization.register_member({"name": name, "branch_id": branch["id"]})


# -- a lecture with a speaker from another branch, and guests -----------------------------

def test_guests_and_a_speaker_from_another_branch_are_told_and_earn_points(
        services, rpc, vhost, engine_of):
    recorded_queue = event_queue(vhost.uri, "activity", "activity_recorded")
    services(OrganizationService, ActivityService, ScoringService)
    city = org(rpc, "市", "CITY", None)
    bureau = org(rpc, "科技局", "BUREAU", city)
    committee = org(rpc, "局党委", "COMMITTEE", bureau)
    branch = org(rpc, "第一支部", "BRANCH", committee)
    second = org(rpc, "第二支部", "BRANCH", committee)
    elsewhere = org(rpc, "第一支部", "BRANCH",
                    org(rpc, "局党委", "COMMITTEE", org(rpc, "教育局", "BUREAU", city)))
    m1, m2, m3 = (member(rpc, name, branch) for name in ("甲", "乙", "丙"))
    speaker, guest = member(rpc, "书记", second), member(rpc, "委员", second)
    outsider = member(rpc, "外局", elsewhere)

    lecture = {"org_id": branch["id"], "kind": "PARTY_LECTURE", "theme": "学党章",
               "held_on": "2017-06-03", "speaker_id": speaker["id"],
               "guest_ids": [guest["id"]], "theme_source": "MEMBER",
               "attendance": [{"member_id": m1["id"], "status": "PRESENT"},
                              {"member_id": m2["id"], "status": "ABSENT"}]}
    recorded = rpc.activity.record_activity(lecture, "secretary")
    assert (recorded["speaker_id"], recorded["guest_ids"], recorded["theme_source"]) == \
        (speaker["id"], [guest["id"]], "MEMBER")
    assert rpc.activity.get_activity(recorded["id"]) == recorded

    # bad guests: nothing written
    bad = [([outsider["id"]], "guestIds[0]", "same bureau"),
           ([guest["id"], m3["id"]], "guestIds[1]", "belonged to 第一支部"),
           (["nobody"], "guestIds[0]", "not a party member"),
           ([guest["id"], guest["id"]], "guestIds[1]", "listed twice"),
           ([m1["id"]], "guestIds[0]", "also in the attendance")]
    for guest_ids, field, words in bad:
        with pytest.raises(BadInput) as err:
            rpc.activity.record_activity({**lecture, "guest_ids": guest_ids}, "secretary")
        assert err.value.field == field and words in err.value.message
    with pytest.raises(BadInput) as err:
        rpc.activity.record_activities([lecture, {**lecture, "guest_ids": ["nobody"]}],
                                       "secretary")
    assert err.value.field == "inputs[1].guestIds[0]"
    with pytest.raises(BadInput) as err:
        rpc.activity.record_activity({**lecture, "speaker_id": "nobody"}, "secretary")
    assert err.value.field == "speakerId"
    with engine_of("activity").connect() as conn:
        assert conn.execute(select(func.count()).select_from(activities)).scalar() == 1
        assert conn.execute(select(activity_guests.c.member_id)).scalars().all() == \
            [guest["id"]]

    [body] = wait_for(lambda: drain(vhost.uri, recorded_queue), what="activity_recorded")
    told = Envelope.from_dict(body, "activity_recorded").payload
    assert (told["speaker_id"], told["guest_ids"], told["theme_source"]) == \
        (speaker["id"], [guest["id"]], "MEMBER")
    assert [a["member_id"] for a in told["attendance"]] == [m1["id"], m2["id"]]

    def rules_of(m):
        return sorted(e["rule"] for e in rpc.scoring.points_summary(m["id"], 2017)["entries"])
    wait_for(lambda: rules_of(speaker) and rules_of(guest), what="the points")
    assert rules_of(guest) == ["attend-lecture-or-study"]
    assert rules_of(speaker) == ["give-lecture"]
    assert rules_of(m1) == ["attend-lecture-or-study"]
    assert rpc.scoring.points_summary(guest["id"], 2017)["total"] == 2.0


# -- self-study, as study tells it ------------------------------------------------------

def plan_filed(member_id, year=2017, filed_on="2017-03-20", on_time=True, refiled=False):
    return Envelope.new("self_study_plan_filed", "bureau-1", {
        "member_id": member_id, "branch_id": "branch-1", "year": year, "filed_on": filed_on,
        "on_time": on_time, "refiled": refiled})


def logged(member_id, on="2017-05-02", evidence=True):
    return Envelope.new("self_study_logged", "bureau-1", {
        "entry_id": uuid.uuid4().hex, "member_id": member_id, "on": on, "kind": "READING",
        "minutes": 45, "evidence": evidence})


def tell(uri, envelopes):
    for envelope in envelopes:
        publish(uri, envelope, source="study", routing_key=envelope.type)


def handled_all(engine, envelopes):
    ids = {e.id for e in envelopes}

    def check():
        with engine.connect() as conn:
            return ids <= set(conn.execute(select(processed_events.c.event_id)).scalars())
    wait_for(check, what="scoring handling every event")


def ledger(engine):
    with engine.connect() as conn:
        return conn.execute(select(point_entries.c.member_id, point_entries.c.rule,
                                   point_entries.c.year, point_entries.c.points,
                                   point_entries.c.occurred_on, point_entries.c.source_event)
                            .order_by(point_entries.c.member_id, point_entries.c.year)).all()


def test_self_study_plans_and_log_entries_post_by_their_flags_and_caps_once(
        services, vhost, engine_of, rpc):
    services(ScoringService)
    on_time, refiled = plan_filed("p1"), plan_filed("p1", refiled=True)
    late = plan_filed("p2", filed_on="2017-04-02", on_time=False)
    next_year = plan_filed("p3", year=2018, filed_on="2017-12-20")
    plans = [on_time, on_time, refiled, late, next_year]  # on_time told twice
    with_evidence = [logged("m1", on=f"2017-05-{1 + i % 28:02d}") for i in range(26)]
    without = [logged("m1", evidence=False), logged("m2", evidence=False)]
    log_next_year = logged("m1", on="2018-01-03")
    logs = with_evidence + without + [with_evidence[0], log_next_year]
    tell(vhost.uri, plans + logs)
    engine = engine_of("scoring")
    handled_all(engine, plans + logs)
    rows = ledger(engine)

    plan_rows = [r for r in rows if r.rule == "self-study-plan-on-time"]
    assert [(r.member_id, r.year, r.points) for r in plan_rows] == [
        ("p1", 2017, Decimal(2)), ("p3", 2018, Decimal(2))]
    assert plan_rows[0].source_event == on_time.id
    assert [str(r.occurred_on) for r in plan_rows] == ["2017-03-20", "2017-12-20"]

    log_rows = [r for r in rows if r.rule != "self-study-plan-on-time"]
    assert {(r.member_id, r.rule) for r in log_rows} == {("m1", "self-study-log-entry")}
    in_2017 = [r for r in log_rows if r.year == 2017]
    assert len(in_2017) == 24 and sum(r.points for r in in_2017) == Decimal(12)
    assert [(r.year, r.points) for r in log_rows if r.year == 2018] == [(2018, Decimal("0.5"))]
    assert rpc.scoring.points_summary("m1", 2017)["total"] == 12.0
