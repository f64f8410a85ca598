"""Events in floods (shared/consumer.py ``batch_consumer``): a batch is one
unit of work, and gives what the events one at a time give; a poisoned or
repeated event in a batch changes nothing for the others."""
import datetime as dt
import random
import uuid

import pytest
from kombu import Connection, Exchange
from sqlalchemy import func, select

from services.scoring import handlers as scoring
from services.scoring.models import metadata as scoring_metadata, point_entries
from services.scoring.models import processed_events as scoring_processed
from services.scoring.views import points_summaries
from services.scoring.service import ScoringService
from services.supervision.models import activity_facts, quota_state
from services.supervision.service import SupervisionService
from shared.consumer import ACK, REJECT, consume_batch
from shared.db import Database
from shared.events import Envelope
from tests.conftest import Databases
from tests.integration.conftest import publish, queue_depth, wait_for

MEMBERS = [uuid.uuid4().hex for _ in range(12)]
PATH = ["city", "bureau", "committee", "branch"]


def activity(i, rng):
    kind = rng.choice(["ACTIVITY_DAY", "GENERAL_MEETING", "PARTY_LECTURE", "VOLUNTEER_SERVICE"])
    attendance = [{"member_id": m, "status": rng.choice(["PRESENT", "PRESENT", "ABSENT",
                                                         "EXCUSED"])}
                  for m in rng.sample(MEMBERS, 8)]
    return Envelope.new("activity_recorded", "bureau", {
        "activity_id": f"a{i}", "org_id": "branch", "org_path": PATH, "kind": kind,
        "theme": "学", "held_on": (dt.date(2017, 1, 1) + dt.timedelta(days=i % 365)).isoformat(),
        "speaker_id": rng.choice(MEMBERS) if kind == "PARTY_LECTURE" else None,
        "attendance": attendance})


def ledger(db):
    with db.engine.connect() as conn:
        rows = conn.execute(select(point_entries.c.source_event, point_entries.c.member_id,
                                   point_entries.c.rule, point_entries.c.points)).all()
    return sorted((s, m, r, float(p)) for s, m, r, p in rows)


@pytest.fixture
def open_db(databases):
    """``open_db(name)``: another scoring database beside the test's (a file
    of its own on SQLite, a database of its own on PostgreSQL, dropped after
    the test)."""
    made = []

    def open_(name, service="scoring"):
        db = Database(service, scoring_metadata,
                      scoring.__file__.replace("handlers.py", "migrations"), relay=False)
        url = databases.urls[service]
        if url.startswith("sqlite"):
            url = url.replace(".db", f"-{name}.db")
        else:
            extra = Databases("postgresql", None)
            made.append(extra)
            url = extra.create([service])[service]
        return db.open(url)
    yield open_
    for extra in made:
        extra.drop()


def test_a_batch_posts_what_the_same_events_one_at_a_time_post(open_db):
    """Caps followed from one activity to the next inside a batch: a year of
    150 activities (caps are reached) posted as batches of 25 and one by one
    gives the same ledger."""
    rng = random.Random(3)
    events = [activity(i * 2, rng) for i in range(150)]
    one_by_one, batched = open_db("one"), open_db("batch")
    try:
        for envelope in events:
            with one_by_one.uow() as uow:
                scoring.apply_activity(uow, envelope)
        for i in range(0, len(events), 25):
            with batched.uow() as uow:
                scoring.apply_activities(uow, events[i:i + 25])
        assert ledger(batched) == ledger(one_by_one)
        volunteer = {}
        for _, member, rule, points in ledger(batched):
            if rule == "volunteer-service":
                volunteer[member] = volunteer.get(member, 0) + points
        assert max(volunteer.values()) == 30  # the cap was reached, and held
        # the running totals agree too
        with one_by_one.engine.connect() as a, batched.engine.connect() as b:
            def shown(summaries):  # entry ids and posting times differ, by nature
                return {m: (s["total"], s["by_category"],
                            sorted((e["rule"], e["points"], e["source_event"])
                                   for e in s["entries"]))
                        for m, s in summaries.items()}
            assert shown(points_summaries(a, MEMBERS, 2017)) \
                == shown(points_summaries(b, MEMBERS, 2017))
    finally:
        one_by_one.stop()
        batched.stop()


