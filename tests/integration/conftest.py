"""Integration fixtures: real nameko containers in this process, on a real
RabbitMQ virtual host and each service's real database."""
import time
import uuid

import eventlet

import pytest
from kombu import Connection, Exchange, Queue
from nameko.containers import ServiceContainer
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy import create_engine

from shared.events import Envelope


@pytest.fixture
def services(vhost, databases):
    """``services(ServiceClass, ...)`` starts containers; all stop at the end."""
    started = []

    def start(*classes, extra=None):
        out = []
        for cls in classes:
            config = {"AMQP_URI": vhost.uri, "WEB_SERVER_ADDRESS": "127.0.0.1:0",
                      "serializer": "json", "max_workers": 10, **(extra or {})}
            for service, url in databases.urls.items():
                config[f"{service.upper()}_DATABASE_URL"] = url
            container = ServiceContainer(cls, config)
            container.start()
            started.append(container)
            out.append(container)
        return out[0] if len(out) == 1 else out

    yield start
    # stopping takes a consumer's poll interval or two; stop them side by side
    stopping = [eventlet.spawn(container.stop) for container in reversed(started)]
    for thread in stopping:
        thread.wait()


@pytest.fixture
def rpc(vhost):
    with ClusterRpcProxy({"AMQP_URI": vhost.uri, "serializer": "json"}, timeout=15) as proxy:
        yield proxy


@pytest.fixture
def engine_of(databases):
    engines = []

    def make(service):
        engine = create_engine(databases.urls[service].replace(
            "postgresql://", "postgresql+psycopg2://", 1))
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.dispose()


def publish(uri, envelope_or_body, source="activity", routing_key="activity_recorded",
            content_type="application/json", raw=False):
    """Put a message on ``<source>.events`` as the outbox relay would (or, with
    ``raw``, the bytes as they are)."""
    exchange = Exchange(f"{source}.events", type="topic", durable=True)
    with Connection(uri) as conn:
        producer = conn.Producer()
        if raw:
            producer.publish(envelope_or_body, exchange=exchange, routing_key=routing_key,
                             content_type=content_type, content_encoding="utf-8",
                             declare=[exchange])
        else:
            body = envelope_or_body.to_dict() if isinstance(envelope_or_body, Envelope) \
                else envelope_or_body
            producer.publish(body, exchange=exchange, routing_key=routing_key,
                             serializer="json", declare=[exchange])



def event_queue(uri, source, event_type):
    """A queue of the ``event_type`` events ``source`` publishes, made before any is."""
    queue = Queue(f"test-{event_type}-{uuid.uuid4().hex[:6]}",
                  exchange=Exchange(f"{source}.events", type="topic", durable=True),
                  routing_key=event_type, durable=False, auto_delete=False)
    with Connection(uri) as conn:
        queue(conn.default_channel).declare()
    return queue


def drain(uri, queue):
    """The bodies of the messages waiting in ``queue``, taken."""
    bodies = []
    with Connection(uri) as conn:
        bound = queue(conn.default_channel)
        while (message := bound.get(no_ack=True)) is not None:
            bodies.append(message.payload)
    return bodies


def branch_chain(rpc):
    """A city, its bureau 科技局, the bureau's committee and a branch 第一支部,
    made through the organisation service: (city, bureau, committee, branch)."""
    city = rpc.organization.create_organization({"name": "市", "kind": "CITY"})
    bureau = rpc.organization.create_organization(
        {"name": "科技局", "kind": "BUREAU", "parent_id": city["id"]})
    committee = rpc.organization.create_organization(
        {"name": "局党委", "kind": "COMMITTEE", "parent_id": bureau["id"]})
    branch = rpc.organization.create_organization(
        {"name": "第一支部", "kind": "BRANCH", "parent_id": committee["id"]})
    return city, bureau, committee, branch

def wait_for(predicate, timeout=15, interval=0.05, what="the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"{what} did not hold within {timeout} s")


def queue_depth(uri, name):
    with Connection(uri) as conn:
        _, count, _ = conn.default_channel.queue_declare(name, passive=True)
        return count
