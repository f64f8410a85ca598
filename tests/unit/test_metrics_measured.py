"""The figures the alerts need (deploy/k8s/base/monitoring/): each is measured
where it happens - a sweep's last success, the outbox backlog while the
relay cannot publish, the messages waiting in a consumer's queue and its
dead-letter queue."""
import contextlib
import socket
import threading
import time

import pytest
from amqp.exceptions import NotFound
from sqlalchemy import MetaData, create_engine
from sqlalchemy.pool import StaticPool

from shared import metrics
from shared.outbox import OutboxRelay, messaging_tables
from shared.queue_gauge import count, queues_of
from shared.sweep import run_sweep
from shared.topology import consumers


def sample(gauge, *labels):
    return gauge.labels(*labels)._value.get()


class FakeDb:
    """What the relay and a sweep use of ``shared.db.Database``: a service
    name, its tables, connections (an in-memory SQLite database)."""

    def __init__(self, service):
        self.service = service
        metadata = MetaData()
        messaging_tables(metadata)
        self.tables = metadata.tables
        self.engine = create_engine("sqlite://", poolclass=StaticPool,
                                    connect_args={"check_same_thread": False})
        metadata.create_all(self.engine)

    @contextlib.contextmanager
    def connect(self, write=False):
        with self.engine.connect() as conn:
            yield conn
            conn.commit()


def test_a_sweep_that_ran_says_when():
    db = FakeDb("supervision")
    before = time.time()
    assert run_sweep("supervision", "auto_close", db, lambda: 0) == 0
    assert before <= sample(metrics.SWEEP_LAST_SUCCESS, "supervision", "auto_close") <= time.time()


def test_a_sweep_that_failed_keeps_its_last_success():
    db = FakeDb("supervision")
    run_sweep("supervision", "test_failing", db, lambda: 0)
    last = sample(metrics.SWEEP_LAST_SUCCESS, "supervision", "test_failing")

    def broken():
        raise RuntimeError("a period cannot be closed")
    with pytest.raises(RuntimeError):
        run_sweep("supervision", "test_failing", db, broken)
    assert sample(metrics.SWEEP_LAST_SUCCESS, "supervision", "test_failing") == last


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens there once closed


def test_the_outbox_backlog_is_counted_while_the_broker_is_away():
    """The relay sets the backlog to 0 after each round that published all;
    while it cannot publish, the gauge must show the rows that wait, or the
    backlog alert would never see them."""
    db = FakeDb("test-outbox")
    outbox = db.tables["outbox"]
    with db.connect(write=True) as conn:
        conn.execute(outbox.insert(), [
            {"event_id": f"e{i}", "event_type": "thing_happened", "envelope": {"id": f"e{i}"}}
            for i in range(3)])
    metrics.OUTBOX_BACKLOG.labels("test-outbox").set(0)
    relay = OutboxRelay(db, f"amqp://guest:guest@127.0.0.1:{closed_port()}//", {})
    thread = threading.Thread(target=relay.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while sample(metrics.OUTBOX_BACKLOG, "test-outbox") != 3:
            assert time.monotonic() < deadline, "the backlog was never counted"
            time.sleep(0.05)
    finally:
        relay.stop()
        thread.join(5)


class FakeChannel:
    def __init__(self, depths, log):
        self.depths, self.log, self.open = depths, log, True

    def queue_declare(self, queue, passive):
        assert passive, "counting must not declare anything"
        assert self.open
        self.log.append(queue)
        if queue not in self.depths:
            self.open = False  # the broker closes a channel on NOT_FOUND
            raise NotFound(f"no queue '{queue}'")
        return queue, self.depths[queue], 0

    def close(self):
        self.open = False


class FakeConnection:
    channel_errors = (NotFound,)

    def __init__(self, depths):
        self.depths, self.asked = depths, []

    def channel(self):
        return FakeChannel(self.depths, self.asked)


def test_the_queue_gauge_counts_each_consumer_queue_and_its_dead_letters():
    queues = queues_of("scoring")
    names = [name for name, _ in queues]
    specs = [c for c in consumers() if c.service == "scoring"]
    assert names == [q for c in specs for q in (c.queue, c.dead_letter_queue)]
    depths = {name: i for i, name in enumerate(names)}
    assert count(FakeConnection(depths), "scoring", queues) == depths
    for name, kind in queues:
        assert sample(metrics.QUEUE_MESSAGES, "scoring", name, kind) == depths[name]
    assert {kind for _, kind in queues} == {"consumer", "dead_letter"}


def test_a_queue_the_broker_does_not_know_leaves_the_gauge_and_the_others_are_counted():
    queues = [("q-gone", "consumer"), ("q-here", "consumer"), ("dlq.q-here", "dead_letter")]
    metrics.QUEUE_MESSAGES.labels("test-svc", "q-gone", "consumer").set(5)
    connection = FakeConnection({"q-here": 7, "dlq.q-here": 1})
    assert count(connection, "test-svc", queues) == {"q-here": 7, "dlq.q-here": 1}
    assert connection.asked == ["q-gone", "q-here", "dlq.q-here"]
    text = metrics.exposition()[0].decode()
    assert 'queue="q-gone"' not in text
    assert 'xianfeng_queue_messages{kind="dead_letter",queue="dlq.q-here",service="test-svc"} 1.0' \
        in text


class Stop(Exception):
    pass


def test_the_queue_gauge_keeps_its_connection_and_makes_another_after_a_failure(monkeypatch):
    from shared import queue_gauge

    made = []

    class Connection(FakeConnection):
        def __init__(self, uri):
            super().__init__({name: 0 for name, _ in queue_gauge.queues_of("study")})
            self.released = False
            made.append(self)

        def ensure_connection(self, max_retries):
            if len(made) == 1:
                raise ConnectionRefusedError("the broker is away")

        def release(self):
            self.released = True

    rounds = []

    def sleep(seconds):
        rounds.append(seconds)
        if len(rounds) == 4:
            raise Stop

    monkeypatch.setattr(queue_gauge, "Connection", Connection)
    monkeypatch.setattr(queue_gauge.eventlet, "sleep", sleep)
    gauge = queue_gauge.QueueGauge(interval=7)
    gauge.container = type("Container", (), {"service_name": "study",
                                             "config": {"AMQP_URI": "amqp://x//"}})()
    with pytest.raises(Stop):
        gauge._watch()
    assert rounds == [7, 7, 7, 7]
    assert len(made) == 2                       # the first failed, the second served 3 rounds
    assert made[0].released and made[1].released
    assert len(made[1].asked) == 3 * len(queue_gauge.queues_of("study"))
