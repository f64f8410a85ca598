"""The outbox, idempotent consumers and dead-lettering, against the real
RabbitMQ and each service's real database (SQLite and PostgreSQL)."""
import datetime as dt

import pytest
from sqlalchemy import func, select

from services.activity.models import activities, metadata as activity_metadata, outbox
from services.scoring.models import point_entries, processed_events
from services.scoring.service import ScoringService
from shared.db import Database
from shared.events import Envelope
from tests.integration.conftest import publish, queue_depth, wait_for

SCORING_QUEUE = "evt-activity-activity_recorded--scoring.on_activity_recorded"


def activity_event(member_ids, held_on="2017-06-03", kind="ACTIVITY_DAY", bureau="bureau-1"):
    return Envelope.new("activity_recorded", bureau, {
        "activity_id": f"act-{held_on}-{kind}", "org_id": "branch-1",
        "org_path": ["city", bureau, "committee-1", "branch-1"], "kind": kind,
        "theme": "学党章", "held_on": held_on, "speaker_id": None,
        "attendance": [{"member_id": m, "status": s} for m, s in member_ids]})


def ledger(engine, member_id=None):
    with engine.connect() as conn:
        query = select(point_entries.c.member_id, point_entries.c.rule, point_entries.c.points)
        if member_id:
            query = query.where(point_entries.c.member_id == member_id)
        return [(m, r, float(p)) for m, r, p in conn.execute(query.order_by(
            point_entries.c.member_id, point_entries.c.rule))]


def test_outbox_rows_reach_a_consumer_once_after_commit(databases, vhost, services, engine_of):
    """A committed change's event is published by the relay and applied by
    the consumer; the relay marks it published, so a second pass sends nothing."""
    services(ScoringService)
    db = Database("activity", activity_metadata,
                  "services/activity/migrations").open(databases.urls["activity"])
    from shared.outbox import OutboxRelay
    relay = OutboxRelay(db, vhost.uri, {})
    db.relay = relay

    with db.uow() as uow:
        uow.session.execute(activities.insert().values(
            id="a1", org_id="branch-1", org_path="/city/bureau-1/committee-1/branch-1/",
            bureau_id="bureau-1", kind="ACTIVITY_DAY", theme="t", held_on=dt.date(2017, 6, 3),
            recorded_by="test"))
        uow.emit("activity_recorded", "bureau-1", activity_event(
            [("m1", "PRESENT"), ("m2", "ABSENT")]).payload)
    assert relay.publish_pending() == 1
    assert relay.publish_pending() == 0
    assert relay.update_backlog() == 0

    scoring = engine_of("scoring")
    wait_for(lambda: len(ledger(scoring)) == 2, what="both postings")
    assert ledger(scoring) == [("m1", "attend-activity-day", 2.0),
                               ("m2", "absent-without-leave", -3.0)]
    db.engine.dispose()


def test_a_failed_transaction_leaves_neither_change_nor_event(databases):
    """The event and the change commit together or not at all."""
    db = Database("activity", activity_metadata,
                  "services/activity/migrations").open(databases.urls["activity"])
    with pytest.raises(RuntimeError):
        with db.uow() as uow:
            uow.session.execute(activities.insert().values(
                id="a1", org_id="b", org_path="/b/", bureau_id="x", kind="ACTIVITY_DAY",
                theme="t", held_on=dt.date(2017, 6, 3), recorded_by="test"))
            uow.emit("activity_recorded", "x", activity_event([]).payload)
            raise RuntimeError("crash before commit")
    with db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(activities)).scalar() == 0
        assert conn.execute(select(func.count()).select_from(outbox)).scalar() == 0
    db.engine.dispose()


def test_the_same_event_delivered_twice_posts_points_once(vhost, services, engine_of):
    services(ScoringService)
    event = activity_event([("m1", "PRESENT"), ("m2", "ABSENT"), ("m3", "EXCUSED")])
    publish(vhost.uri, event)
    publish(vhost.uri, event)
    scoring = engine_of("scoring")
    wait_for(lambda: len(ledger(scoring)) == 2, what="the postings")
    # a third copy after the first two were handled, and a later event as a marker
    publish(vhost.uri, event)
    marker = activity_event([("m9", "PRESENT")], held_on="2017-06-10")
    publish(vhost.uri, marker)
    wait_for(lambda: ledger(scoring, "m9"), what="the marker event")
    assert ledger(scoring) == [("m1", "attend-activity-day", 2.0),
                               ("m2", "absent-without-leave", -3.0),
                               ("m9", "attend-activity-day", 2.0)]
    with scoring.connect() as conn:
        handled = conn.execute(select(processed_events.c.event_id)).scalars().all()
    assert sorted(handled) == sorted([event.id, marker.id])


def test_a_poison_message_is_dead_lettered_and_does_not_block_the_queue(
        vhost, services, engine_of):
    services(ScoringService)
    # not JSON at all; JSON but not an envelope; an envelope of an unknown version
    publish(vhost.uri, b"{not json", raw=True)
    publish(vhost.uri, {"hello": "world"})
    bad_version = activity_event([("m1", "PRESENT")]).to_dict()
    bad_version["schema_version"] = 99
    publish(vhost.uri, bad_version)
    good = activity_event([("m2", "PRESENT")], held_on="2017-07-01")
    publish(vhost.uri, good)

    scoring = engine_of("scoring")
    wait_for(lambda: ledger(scoring), what="the good event after the poison")
    assert ledger(scoring) == [("m2", "attend-activity-day", 2.0)]
    wait_for(lambda: queue_depth(vhost.uri, f"dlq.{SCORING_QUEUE}") == 3,
             what="three dead-lettered messages")
    assert queue_depth(vhost.uri, SCORING_QUEUE) == 0


def test_postings_for_one_member_and_year_take_turns(databases):
    """What keeps the caps right when replicas race: while one transaction
    holds a member's year, another waits for it (a row lock on PostgreSQL,
    the process's write lock on SQLite) and then sees its postings."""
    import eventlet
    from services.scoring.models import metadata as scoring_metadata
    from services.scoring.handlers import lock_member_year

    db = Database("scoring", scoring_metadata,
                  "services/scoring/migrations").open(databases.urls["scoring"])
    with db.uow() as uow:
        lock_member_year(uow.session, "m1", 2017)  # the row exists from here on
    order = []

    def second():
        with db.uow() as uow:
            lock_member_year(uow.session, "m1", 2017)
            order.append("second holds the year")

    with db.uow() as uow:
        lock_member_year(uow.session, "m1", 2017)
        thread = eventlet.spawn(second)
        eventlet.sleep(0.3)
        order.append("first commits")
    thread.wait()
    assert order == ["first commits", "second holds the year"]
    db.engine.dispose()
