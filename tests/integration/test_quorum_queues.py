"""XF_QUORUM_QUEUES on the real broker: a service that starts declares the
event queues and their dead-letter queues with the type asked for, read
back from RabbitMQ; its RPC and parking queues stay classic; dead letters
(the consumer's and the broker's own) and parked events still travel."""
import json
import shutil
import subprocess

import eventlet
import pytest
from amqp.exceptions import PreconditionFailed
from kombu import Connection, Queue

from services.scoring.service import ScoringService
from shared import parking, topology
from shared.events import Envelope
from tests.integration.conftest import publish, queue_depth, wait_for
from tests.integration.test_messaging import SCORING_QUEUE

ORG_QUEUE = "evt-organization-organization_created--supervision.on_organization_created"


def queue_types(vhost):
    """``{queue: type}`` of every queue in ``vhost``, as RabbitMQ reports them."""
    ctl = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
    if not shutil.which(ctl):
        raise AssertionError("the queues' types are read with rabbitmqctl, which is not "
                             "installed: run scripts/bootstrap.sh (it installs rabbitmq-server)")
    out = subprocess.run([ctl, "-q", "list_queues", "-p", vhost.name, "name", "type",
                          "--formatter", "json"], check=True, capture_output=True, text=True,
                         timeout=60).stdout
    return {q["name"]: q["type"] for q in json.loads(out)}


def redeclare(uri, queue):
    with Connection(uri) as conn:
        queue(conn.default_channel).declare()


@pytest.fixture
def topology_deleted_after(vhost):
    """The topology's queues go as the test ends, not with the run's virtual
    hosts: each quorum queue holds files open in the broker, whose file
    handles (about a thousand on a default install) the whole suite shares."""
    yield
    with Connection(vhost.uri) as conn:
        for entity in topology.entities(quorum=False):
            if isinstance(entity, Queue):
                conn.default_channel.queue_delete(entity.name)


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("flag, kind", [("0", "classic"), ("1", "quorum")])
def test_the_event_queues_have_the_type_asked_for(
        databases, vhost, topology_deleted_after, services, monkeypatch, flag, kind):
    monkeypatch.setenv("XF_QUORUM_QUEUES", flag)
    # every queue the broker takes with these arguments (a service's start
    # passes over a refused one, and its consumer would retry it for ever)
    with Connection(vhost.uri) as conn:
        for entity in topology.entities():
            entity(conn.default_channel).declare()
    # a service starts on them: it declares the whole topology again, then
    # its consumers their own queues, which must be the same
    with eventlet.Timeout(30, AssertionError(
            "scoring did not start on the topology in 30 s: does its consumer declare its "
            "queue with other arguments (PRECONDITION_FAILED in the log)?")):
        container = services(ScoringService)

    types = queue_types(vhost)
    consumers = topology.consumers()
    expected = {c.queue: kind for c in consumers} | {c.dead_letter_queue: kind
                                                     for c in consumers}
    assert {name: types.get(name) for name in expected} == expected
    others = {name: t for name, t in types.items() if name not in expected}
    assert "rpc-scoring" in others
    assert set(others.values()) == {"classic"}, others

    # the broker holds to the type: the queue declared as the other flag would
    # declare it is refused, which is why an installation switches by hand
    with pytest.raises(PreconditionFailed) as refused:
        redeclare(vhost.uri, topology.dead_letter_queue(SCORING_QUEUE, quorum=flag != "1"))
    assert "x-queue-type" in str(refused.value)

    # the consumer sets poison aside in its dead-letter queue, declared as
    # the topology declared it
    publish(vhost.uri, b"{not json", raw=True)
    wait_for(lambda: queue_depth(vhost.uri, f"dlq.{SCORING_QUEUE}") == 1,
             what="the poison in scoring's dead-letter queue", timeout=30)

    # the broker dead-letters a rejected message itself (the consumer's way
    # out when its copy cannot be made): supervision's queue, no consumer
    def organization_created(org_id):
        return Envelope.new("organization_created", "b1", {
            "org_id": org_id, "name": org_id, "kind": "BRANCH", "parent_id": None,
            "path": [org_id], "created_on": "2017-02-01"})

    publish(vhost.uri, organization_created("o1"), source="organization",
            routing_key="organization_created")
    queue = Queue(ORG_QUEUE, no_declare=True)
    with Connection(vhost.uri) as conn:
        message = wait_for(lambda: queue(conn.default_channel).get(no_ack=False),
                           what="the event in supervision's queue")
        message.reject()
    wait_for(lambda: queue_depth(vhost.uri, f"dlq.{ORG_QUEUE}") == 1,
             what="the rejected event in supervision's dead-letter queue", timeout=30)

    # an event parked for its bureau waits in a classic queue and goes back
    # to its queue whole
    publish(vhost.uri, organization_created("o2"), source="organization",
            routing_key="organization_created")
    lot = parking.lot_of(container)
    with Connection(vhost.uri) as conn:
        message = wait_for(lambda: queue(conn.default_channel).get(no_ack=False),
                           what="the second event in supervision's queue")
        lot.park(ORG_QUEUE, [("b1", message)])
        message.ack()
    assert queue_types(vhost)[parking.parking_queue(ORG_QUEUE, "b1")] == "classic"
    assert lot.drain(ORG_QUEUE, "b1") == 1
    with Connection(vhost.uri) as conn:
        back = queue(conn.default_channel).get(no_ack=True)
    assert back.payload["payload"]["org_id"] == "o2"
