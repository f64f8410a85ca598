"""Events that wait for their consumers, dead letters that say why and go
back, and read models that take a fact told twice: against the real
RabbitMQ and the services' real databases."""
import dataclasses
import datetime as dt

import eventlet
import pytest
from kombu import Connection, Queue
from sqlalchemy import func, select

from services.activity.models import metadata as activity_metadata
from services.scoring.service import ScoringService
from services.supervision import handlers as supervision
from services.supervision.models import members, metadata as supervision_metadata, orgs
from services.supervision.service import SupervisionService
from shared import topology
from shared.events import CATALOGUE, Envelope
from shared.db import Database
from shared.outbox import OutboxRelay
from tests.integration.conftest import publish, queue_depth, wait_for
from tests.integration.test_messaging import SCORING_QUEUE, activity_event, ledger
from shared import topology
from tools import dlq

ORG_QUEUE = "evt-organization-organization_created--supervision.on_organization_created"


@pytest.mark.parametrize("backend", ["sqlite"])
def test_an_event_published_before_its_consumer_ever_started_waits_for_it(
        databases, vhost, services, engine_of):
    """The relay declares the whole topology before it publishes: scoring's
    queue exists before scoring ever ran, and scoring, starting later,
    declares the same queue without a quarrel. A queue an older build made
    with other arguments is passed over, not a reason to publish nothing."""
    with Connection(vhost.uri) as conn:
        Queue(ORG_QUEUE, durable=True)(conn.default_channel).declare()
    db = Database("activity", activity_metadata, "services/activity/migrations",
                  relay=False).open(databases.urls["activity"])
    relay = OutboxRelay(db, vhost.uri, {})
    try:
        with db.uow() as uow:
            uow.emit("activity_recorded", "bureau-1", activity_event(
                [("m1", "PRESENT"), ("m2", "ABSENT")]).payload)
        assert relay.publish_pending() == 1
        assert queue_depth(vhost.uri, SCORING_QUEUE) == 1
    finally:
        relay._drop_connection()
        db.engine.dispose()
    services(ScoringService)
    scoring = engine_of("scoring")
    wait_for(lambda: len(ledger(scoring)) == 2, what="the postings of the early event", timeout=60)
    assert ledger(scoring) == [("m1", "attend-activity-day", 2.0),
                               ("m2", "absent-without-leave", -3.0)]


def letters_in(uri, queue):
    with dlq.connect(uri) as conn:
        return dlq.show(conn, queue)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_dead_letters_say_why_and_replay_to_the_queue_they_came_from(
        databases, vhost, services, engine_of, monkeypatch, capsys):
    services(ScoringService, SupervisionService)
    newer = activity_event([("m1", "PRESENT")], held_on="2017-05-06").to_dict()
    newer["schema_version"] = 2  # from a producer newer than this build
    publish(vhost.uri, b"{not json", raw=True)
    publish(vhost.uri, newer)
    bad_day = Envelope.new("organization_created", "b1", {
        "org_id": "o1", "name": "x", "kind": "BRANCH", "parent_id": None, "path": ["o1"],
        "created_on": "2017-02-30"})
    publish(vhost.uri, bad_day, source="organization", routing_key="organization_created")
    good = activity_event([("m2", "PRESENT")], held_on="2017-07-01")
    publish(vhost.uri, good)

    scoring = engine_of("scoring")
    wait_for(lambda: ledger(scoring), what="the good event after the poison", timeout=60)
    wait_for(lambda: queue_depth(vhost.uri, f"dlq.{SCORING_QUEUE}") == 2
             and queue_depth(vhost.uri, f"dlq.{ORG_QUEUE}") == 1,
             what="the poison set aside", timeout=60)

    # list: every consumer's dead-letter queue, with how many wait in it
    with dlq.connect(vhost.uri) as conn:
        listed = dict(dlq.list_queues(conn))
    assert listed[f"dlq.{SCORING_QUEUE}"] == 2 and listed[f"dlq.{ORG_QUEUE}"] == 1
    # every consumer's, waiting or not (supervision's too)
    assert set(listed) == {c.dead_letter_queue for c in topology.consumers()}
    assert sum(listed.values()) == 2 + 1 + 2

    # show: what each is and why it was set aside; showing takes nothing away
    letters = {letter.event_type: letter for letter in letters_in(vhost.uri, SCORING_QUEUE)}
    assert set(letters) == {"?", "activity_recorded"}
    assert letters["?"].reason.startswith("undecodable: ")
    assert letters["?"].event_id.startswith("sha1:")
    assert letters["activity_recorded"].event_id == newer["id"]
    assert letters["activity_recorded"].reason == (
        "PoisonMessage: activity_recorded schema version 2 is not handled "
        "(this build handles 1)")
    for letter in letters.values():
        assert (letter.origin, letter.exchange, letter.routing_key) == \
            (SCORING_QUEUE, "activity.events", "activity_recorded")
    [org_letter] = letters_in(vhost.uri, ORG_QUEUE)
    assert (org_letter.event_id, org_letter.origin) == (bad_day.id, ORG_QUEUE)
    assert org_letter.reason == "ValueError: day is out of range for month"
    assert queue_depth(vhost.uri, f"dlq.{SCORING_QUEUE}") == 2
    # the same on the command line
    capsys.readouterr()
    assert dlq.main(["--amqp", vhost.uri, "show", SCORING_QUEUE]) == 0
    out = capsys.readouterr().out
    assert f"dlq.{SCORING_QUEUE}: 2 messages" in out
    assert f"activity_recorded {newer['id']} from {SCORING_QUEUE} " \
           "(activity.events / activity_recorded)" in out
    assert "    reason: PoisonMessage: activity_recorded schema version 2" in out
    # a queue that is no dead-letter queue, and a replay that names nothing
    assert dlq.main(["--amqp", vhost.uri, "show", "dlq.nothing"]) == 2
    assert "BAD_INPUT: 'dlq.nothing' is not a dead-letter queue" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        dlq.main(["--amqp", vhost.uri, "replay", SCORING_QUEUE])
    assert "one of the arguments --id --all is required" in capsys.readouterr().err

    # an id not waiting there: nothing moves
    with dlq.connect(vhost.uri) as conn, pytest.raises(dlq.DeadLetterError) as err:
        dlq.replay(conn, SCORING_QUEUE, [newer["id"], "no-such-id"])
    assert "no-such-id" in str(err.value)
    assert queue_depth(vhost.uri, f"dlq.{SCORING_QUEUE}") == 2

    # a build that handles version 2 is deployed: the event replays into
    # scoring's queue alone (supervision, which set its own copy aside, is untouched)
    spec = CATALOGUE["activity_recorded"]
    monkeypatch.setitem(CATALOGUE, "activity_recorded", dataclasses.replace(
        spec, schema_version=2))
    with dlq.connect(vhost.uri) as conn:
        replayed = dlq.replay(conn, f"dlq.{SCORING_QUEUE}", [newer["id"]])
    assert [letter.event_id for letter in replayed] == [newer["id"]]
    wait_for(lambda: ("m1", "attend-activity-day", 2.0) in ledger(scoring),
             what="the replayed event's posting", timeout=60)
    assert ledger(scoring) == [("m1", "attend-activity-day", 2.0),
                               ("m2", "attend-activity-day", 2.0)]
    assert [letter.event_type for letter in letters_in(vhost.uri, SCORING_QUEUE)] == ["?"]
    assert queue_depth(vhost.uri, f"dlq.{SCORING_QUEUE.replace('scoring', 'supervision')}") == 2

    # replayed while still broken: set aside again, with its reason, counted
    with dlq.connect(vhost.uri) as conn:
        assert len(dlq.replay(conn, SCORING_QUEUE)) == 1

    def set_aside_again():
        letters = letters_in(vhost.uri, SCORING_QUEUE)
        return len(letters) == 1 and letters[0].message.headers.get("x-xianfeng-replays") == 1
    wait_for(set_aside_again, what="the undecodable message set aside again",
             timeout=60)
    assert letters_in(vhost.uri, SCORING_QUEUE)[0].reason.startswith("undecodable: ")


