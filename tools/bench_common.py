"""What the benchmark modules share: repeated measurements (median and
spread), the report they print into, a platform of their own per backend,
the services' metrics, and a load driver of several client threads."""
import secrets
import shutil
import statistics
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import requests
from prometheus_client.parser import text_string_to_metric_families

from tools.broker import VirtualHost, backlog
from tools.client import Client
from tools.databases import Databases
from tools.platform import Platform


@dataclass
class Stats:
    values: list

    @property
    def median(self):
        return statistics.median(self.values)

    def fmt(self, unit="", digits=1, scale=1.0):
        v = [x * scale for x in self.values]
        med = statistics.median(v)
        if len(v) == 1:
            return f"{med:.{digits}f}{unit}"
        return f"{med:.{digits}f}{unit} ({min(v):.{digits}f}–{max(v):.{digits}f})"


def repeat(n, fn):
    """``fn()`` (returning a number) ``n`` times: Stats of the results."""
    return Stats([fn() for _ in range(n)])


def percentile(values, p):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[k]


@dataclass
class Row:
    figure: str
    backend: str
    value: str
    baseline: str = ""
    target: str = ""


@dataclass
class Report:
    rows: list = field(default_factory=list)
    errors: list = field(default_factory=list)

    def add(self, figure, backend, value, baseline="", target=""):
        row = Row(figure, backend, value, baseline, target)
        self.rows.append(row)
        print(f"  = {figure} [{backend}]: {value}"
              + (f"   | baseline {baseline}" if baseline else "")
              + (f"   | target {target}" if target else ""), flush=True)
        return row

    def run(self, name, backend, fn, *args):
        """Run one figure; a failure prints its error and the rest go on."""
        print(f"-- {name} [{backend}]", flush=True)
        started = time.perf_counter()
        try:
            fn(*args)
        except Exception as exc:  # noqa: BLE001 - every figure stands alone
            message = f"{type(exc).__name__}: {exc}".strip()
            self.errors.append((name, backend, message))
            self.add(name, backend, f"FAILED: {message.splitlines()[0][:200]}")
            for line in traceback.format_exc().splitlines()[-12:]:
                print(f"     {line[:300]}", flush=True)
        print(f"   ({name} took {time.perf_counter() - started:.0f} s)", flush=True)

    def print_table(self):
        print()
        print("| figure | backend | measured: median (min–max) | baseline, same run | target |")
        print("| --- | --- | --- | --- | --- |")
        for r in self.rows:
            print(f"| {r.figure} | {r.backend} | {r.value} | {r.baseline} | {r.target} |")
        if self.errors:
            print()
            print("figures that could not be measured:")
            for name, backend, message in self.errors:
                print(f"  {name} [{backend}]: {message.splitlines()[0][:300]}")


def parse_metrics(text):
    """{(sample name, frozenset(labels)): value}"""
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return out


def metric_sum(samples, name, **labels):
    want = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and want <= set(ls))


class BenchPlatform:
    """Every service and the gateway as processes, on a RabbitMQ virtual host
    and databases of their own (a temporary SQLite folder or PostgreSQL
    databases made for the run and dropped after it)."""

    def __init__(self, backend, port, extra_env=None):
        self.backend = backend
        self.port = port
        self.extra_env = extra_env or {}
        self.secret = secrets.token_urlsafe(32)
        self.vhost = VirtualHost(f"xf-bench-{backend}-{secrets.token_hex(4)}")
        self.folder = None
        self.dbs = None
        self.platform = None

    def __enter__(self):
        self.vhost.__enter__()
        try:
            self.folder = Path(tempfile.mkdtemp(prefix=f"xf-bench-{self.backend}-"))
            self.dbs = Databases(self.backend, self.folder, prefix="xf_bench")
            self.dbs.create()
            self.platform = Platform(self.folder, amqp_uri=self.vhost.uri,
                                     gateway_port=self.port, service_port_base=self.port + 1,
                                     database_urls=self.dbs.urls, extra_env=self.extra_env,
                                     secret=self.secret)
            print(f"starting the platform on {self.backend} in {self.folder} ...", flush=True)
            self.platform.start()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc):
        try:
            if self.platform is not None:
                self.platform.stop()
        finally:
            try:
                if self.dbs is not None:
                    self.dbs.drop()
            finally:
                if self.folder is not None:
                    shutil.rmtree(self.folder, ignore_errors=True)
                self.vhost.__exit__(*exc)

    @property
    def url(self):
        return self.platform.url

    def token(self, scope="*", roles=("admin",)):
        from gateway.auth import make_token
        return make_token(self.secret, "bench", scope, list(roles), ttl=24 * 3600)

    def client(self, timeout=300):
        return Client(self.url, self.token(), timeout=timeout)

    def metrics(self, service):
        url = (self.platform.metrics_url if service == "gateway" else
               f"http://127.0.0.1:{self.platform.service_port(service)}/metrics")
        response = requests.get(url, timeout=30)
        response.raise_for_status()
        return parse_metrics(response.text)

    def handled(self, service, event_type="activity_recorded"):
        samples = self.metrics(service)
        return (metric_sum(samples, "xianfeng_events_handled_total", service=service,
                           type=event_type)
                + metric_sum(samples, "xianfeng_events_duplicate_total", service=service,
                             type=event_type))

    def handled_by(self, event_type="activity_recorded", services=("scoring", "supervision")):
        return {s: self.handled(s, event_type) for s in services}

    def wait_quiet(self, timeout=3600, settle=2):
        """Wait until no consumer of the platform has a message waiting or in
        hand, ``settle`` checks in a row (what was loaded has been consumed
        by every service, not only by those a figure waits for); the seconds
        it took. rabbitmqctl starts a node a call, so about a second a check."""
        started = deadline = time.monotonic()
        deadline += timeout
        quiet = 0
        while quiet < settle:
            quiet = quiet + 1 if backlog(self.vhost.name) == 0 else 0
            if time.monotonic() > deadline:
                raise TimeoutError(f"the platform's queues did not drain within {timeout} s")
            if quiet < settle:
                time.sleep(0.5)
        return time.monotonic() - started

    def wait_handled(self, before, n, event_type="activity_recorded", timeout=600,
                     interval=0.02):
        """Wait until each service in ``before`` ({service: count}) has
        handled ``n`` more events of the type; return the moment it had."""
        deadline = time.monotonic() + timeout
        pending = dict(before)
        while True:
            for service in list(pending):
                if self.handled(service, event_type) >= pending[service] + n:
                    del pending[service]
            if not pending:
                return time.perf_counter()
            if time.monotonic() > deadline:
                raise TimeoutError(f"{sorted(pending)} did not handle {n} {event_type} "
                                   f"events within {timeout} s")
            time.sleep(interval)


def drive(fn, threads, seconds):
    """Call ``fn(session)`` from ``threads`` threads for ``seconds``;
    return (calls per second, latencies in seconds, errors)."""
    latencies, errors = [], []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker():
        session = requests.Session()
        mine, bad = [], []
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                fn(session)
                mine.append(time.perf_counter() - started)
            except Exception as exc:  # noqa: BLE001 - counted and shown
                bad.append(exc)
        with lock:
            latencies.extend(mine)
            errors.extend(bad)

    started = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - started
    return len(latencies) / elapsed, latencies, errors