def test_consume_batch_rejects_poison_and_counts_a_repeat_once(open_db):
    db = open_db("consume")
    try:
        rng = random.Random(5)
        events = [activity(i, rng) for i in range(6)]
        bodies = [e.to_dict() for e in events]
        bodies.insert(2, {"not": "an envelope"})
        bodies.append(events[0].to_dict())  # the same event again, in the same batch
        outcomes = consume_batch(db, bodies, "activity_recorded", scoring.apply_activity,
                                 scoring.apply_activities)
        assert outcomes == [ACK, ACK, REJECT, ACK, ACK, ACK, ACK, ACK]
        assert {s for s, *_ in ledger(db)} == {e.id for e in events}
        before = ledger(db)
        # the whole batch again: nothing posts twice
        assert consume_batch(db, bodies, "activity_recorded", scoring.apply_activity,
                             scoring.apply_activities) == outcomes
        assert ledger(db) == before

        # one event the domain refuses fails its batch; the others are then
        # applied one by one and only the bad one is rejected
        bad = Envelope.new("activity_recorded", "bureau", {
            **activity(99, rng).payload, "held_on": "not a day"})
        fresh = [activity(i, rng) for i in range(100, 104)]
        outcomes = consume_batch(db, [fresh[0].to_dict(), bad.to_dict()]
                                 + [e.to_dict() for e in fresh[1:]],
                                 "activity_recorded", scoring.apply_activity,
                                 scoring.apply_activities)
        assert outcomes == [ACK, REJECT, ACK, ACK, ACK]
        assert {e.id for e in fresh} <= {s for s, *_ in ledger(db)}
    finally:
        db.stop()


def test_a_flood_through_the_broker_is_applied_once_by_both_consumers(services, vhost,
                                                                       engine_of):
    """500 activities published at once, a tenth of them twice and two
    poisoned bodies among them: scoring posts each once, supervision counts
    each once, and the poison waits in the dead-letter queues."""
    services(ScoringService, SupervisionService)
    for i, kind in enumerate(["CITY", "BUREAU", "COMMITTEE", "BRANCH"]):
        publish(vhost.uri, Envelope.new("organization_created", "bureau", {
            "org_id": PATH[i], "name": kind, "kind": kind,
            "parent_id": PATH[i - 1] if i else None, "path": PATH[:i + 1],
            "created_on": "2017-01-01"}), source="organization",
            routing_key="organization_created")
    rng = random.Random(11)
    events = [activity(i, rng) for i in range(500)]
    exchange = Exchange("activity.events", type="topic", durable=True)
    with Connection(vhost.uri) as conn:
        producer = conn.Producer()
        for n, envelope in enumerate(events + events[::10]):
            producer.publish(envelope.to_dict(), exchange=exchange,
                             routing_key="activity_recorded", serializer="json",
                             declare=[exchange])
            if n in (100, 300):
                producer.publish("{not json", exchange=exchange, routing_key="activity_recorded",
                                 content_type="application/json", content_encoding="utf-8")
    scoring_db, supervision_db = engine_of("scoring"), engine_of("supervision")

    def settled():
        with scoring_db.connect() as conn:
            handled = conn.execute(select(func.count()).select_from(scoring_processed)).scalar()
        with supervision_db.connect() as conn:
            facts = conn.execute(select(func.count()).select_from(activity_facts)).scalar()
        return handled == 500 and facts == 500
    wait_for(settled, timeout=90, what="every activity applied")
    with scoring_db.connect() as conn:
        rows = conn.execute(select(point_entries.c.source_event, point_entries.c.member_id,
                                   point_entries.c.rule)).all()
    assert len(rows) == len(set(rows)) and {r[0] for r in rows} <= {e.id for e in events}
    with supervision_db.connect() as conn:
        counted = conn.execute(select(func.sum(quota_state.c.actual)).where(
            quota_state.c.rule == "A1", quota_state.c.subject_id == "branch")).scalar()
    assert counted == sum(1 for e in events if e.payload["kind"] == "ACTIVITY_DAY")
    for queue in ("evt-activity-activity_recorded--scoring.on_activity_recorded",
                  "evt-activity-activity_recorded--supervision.on_activity_recorded"):
        wait_for(lambda: queue_depth(vhost.uri, f"dlq.{queue}") == 2,
                 what=f"the poison in dlq.{queue}")
