"""The ledger's officer postings and dual records on SQLite and PostgreSQL:
manual adjustments and dues through the service's RPC with their events on
the real broker, the audit trail the database refuses to change, one dues
posting per member and month under concurrency, and dual records counted
from activity_recorded, household_visited and contact_branch_assigned
events, once per event."""
import datetime as dt
import uuid
from decimal import Decimal

import eventlet
import pytest
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import DatabaseError, IntegrityError

from services.scoring import ledger_handlers, views
from services.scoring.models import (adjustment_audit, contact_branches, dues_payments,
                                     metadata, point_entries)
from services.scoring.service import MIGRATIONS, ScoringService
from shared.db import Database
from shared.errors import BadInput, Conflict
from shared.events import Envelope
from tests.integration.conftest import drain, event_queue, publish, wait_for

TODAY = "2017-06-15"
BUREAU = "bureau-1"
BRANCH_PATH = ["city", BUREAU, "committee-1", "branch-1"]


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setenv("XF_TODAY", TODAY)
    monkeypatch.delenv("XF_RULES_DIR", raising=False)


@pytest.fixture
def db(databases, today):
    scoring = Database("scoring", metadata, MIGRATIONS).open(databases.urls["scoring"])
    yield scoring
    scoring.engine.dispose()


def adjustment(member="m1", points=5, category="study", reason="表彰先进", on="2017-06-01"):
    return {"member_id": member, "bureau_id": BUREAU, "points": points,
            "category": category, "reason": reason, "on": on}


def dues(member="m1", month="2017-05", amount=30):
    return {"member_id": member, "bureau_id": BUREAU, "month": month, "amount": amount}


def count(conn, table):
    return conn.execute(select(func.count()).select_from(table)).scalar()


def written(db):
    with db.connect() as conn:
        return {t.name: count(conn, t) for t in (point_entries, adjustment_audit,
                                                 dues_payments)}


# -- over the service's RPC and the broker ----------------------------------------------

def test_adjustments_and_dues_post_tell_and_refuse_bad_input_writing_nothing(
        services, vhost, rpc, today, engine_of):
    adjusted = event_queue(vhost.uri, "scoring", "points_adjusted")
    paid = event_queue(vhost.uri, "scoring", "dues_paid")
    services(ScoringService)
    request = {"key": "k-1", "subject": "sec-1"}
    entry = rpc.scoring.adjust_points(adjustment(points=7.5), "sec-1", request)
    assert {k: entry[k] for k in ("rule", "category", "points", "source_event", "occurred_on",
                                  "reason", "dimension", "adjusted_by")} == {
        "rule": "manual-adjustment", "category": "study", "points": 7.5,
        "source_event": None, "occurred_on": "2017-06-01", "reason": "表彰先进",
        "dimension": "POLITICAL", "adjusted_by": "sec-1"}
    # a repeat of the request answers the same and writes nothing
    assert rpc.scoring.adjust_points(adjustment(points=7.5), "sec-1", request) == entry
    minus = rpc.scoring.adjust_points(adjustment(points=-3, category="discipline",
                                                 reason="  迟到  "), "admin-1")
    assert (minus["reason"], minus["dimension"]) == ("迟到", "DISCIPLINE")

    first = rpc.scoring.record_dues(dues(month="2017-05"), "sec-1")
    assert {k: first[k] for k in ("rule", "category", "points", "occurred_on", "dimension",
                                  "adjusted_by")} == {
        "rule": "dues-paid", "category": "obligations", "points": 1.0,
        "occurred_on": "2017-05-31", "dimension": "DISCIPLINE", "adjusted_by": None}
    this_month = rpc.scoring.record_dues(dues(month="2017-06", amount="12.5"), "sec-1")
    assert this_month["occurred_on"] == TODAY
    with pytest.raises(Conflict) as err:
        rpc.scoring.record_dues(dues(month="2017-05", amount=40), "sec-1")
    assert err.value.field == "month"

    engine = engine_of("scoring")
    with engine.connect() as conn:
        before = {t.name: count(conn, t) for t in (point_entries, adjustment_audit,
                                                   dues_payments)}
    assert before == {"point_entries": 4, "adjustment_audit": 2, "dues_payments": 2}
    bad = [(rpc.scoring.adjust_points, adjustment(points=0), "points"),
           (rpc.scoring.adjust_points, adjustment(points=20.5), "points"),
           (rpc.scoring.adjust_points, adjustment(points=-21), "points"),
           (rpc.scoring.adjust_points, adjustment(reason="   "), "reason"),
           (rpc.scoring.adjust_points, adjustment(category="sports"), "category"),
           (rpc.scoring.adjust_points, adjustment(on="2017-06-16"), "on"),
           (rpc.scoring.adjust_points, adjustment(on="2017-02-30"), "on"),
           (rpc.scoring.record_dues, dues(month="2017-07"), "month"),
           (rpc.scoring.record_dues, dues(month="2017-5"), "month"),
           (rpc.scoring.record_dues, dues(amount=0), "amount"),
           (rpc.scoring.record_dues, dues(amount=-1), "amount")]
    for call, data, field in bad:
        with pytest.raises(BadInput) as err:
            call(data, "sec-1")
        assert err.value.field == field, (data, err.value)
    with engine.connect() as conn:
        assert {t.name: count(conn, t) for t in (point_entries, adjustment_audit,
                                                 dues_payments)} == before

    summary = rpc.scoring.points_summary("m1", 2017)
    assert summary["total"] == pytest.approx(7.5 - 3 + 1 + 1)
    assert {(e["rule"], e["adjusted_by"]) for e in summary["entries"]} == {
        ("manual-adjustment", "sec-1"), ("manual-adjustment", "admin-1"), ("dues-paid", None)}
    assert rpc.scoring.four_qualified(["m1", "nobody"], 2017) == {
        "m1": [{"dimension": "POLITICAL", "points": 7.5},
               {"dimension": "DISCIPLINE", "points": -1.0},
               {"dimension": "CONDUCT", "points": 0.0},
               {"dimension": "CONTRIBUTION", "points": 0.0}],
        "nobody": [{"dimension": d, "points": 0.0} for d in
                   ("POLITICAL", "DISCIPLINE", "CONDUCT", "CONTRIBUTION")]}
    answer = rpc.scoring.dual_records(["m1"], 2017)
    assert answer["cadre_day"] == TODAY
    assert answer["records"]["m1"]["dues_months_paid"] == 2

    got = []
    wait_for(lambda: got.extend(drain(vhost.uri, adjusted) + drain(vhost.uri, paid))
             or len(got) >= 4, what="the events")
    eventlet.sleep(0.3)
    got.extend(drain(vhost.uri, adjusted) + drain(vhost.uri, paid))
    by_type = {}
    for body in got:
        envelope = Envelope.from_dict(body)
        by_type.setdefault(envelope.type, []).append(envelope.payload)
    assert sorted(p["points"] for p in by_type["points_adjusted"]) == ["-3", "7.5"]
    (seven,) = [p for p in by_type["points_adjusted"] if p["points"] == "7.5"]
    assert seven == {"entry_id": entry["id"], "member_id": "m1", "year": 2017, "points": "7.5",
                     "category": "study", "dimension": "POLITICAL", "reason": "表彰先进",
                     "on": "2017-06-01", "adjusted_by": "sec-1"}
    assert sorted((p["month"], p["amount"], p["on"]) for p in by_type["dues_paid"]) == [
        ("2017-05", "30", "2017-05-31"), ("2017-06", "12.5", TODAY)]