# -- read models told a fact twice at once ------------------------------------------

def concurrently(db, first, second):
    """Run ``first`` and ``second``, each in a unit of work of its own, the
    second starting while the first holds its change uncommitted."""
    errors = []

    def run(effect, hold):
        try:
            with db.uow() as uow:
                effect(uow)
                eventlet.sleep(hold)
        except Exception as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    threads = [eventlet.spawn(run, first, 0.5)]
    eventlet.sleep(0.1)
    threads.append(eventlet.spawn(run, second, 0))
    for thread in threads:
        thread.wait()
    assert errors == []


@pytest.mark.parametrize("backend", ["postgresql"])
def test_facts_told_again_under_new_ids_are_one_row_even_at_once(databases):
    """A republished fact comes with a new event id, possibly while the first
    telling is being applied by another worker: one row, no IntegrityError
    (which would set the fact aside as poison)."""
    db = Database("supervision", supervision_metadata, "services/supervision/migrations",
                  relay=False).open(databases.urls["supervision"])
    try:
        def org_created(org_id, path):
            return Envelope.new("organization_created", "b1", {
                "org_id": org_id, "name": org_id, "kind": "BRANCH", "parent_id": None,
                "path": path, "created_on": "2017-01-01"})

        with db.uow() as uow:
            supervision.apply_org_created(uow, org_created("br2", ["c", "b1", "k1", "br2"]))
        told = org_created("br1", ["c", "b1", "k1", "br1"])
        concurrently(db, lambda uow: supervision.apply_org_created(uow, told),
                     lambda uow: supervision.apply_org_created(
                         uow, org_created("br1", ["c", "b1", "k1", "br1"])))

        registered = Envelope.new("member_registered", "b1", {
            "member_id": "m1", "name": "甲", "branch_id": "br1", "roles": ["secretary"]})
        moved = Envelope.new("member_transferred", "b1", {
            "member_id": "m1", "from_branch_id": "br1", "branch_id": "br2",
            "on": dt.date(2017, 5, 1).isoformat()})
        # the move arrives first (another queue) while the registration is applied
        concurrently(db, lambda uow: supervision.apply_member_transferred(uow, moved),
                     lambda uow: supervision.apply_member_registered(uow, registered))
        # and both again, republished
        concurrently(db, lambda uow: supervision.apply_member_registered(uow, registered),
                     lambda uow: supervision.apply_member_transferred(uow, moved))
        with db.connect() as conn:
            assert conn.execute(select(func.count()).select_from(orgs)).scalar() == 2
            assert conn.execute(select(members.c.id, members.c.branch_id, members.c.branch_path,
                                       members.c.roles)).all() == [
                ("m1", "br2", "/c/b1/k1/br2/", ["secretary"])]
    finally:
        db.engine.dispose()

