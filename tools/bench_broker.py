"""Baselines on the broker itself, measured in the same run as the
platform's figures: raw kombu publish and consume+ack rates of persistent
messages the size of an event, and a bare nameko RPC round-trip."""
import os
import statistics
import subprocess
import sys
import time
import uuid

from kombu import Connection, Consumer, Exchange, Producer, Queue

from shared.config import REPO_ROOT

try:  # the echo service runs under `nameko run`, which needs this import
    from nameko.rpc import rpc
except ImportError:  # pragma: no cover - a locked dependency
    rpc = None

ENVELOPE = {"id": "0" * 32, "type": "activity_recorded", "schema_version": 1,
            "occurred_at": "2025-06-03T09:30:00+00:00", "bureau_id": "b" * 32,
            "payload": {"activity_id": "a" * 32, "org_id": "o" * 32,
                        "org_path": ["c" * 32, "b" * 32, "m" * 32, "o" * 32],
                        "kind": "ACTIVITY_DAY", "theme": "学党章党规（6月）",
                        "held_on": "2025-06-03", "speaker_id": None,
                        "attendance": [{"member_id": f"{i:032x}", "status": "PRESENT"}
                                       for i in range(20)]}}


def kombu_rates(uri, n=5000):
    """(publish msg/s with publisher confirms, consume+ack msg/s) over ``n``
    persistent messages on a durable queue, as the outbox relay and a
    consumer do it."""
    exchange = Exchange(f"bench-{uuid.uuid4().hex[:8]}", type="topic", durable=True)
    queue = Queue(f"bench-{uuid.uuid4().hex[:8]}", exchange=exchange, routing_key="#",
                  durable=True)
    with Connection(uri, transport_options={"confirm_publish": True}) as conn:
        channel = conn.channel()
        queue(channel).declare()
        producer = Producer(channel, exchange=exchange, serializer="json")
        started = time.perf_counter()
        for _ in range(n):
            producer.publish(ENVELOPE, routing_key="activity_recorded", delivery_mode=2)
        publish_rate = n / (time.perf_counter() - started)
    with Connection(uri) as conn:
        channel = conn.channel()
        got = [0]

        def on_message(_body, message):
            message.ack()
            got[0] += 1

        consumer = Consumer(channel, queues=[queue], callbacks=[on_message], accept=["json"])
        consumer.qos(prefetch_count=100)
        started = time.perf_counter()
        with consumer:
            while got[0] < n:
                conn.drain_events(timeout=30)
        consume_rate = n / (time.perf_counter() - started)
        queue(channel).delete()
        exchange(channel).delete()
    return publish_rate, consume_rate


class Echo:
    """A nameko service that does nothing: the floor of an RPC round-trip."""
    name = "bench_echo"

    if rpc is not None:
        @rpc
        def ping(self, value):
            return value


class EchoService:
    """``with EchoService(uri) as echo: echo.round_trips(n)`` (seconds each)."""

    def __init__(self, uri, log_path):
        self.uri = uri
        self.log_path = log_path
        self.proc = None

    def __enter__(self):
        env = dict(os.environ, AMQP_URI=self.uri, PYTHONPATH=str(REPO_ROOT),
                   PYTHONWARNINGS="ignore", WEB_SERVER_ADDRESS="127.0.0.1:0")
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [str(os.path.join(os.path.dirname(sys.executable), "nameko")), "run", "--config",
             str(REPO_ROOT / "config.yaml"), "tools.bench_broker:Echo"],
            cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        from nameko.standalone.rpc import ClusterRpcProxy
        self._rpc = ClusterRpcProxy({"AMQP_URI": self.uri, "serializer": "json"}, timeout=5)
        self.proxy = self._rpc.start()
        deadline = time.monotonic() + 60
        while True:
            try:
                self.proxy.bench_echo.ping(0)
                return self
            except Exception:  # noqa: BLE001 - not up yet
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    self.__exit__()
                    raise RuntimeError(f"the echo service did not answer; see {self.log_path}")
                time.sleep(0.2)

    def round_trips(self, n=300):
        times = []
        for i in range(n):
            started = time.perf_counter()
            self.proxy.bench_echo.ping(i)
            times.append(time.perf_counter() - started)
        return times

    def __exit__(self, *exc):
        try:
            self._rpc.stop()
        except Exception:  # noqa: BLE001
            pass
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def rpc_round_trip_ms(uri, log_path, n=300):
    with EchoService(uri, log_path) as echo:
        echo.round_trips(20)  # warm
        return statistics.median(echo.round_trips(n)) * 1000
