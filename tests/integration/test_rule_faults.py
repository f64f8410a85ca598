"""Rule-set faults stay with their bureau, on each backend and a real broker:
a batch parks the events of a bureau with no valid rule set and applies the
others; parked events wait in a queue of their own and go back whole; the
good copy of a file outlives the loader that read it (shared/rules.py,
shared/parking.py, shared/consumer.py)."""
import datetime as dt
import os
import textwrap
import uuid

import pytest
from amqp.exceptions import NotFound
from kombu import Connection, Exchange, Producer, Queue
from sqlalchemy import select

from services.scoring import handlers as scoring
from services.scoring.domain.points import parse_rule_set
from services.scoring.models import metadata, point_entries, processed_events
from services.scoring.service import MIGRATIONS
from shared.consumer import ACK, PARK, consume_batch
from shared.db import Database
from shared.events import Envelope
from shared.parking import ParkingLot, parking_queue
from shared.rules import KeptCopies, RuleSets
from tests.conftest import Databases
from tests.integration.conftest import queue_depth

POINTS = """\
    kind: points
    versions:
      - version: 1
        effective_from: 2017-01-01
        category_dimensions: {organisational-life: DISCIPLINE}
        rules:
          - key: attend
            category: organisational-life
            points: 3
            when: {event: activity_recorded, kinds: [ACTIVITY_DAY], status: PRESENT}
"""


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def db(request, tmp_path_factory):
    """Scoring's database alone, shared by the module's tests (each keeps to
    bureaus and queues of its own)."""
    databases = Databases(request.param, tmp_path_factory.mktemp("rule-faults"))
    databases.create(["scoring"])
    db = Database("scoring", metadata, MIGRATIONS, relay=False).open(databases.urls["scoring"])
    yield db
    db.engine.dispose()
    databases.drop()


@pytest.fixture
def rules_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("XF_RULES_DIR", str(tmp_path))
    (tmp_path / "points").mkdir()
    return tmp_path


def write(rules_dir, bureau_id, text):
    path = rules_dir / "points" / f"{bureau_id}.yaml"
    before = os.stat(path).st_mtime_ns if path.exists() else 0
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    os.utime(path, ns=(before + 10**9, before + 10**9))   # a change even within a clock tick


def day(bureau_id, member_id):
    return Envelope.new("activity_recorded", bureau_id, {
        "activity_id": uuid.uuid4().hex, "org_id": "branch",
        "org_path": ["city", bureau_id, "committee", "branch"], "kind": "ACTIVITY_DAY",
        "theme": "学", "held_on": "2017-06-03", "speaker_id": None,
        "attendance": [{"member_id": member_id, "status": "PRESENT"}]}).to_dict()


def posted(db, bureaus):
    with db.engine.connect() as conn:
        return sorted(conn.execute(select(point_entries.c.bureau_id, point_entries.c.points)
                                   .where(point_entries.c.bureau_id.in_(bureaus))).all())


def test_a_batch_parks_the_bureau_without_rules_and_applies_the_others(db, rules_dir):
    # bureaus of their own: the shipped loader keeps copies for the whole process
    broken, fine = uuid.uuid4().hex, uuid.uuid4().hex
    write(rules_dir, broken, "kind: points\nversions: [\n")     # tried: not YAML
    bodies = [day(broken, "m1"), day(fine, "m2"), day(broken, "m3"), day(fine, "m4")]
    outcomes = consume_batch(db, bodies, "activity_recorded", scoring.apply_activity,
                             scoring.apply_activities)
    assert outcomes == [PARK, ACK, PARK, ACK]
    assert posted(db, [broken, fine]) == [(fine, 2), (fine, 2)]    # the shipped rules
    with db.engine.connect() as conn:   # not recorded as handled: they apply later
        handled = set(conn.execute(select(processed_events.c.event_id).where(
            processed_events.c.event_id.in_([b["id"] for b in bodies]))).scalars())
    assert handled == {bodies[1]["id"], bodies[3]["id"]}

    write(rules_dir, broken, POINTS)
    outcomes = consume_batch(db, [bodies[0], bodies[2]], "activity_recorded",
                             scoring.apply_activity, scoring.apply_activities)
    assert outcomes == [ACK, ACK]
    assert posted(db, [broken, fine]) == sorted([(fine, 2), (fine, 2), (broken, 3), (broken, 3)])


def test_parked_events_wait_apart_and_go_back_whole(db, module_vhost):
    vhost = module_vhost
    lot = ParkingLot(db, vhost.uri)
    queue = Queue(f"evt-test--{db.engine.dialect.name}", routing_key="x", durable=True,
                  exchange=Exchange("test.events", type="topic"))
    b1, b2 = "bureau-1", "bureau-2"
    with Connection(vhost.uri) as conn:
        channel = conn.default_channel
        queue(channel).declare()
        producer = Producer(channel)
        for i, bureau_id in enumerate((b1, b2, b1)):
            producer.publish({"n": i, "bureau_id": bureau_id}, exchange=queue.exchange,
                             routing_key="x", serializer="json",
                             headers={"nameko.call_id_stack": [f"call-{i}"]})
        messages = [queue(channel).get(no_ack=False) for _ in range(3)]
        lot.park(queue.name, [(m.payload["bureau_id"], m) for m in messages])
        for message in messages:
            message.ack()
    assert queue_depth(vhost.uri, queue.name) == 0
    assert queue_depth(vhost.uri, parking_queue(queue.name, b1)) == 2
    assert queue_depth(vhost.uri, parking_queue(queue.name, b2)) == 1
    assert lot.parked() == [(queue.name, b1), (queue.name, b2)]

    assert lot.drain(queue.name, b1) == 2
    assert lot.parked() == [(queue.name, b2)]
    with Connection(vhost.uri) as conn:
        channel = conn.default_channel
        back = [queue(channel).get(no_ack=True) for _ in range(2)]
        assert queue(channel).get(no_ack=True) is None
        with pytest.raises(NotFound):     # the emptied parking queue is gone
            channel.queue_declare(parking_queue(queue.name, b1), passive=True)
    assert [(m.payload, m.headers, m.content_type) for m in back] == [
        ({"n": n, "bureau_id": b1}, {"nameko.call_id_stack": [f"call-{n}"]},
         "application/json") for n in (0, 2)]
    assert queue_depth(vhost.uri, parking_queue(queue.name, b2)) == 1


def test_the_good_copy_of_a_file_outlives_its_loader(db, rules_dir):
    bureau = uuid.uuid4().hex
    first = RuleSets("points", parse_rule_set)
    copies = KeptCopies(db)
    write(rules_dir, bureau, POINTS)
    first.versions(bureau)
    assert copies.save([first]) == 1
    assert copies.save([first]) == 0      # unchanged: not written again
    # tried: the same rule with a negative cap
    write(rules_dir, bureau, POINTS.replace("points: 3", "points: 3\n            cap: -1"))
    assert not RuleSets("points", parse_rule_set).has_valid(bureau)

    restarted = RuleSets("points", parse_rule_set)   # as after a restart
    KeptCopies(db).restore([restarted])
    rule_set = restarted.for_day(bureau, dt.date(2017, 6, 1))
    assert rule_set.rule("attend").points == 3
