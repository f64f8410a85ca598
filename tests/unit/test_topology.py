"""The event topology (shared/topology.py): every consumer a service
declares is in it, with the queue the consumer itself declares; and what a
dead letter says about itself (tools/dlq.py)."""
import ast
import hashlib
import json
import sys

from kombu import Queue

from shared import config, topology
from shared.events import Envelope
from tools import dlq

SERVICES = config.REPO_ROOT / "services"
SHARED = config.REPO_ROOT / "shared"
DECORATORS = {"event_consumer", "batch_consumer"}


def _consumers_of(cls):
    """``{(method, source service, event type)}`` a class body declares."""
    found = set()
    for method in cls.body:
        if not isinstance(method, ast.FunctionDef):
            continue
        for deco in method.decorator_list:
            func = getattr(deco, "func", None)
            called = getattr(func, "id", None) or getattr(func, "attr", None)
            if called in DECORATORS:
                source, event_type = (a.value for a in deco.args[:2])
                found.add((method.name, source, event_type))
    return found


def shared_consumer_bases():
    """The functions in shared/ that make a service's base class of
    consumers (shared/read_models.py ``tree_consumers``): ``{function name:
    {(method, source service, event type)}}``."""
    bases = {}
    for path in sorted(SHARED.glob("*.py")):
        for func in ast.parse(path.read_text(), str(path)).body:
            if isinstance(func, ast.FunctionDef):
                for cls in ast.walk(func):
                    if isinstance(cls, ast.ClassDef) and _consumers_of(cls):
                        bases.setdefault(func.name, set()).update(_consumers_of(cls))
    return bases


def declared_in_source():
    """Every ``@event_consumer``/``@batch_consumer`` in services/, read from
    the source text (not by the topology's route, importing the services),
    with those a service takes from a base class made in shared/:
    ``{(service name, method, source service, event type)}``."""
    bases = shared_consumer_bases()
    found = set()
    for path in sorted(SERVICES.rglob("*.py")):
        for cls in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(cls, ast.ClassDef):
                continue
            names = [n.value.value for n in cls.body if isinstance(n, ast.Assign)
                     and any(isinstance(t, ast.Name) and t.id == "name" for t in n.targets)
                     and isinstance(n.value, ast.Constant)]
            consumers = set(_consumers_of(cls))
            for base in cls.bases:
                if isinstance(base, ast.Call) and getattr(base.func, "id", None) in bases:
                    consumers |= bases[base.func.id]
            if consumers:
                assert names, f"{path}: {cls.name} consumes events but has no name"
                found |= {(names[0], *c) for c in consumers}
    return found


def test_every_consumer_in_services_is_in_the_topology():
    in_source = declared_in_source()
    assert len(in_source) >= 9  # scoring's one and supervision's eight, at least
    in_topology = {(c.service, c.method, c.source, c.event_type) for c in topology.consumers()}
    assert in_source == in_topology


def test_each_consumer_queue_is_declared_with_the_arguments_its_consumer_uses():
    """RabbitMQ refuses a queue declared twice with different arguments
    (PRECONDITION_FAILED): the topology's queue is the consumer's own."""
    queues = {e.name: e for e in topology.entities() if isinstance(e, Queue)}
    exchanges = {e.name for e in topology.entities() if not isinstance(e, Queue)}
    for c in topology.consumers():
        queue = queues[c.queue]
        assert queue.name == f"evt-{c.source}-{c.event_type}--{c.service}.{c.method}"
        assert (queue.exchange.name, queue.exchange.type, queue.routing_key) == \
            (f"{c.source}.events", "topic", c.event_type)
        assert queue.durable and not queue.auto_delete and not queue.exclusive
        assert queue.queue_arguments == {
            "x-dead-letter-exchange": "xianfeng.dead-letter",
            "x-dead-letter-routing-key": c.queue}
        dead = queues[c.dead_letter_queue]
        assert (dead.exchange.name, dead.routing_key, dead.durable) == \
            ("xianfeng.dead-letter", c.queue, True)
        assert queue.exchange.name in exchanges
    # every service that raises events has its exchange, consumed or not yet
    assert {"organization.events", "activity.events", "scoring.events",
            "supervision.events", "xianfeng.dead-letter"} <= exchanges