def test_the_audit_trail_refuses_updates_and_deletes(db):
    entry = ledger_handlers.adjust_points(db, adjustment(), "sec-1", None,
                                          {"key": "k", "subject": "sec-1"})
    with db.connect() as conn:
        row = conn.execute(select(adjustment_audit)).mappings().one()
    assert (row["entry_id"], row["adjusted_by"], row["points"], row["reason"]) == (
        entry["id"], "sec-1", Decimal(5), "表彰先进")
    assert row["request"]["input"]["points"] == 5 and row["request"]["request"]["key"] == "k"
    for statement in (update(adjustment_audit).values(points=20),
                      update(adjustment_audit).values(reason="改过"),
                      delete(adjustment_audit)):
        with pytest.raises(DatabaseError) as err:
            with db.connect(write=True) as conn:
                conn.execute(statement)
        assert "cannot be changed" in str(err.value)
    with db.connect() as conn:
        assert dict(conn.execute(select(adjustment_audit)).mappings().one()) == dict(row)


def test_a_second_dues_posting_for_a_month_is_a_conflict_also_when_both_come_at_once(db):
    outcomes = []

    def pay(amount):
        try:
            outcomes.append(ledger_handlers.record_dues(db, dues(amount=amount), "sec-1"))
        except Conflict as exc:
            outcomes.append(exc)
    threads = [eventlet.spawn(pay, a) for a in (30, 31, 32)]
    for thread in threads:
        thread.wait()
    assert sorted(type(o).__name__ for o in outcomes) == ["Conflict", "Conflict", "dict"]
    assert written(db) == {"point_entries": 1, "adjustment_audit": 0, "dues_payments": 1}
    # and the key holds whatever the code checks first
    with pytest.raises(IntegrityError):
        with db.connect(write=True) as conn:
            conn.execute(insert(dues_payments).values(
                member_id="m1", month="2017-05", year=2017, amount=1, paid_on=dt.date(2017, 5, 31),
                entry_id="x", recorded_by="raw"))


