"""XF_QUORUM_QUEUES: the arguments the event queues are declared with,
quorum or classic, the same wherever a queue is declared."""
import pytest
from kombu import Queue

from shared import config, topology

DEAD_LETTERING = {"x-dead-letter-exchange": "xianfeng.dead-letter"}


def queues():
    return {e.name: e for e in topology.entities() if isinstance(e, Queue)}


@pytest.mark.parametrize("value, quorum", [(None, False), ("0", False), ("1", True),
                                           (" 1 ", True)])
def test_the_flag_is_read_from_the_environment(monkeypatch, value, quorum):
    if value is None:
        monkeypatch.delenv("XF_QUORUM_QUEUES", raising=False)
    else:
        monkeypatch.setenv("XF_QUORUM_QUEUES", value)
    assert config.quorum_queues() is quorum


@pytest.mark.parametrize("value", ["yes", "true", "2", "quorum"])
def test_a_flag_that_is_not_0_or_1_stops_the_start_naming_it(monkeypatch, value):
    monkeypatch.setenv("XF_QUORUM_QUEUES", value)
    with pytest.raises(RuntimeError) as err:
        config.quorum_queues()
    assert f"XF_QUORUM_QUEUES={value!r} is not 0 or 1" in str(err.value)
    with pytest.raises(RuntimeError):
        topology.entities()  # no queue is declared on a guess


def test_without_the_flag_the_queues_keep_the_arguments_they_always_had(monkeypatch):
    """An installation that does not ask for quorum queues declares exactly
    what it declared before the flag existed: no PRECONDITION_FAILED."""
    monkeypatch.delenv("XF_QUORUM_QUEUES", raising=False)
    found = queues()
    for c in topology.consumers():
        assert found[c.queue].queue_arguments == {**DEAD_LETTERING,
                                                  "x-dead-letter-routing-key": c.queue}
        assert found[c.dead_letter_queue].queue_arguments == {}
    assert topology.queue_arguments() == {}
    assert topology.queue_arguments(quorum=False) == {}


def test_with_the_flag_every_queue_is_quorum_and_dead_letters_at_least_once(monkeypatch):
    monkeypatch.setenv("XF_QUORUM_QUEUES", "1")
    found = queues()
    assert len(found) == 2 * len(topology.consumers()) >= 18
    for c in topology.consumers():
        assert found[c.queue].queue_arguments == {
            "x-queue-type": "quorum", **DEAD_LETTERING, "x-dead-letter-routing-key": c.queue,
            "x-dead-letter-strategy": "at-least-once", "x-overflow": "reject-publish"}
        assert found[c.dead_letter_queue].queue_arguments == {"x-queue-type": "quorum"}
    for queue in found.values():
        # what RabbitMQ asks of a quorum queue
        assert queue.durable and not queue.auto_delete and not queue.exclusive, queue.name
        # a delivery limit would dead-letter an event put back while a database is away
        assert "x-delivery-limit" not in queue.queue_arguments


def test_an_explicit_choice_overrides_the_environment(monkeypatch):
    monkeypatch.setenv("XF_QUORUM_QUEUES", "1")
    assert topology.queue_arguments(quorum=False) == {}
    assert topology.dead_letter_queue("q", quorum=False).queue_arguments == {}
    monkeypatch.setenv("XF_QUORUM_QUEUES", "0")
    assert topology.queue_arguments("q", quorum=True)["x-queue-type"] == "quorum"
    assert {q.queue_arguments.get("x-queue-type") for q in topology.entities(quorum=True)
            if isinstance(q, Queue)} == {"quorum"}