def test_a_new_service_with_a_consumer_is_found_without_being_listed(tmp_path, monkeypatch):
    """The topology reads the consumers from the services' own entrypoints:
    a service package added later is in it with nothing to register."""
    package = tmp_path / "more_services" / "archive"
    package.mkdir(parents=True)
    (package.parent / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package.parent / "readme_only").mkdir()
    (package.parent / "readme_only" / "__init__.py").write_text("")
    (package / "service.py").write_text(
        "from shared.consumer import event_consumer\n"
        "class ArchiveService:\n"
        "    name = 'archive'\n"
        "    @event_consumer('scoring', 'points_posted')\n"
        "    def on_points_posted(self, body):\n"
        "        pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        classes = topology.service_classes("more_services")
        assert [cls.name for cls in classes] == ["archive"]
        assert topology.consumers_of(classes[0]) == [topology.ConsumerSpec(
            "archive", "on_points_posted", "scoring", "points_posted")]
    finally:
        for name in [m for m in sys.modules if m.startswith("more_services")]:
            del sys.modules[name]


# -- what a dead letter says about itself --------------------------------------------

class Fetched:
    """A message as fetched from a dead-letter queue: what ``describe`` reads."""

    def __init__(self, body, headers):
        self.body = body
        self.headers = headers


QUEUE = "evt-activity-activity_recorded--scoring.on_activity_recorded"


def test_a_dead_letter_with_its_reason_names_event_reason_and_origin():
    event = Envelope.new("activity_recorded", "b1", {
        "activity_id": "a1", "org_id": "o", "org_path": ["o"], "kind": "ACTIVITY_DAY",
        "theme": "t", "held_on": "2017-06-03", "attendance": []})
    letter = dlq.describe(Fetched(json.dumps(event.to_dict()).encode(), {
        "x-xianfeng-reason": "ValueError: day is out of range for month",
        "x-xianfeng-queue": QUEUE, "x-xianfeng-exchange": "activity.events",
        "x-xianfeng-routing-key": "activity_recorded"}), "dlq." + QUEUE)
    assert (letter.event_type, letter.event_id, letter.reason, letter.origin,
            letter.exchange, letter.routing_key) == (
        "activity_recorded", event.id, "ValueError: day is out of range for month", QUEUE,
        "activity.events", "activity_recorded")


def test_a_dead_letter_the_broker_set_aside_says_so_and_an_undecodable_one_has_an_id():
    """A message RabbitMQ dead-lettered itself (the consumer could not make
    its copy) has only x-death: the reason says none was recorded. A body
    that is not JSON has no event id: it is named by its digest."""
    body = b"{not json"
    letter = dlq.describe(Fetched(body, {"x-death": [{
        "queue": QUEUE, "reason": "rejected", "exchange": "activity.events",
        "routing-keys": ["activity_recorded"], "count": 1}]}), "dlq." + QUEUE)
    assert letter.reason == f"rejected by {QUEUE} (no reason recorded)"
    assert (letter.event_type, letter.origin, letter.exchange, letter.routing_key) == \
        ("?", QUEUE, "activity.events", "activity_recorded")
    assert letter.event_id == "sha1:" + hashlib.sha1(body).hexdigest()[:12]
    bare = dlq.describe(Fetched(b"[]", None), "dlq." + QUEUE)
    assert (bare.origin, bare.reason) == (QUEUE, "no reason recorded")


def test_a_queue_is_named_by_its_dead_letter_queue_or_its_own_name():
    assert dlq.resolve(QUEUE) == dlq.resolve("dlq." + QUEUE) == "dlq." + QUEUE
    for wrong in ("dlq.nothing", "evt-activity-activity_recorded", "", "dlq."):
        try:
            dlq.resolve(wrong)
        except dlq.DeadLetterError as exc:
            assert repr(wrong) in str(exc) and "dlq." + QUEUE in str(exc)
        else:
            raise AssertionError(f"{wrong!r} was taken for a dead-letter queue")