def test_an_adjustment_is_not_clipped_and_leaves_the_caps_room(db):
    """Twelve months of dues fill the obligations cap (12); an adjustment of
    +5 in obligations is posted whole and does not take their room."""
    ledger_handlers.adjust_points(db, adjustment(points=5, category="obligations",
                                                 on="2016-01-05"), "sec-1")
    posted = [ledger_handlers.record_dues(db, dues(month=f"2016-{m:02d}"), "sec-1")["points"]
              for m in range(1, 13)]
    assert posted == [1.0] * 12
    ledger_handlers.adjust_points(db, adjustment(points=5, category="obligations",
                                                 on="2016-12-31"), "sec-1")
    with db.connect() as conn:
        summary = views.points_summary(conn, "m1", 2016)
    assert summary["total"] == 22.0
    assert [e["points"] for e in summary["entries"] if e["rule"] == "manual-adjustment"] == \
        [5.0, 5.0]


# -- dual records from events ---------------------------------------------------------------

def activity(kind, attendance, guests=(), held_on="2017-06-03", org_path=BRANCH_PATH):
    return Envelope.new("activity_recorded", BUREAU, {
        "activity_id": uuid.uuid4().hex, "org_id": org_path[-1], "org_path": org_path,
        "kind": kind, "theme": "学党章", "held_on": held_on, "speaker_id": None,
        "guest_ids": list(guests),
        "attendance": [{"member_id": m, "status": s} for m, s in attendance]})


def test_dual_records_count_each_event_once_over_the_broker(services, vhost, rpc, today,
                                                           engine_of):
    services(ScoringService)
    contact = Envelope.new("contact_branch_assigned", BUREAU, {
        "member_id": "cadre", "branch_id": "branch-1", "branch_path": BRANCH_PATH,
        "on": "2017-03-01"})
    publish(vhost.uri, contact, source="organization", routing_key="contact_branch_assigned")
    engine = engine_of("scoring")

    def contact_known():
        with engine.connect() as conn:
            return conn.execute(select(contact_branches.c.branch_path)).scalars().all()
    assert wait_for(contact_known, what="the contact known") == [
        "/city/bureau-1/committee-1/branch-1/"]
    events = [
        activity("ACTIVITY_DAY", [("m1", "PRESENT"), ("m2", "ABSENT")], guests=["cadre"]),
        activity("GENERAL_MEETING", [("m1", "PRESENT"), ("m2", "EXCUSED")], guests=["cadre"]),
        activity("ORG_LIFE_MEETING", [("m1", "PRESENT")], guests=["m3"],
                 org_path=["city", BUREAU, "committee-1", "branch-2"]),
        activity("DEMOCRATIC_LIFE_MEETING", [("m1", "PRESENT")], guests=["cadre"],
                 org_path=["city", BUREAU, "committee-1", "branch-2"]),
        activity("VOLUNTEER_SERVICE", [("m2", "PRESENT")], guests=["m1"]),
        # before the contact began: no visit
        activity("COMMITTEE_MEETING", [("m1", "PRESENT")], guests=["cadre"],
                 held_on="2017-02-01"),
        # another year
        activity("ACTIVITY_DAY", [("m1", "PRESENT")], held_on="2016-12-03"),
    ]
    visit = Envelope.new("household_visited", BUREAU, {
        "visit_id": "v1", "household_id": "h1", "member_id": "cadre", "on": "2017-05-02",
        "in_difficulty": False, "paired_cadre_id": None})
    for envelope in events + [events[1]]:          # one redelivered
        publish(vhost.uri, envelope)
    publish(vhost.uri, visit, routing_key="household_visited")
    publish(vhost.uri, visit, routing_key="household_visited")
    expected = {
        "m1": {"activity_days": 1, "org_life_meetings": 3, "dual_org_life": 0,
               "democratic_life_meetings": 1, "grassroots_visits": 0, "dues_months_paid": 0,
               "volunteer_services": 1},
        "m2": {"activity_days": 0, "org_life_meetings": 0, "dual_org_life": 0,
               "democratic_life_meetings": 0, "grassroots_visits": 0, "dues_months_paid": 0,
               "volunteer_services": 1},
        "m3": {"activity_days": 0, "org_life_meetings": 0, "dual_org_life": 0,
               "democratic_life_meetings": 0, "grassroots_visits": 0, "dues_months_paid": 0,
               "volunteer_services": 0},
        "cadre": {"activity_days": 1, "org_life_meetings": 0, "dual_org_life": 1,
                  "democratic_life_meetings": 1, "grassroots_visits": 3,
                  "dues_months_paid": 0, "volunteer_services": 0}}
    wait_for(lambda: rpc.scoring.dual_records(list(expected), 2017)["records"] == expected,
             what="the dual records")
    eventlet.sleep(0.5)  # the redelivered events have come and gone
    assert rpc.scoring.dual_records(list(expected), 2017)["records"] == expected
    assert rpc.scoring.dual_records(["m1"], 2016)["records"]["m1"]["activity_days"] == 1
    assert rpc.scoring.dual_records(["m1"], 2016)["cadre_day"] == "2016-12-31"

