"""End-to-end fixtures: every service and the gateway started as processes
(as `make run` starts them), on a virtual host and databases of their own,
driven over HTTP through the contract."""
import concurrent.futures
import functools
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from gateway.auth import make_token
from tests.conftest import VHOSTS, Databases
from tools.client import Client, GraphQLFailed
from shared.config import REPO_ROOT
from tools.platform import SERVICE_CLASSES, Platform

SECRET = secrets.token_urlsafe(32)


def _ephemeral_ports():
    """The range the kernel takes outgoing connections' local ports from."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low, high = (int(n) for n in f.read().split())
        return low, high
    except (OSError, ValueError):
        return 32768, 60999


def free_port_block(size):
    """A run of ``size`` consecutive free ports, below the ephemeral range:
    a port found free there cannot be taken meanwhile by one of the many
    outgoing connections (to the broker, the databases) as its local port."""
    low = _ephemeral_ports()[0]
    rng = random.Random()
    for _ in range(200):
        base = rng.randrange(10000, low - size)
        ok = True
        for port in range(base, base + size):
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    ok = False
                    break
        if ok:
            return base
    raise RuntimeError("no block of free ports")


def _platform(backend, tmp_path_factory, extra_env=None, services=tuple(SERVICE_CLASSES),
              stops=None):
    """A platform of its own; stopped when the fixture ends, or, given a list
    of ``stops``, put there to be stopped later beside the others."""
    folder = tmp_path_factory.mktemp(f"platform-{backend}")
    host = VHOSTS.take()
    dbs = Databases(backend, folder)
    dbs.create()
    # the gateway, the services, the gateway's metrics
    base = free_port_block(len(SERVICE_CLASSES) + 2)
    platform = Platform(folder, amqp_uri=host.uri, gateway_port=base,
                        service_port_base=base + 1, database_urls=dbs.urls, secret=SECRET,
                        extra_env={"XF_RPC_TIMEOUT": "8", "XF_AUTO_CLOSE_INTERVAL": "2",
                                   **(extra_env or {})})
    started = False
    try:
        platform.start(services)
        started = True
        yield platform
    finally:
        if started and stops is not None:
            stops.append(functools.partial(_stop, platform, dbs))
        else:
            _stop(platform, dbs)


def _stop(platform, dbs):
    try:
        platform.stop(drain=False)  # nothing is asked of it any more
    finally:
        dbs.drop()


@pytest.fixture(scope="session")
def _session_stops():
    """The run's shared platforms stop at its end side by side, not one
    after another (each takes a second or two, mostly waiting)."""
    stops = []
    yield stops
    with concurrent.futures.ThreadPoolExecutor(max(len(stops), 1)) as pool:
        for stopped in [pool.submit(stop) for stop in stops]:
            stopped.result()


# One plain platform per backend for the whole run: the modules that use them
# build trees of their own (their own city) and judge only those, so they
# share the processes instead of starting seven each time. A module that
# needs other settings, a pinned day or a restart defines its own `platform`.
@pytest.fixture(scope="session")
def sqlite_platform(tmp_path_factory, _session_stops):
    yield from _platform("sqlite", tmp_path_factory, stops=_session_stops)


@pytest.fixture(scope="session")
def postgresql_platform(tmp_path_factory, _session_stops):
    yield from _platform("postgresql", tmp_path_factory, stops=_session_stops)


# Query limits far past any screen's, and several gateway workers: for the
# access matrix, which asks for every field of every type in one request, and
# the gateway's own tests, which ask for a whole city's tree with points and
# count what each worker answers. The default limits are judged in
# tests/e2e/test_hostile.py, on the plain platform.
ROOMY_LIMITS = {"XF_QUERY_MAX_FIELDS": "100000", "XF_QUERY_MAX_ALIASES": "10000",
                "XF_QUERY_MAX_COST": str(10 ** 12), "XF_QUERY_EXPENSIVE_COST": str(10 ** 12),
                "XF_QUERY_MAX_CHARS": "1000000"}
ROOMY_WORKERS = 3


@pytest.fixture(scope="session")
def roomy_platform(tmp_path_factory, _session_stops):
    yield from _platform("sqlite", tmp_path_factory,
                         {**ROOMY_LIMITS, "XF_GATEWAY_WORKERS": str(ROOMY_WORKERS)},
                         stops=_session_stops)


@pytest.fixture(scope="session")
def platform(sqlite_platform):
    return sqlite_platform


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def platform_on_each_backend(request):
    return request.getfixturevalue(f"{request.param}_platform")


def token(scope="*", roles=("admin",), sub="tester", ttl=3600, now=None):
    return make_token(SECRET, sub, scope, roles, ttl=ttl, now=now)


def admin(platform):
    return Client(platform.url, token())


def eventually(check, timeout=20, interval=0.1, what="the expected state"):
    """Poll ``check`` (which raises AssertionError until it holds); if it
    never does, the error says what was awaited and how the last try failed."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except AssertionError as exc:
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} was not reached within {timeout} s; "
                                     f"the last try: {exc}") from None
            time.sleep(interval)


def refused(client, query, variables, token=None):
    """The error codes of a request that must fail."""
    with pytest.raises(GraphQLFailed) as err:
        client.run(query, variables, token=token)
    return err.value.codes


def restart_on(platform, day):
    """Stop the platform and start it again with its day pinned to ``day``
    (XF_TODAY), as a city's platform moves on across restarts (between the
    test's requests: nothing to drain)."""
    platform.stop(drain=False)
    platform.extra_env["XF_TODAY"] = day
    platform.start()


def once_known(client, query, variables, token=None):
    """``client.run``, tried again while study has not yet heard of the
    organisation or member (UNAVAILABLE: its events are on their way)."""
    def attempt():
        try:
            return client.run(query, variables, token=token)
        except GraphQLFailed as exc:
            assert exc.codes != ["UNAVAILABLE"], exc
            raise
    return eventually(attempt, what="study knowing the tree")


def study_items(theme="学习"):
    """A study plan's items: an activity day each month."""
    return [{"month": m, "kind": "ACTIVITY_DAY", "theme": f"{theme}{m}"} for m in range(1, 13)]


def meetings_items():
    """A 三会一课 plan's items: what the shipped quotas ask for a year."""
    items = [{"month": m, "kind": "COMMITTEE_MEETING", "theme": f"支委会{m}"}
             for m in range(1, 13)]
    items += [{"month": m, "kind": "GENERAL_MEETING", "theme": f"党员大会{m}"}
              for m in (1, 4, 7, 10)]
    return items + [{"month": 6, "kind": "PARTY_LECTURE", "theme": "党课"}]

class Tree:
    """Two bureaus under one city; bureau one has branches A and B, bureau
    two has branch C. Members: a1..a4 in A, b1..b2 in B, c1 in C."""

    def __init__(self, client, tag=""):
        self.city = client.create_org(f"市{tag}", "CITY")["id"]
        self.bureau1 = client.create_org("科技局", "BUREAU", self.city)["id"]
        self.committee1 = client.create_org("局党委", "COMMITTEE", self.bureau1)["id"]
        self.branch_a = client.create_org("第一支部", "BRANCH", self.committee1)["id"]
        self.branch_b = client.create_org("第二支部", "BRANCH", self.committee1)["id"]
        self.bureau2 = client.create_org("教育局", "BUREAU", self.city)["id"]
        self.committee2 = client.create_org("局党委", "COMMITTEE", self.bureau2)["id"]
        self.branch_c = client.create_org("第一支部", "BRANCH", self.committee2)["id"]
        self.a = [client.register_member(f"甲{i}", self.branch_a)["id"] for i in range(1, 5)]
        self.b = [client.register_member(f"乙{i}", self.branch_b)["id"] for i in range(1, 3)]
        self.c = [client.register_member("丙1", self.branch_c)["id"]]


# --- the console's browser tests -------------------------------------------
# The platform exactly as `make run` starts it (`python -m tools.platform run`:
# SQLite in its data folder, the demo bureau loaded, its users' tokens
# printed), on a pinned day, on a virtual host of its own; and Debian's
# Chromium driven by Playwright (its own browser download is never used).
CONSOLE_DAY = "2026-05-20"
CHROMIUM = os.environ.get("XF_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


class MadeRun:
    """A `make run` in a subprocess: ``url``, ``users`` ({who: token}, as it
    printed them), ``output`` (what it printed)."""

    def __init__(self, folder, day):
        self.folder = folder
        self.host = VHOSTS.take()
        base = free_port_block(len(SERVICE_CLASSES) + 2)
        self.url = f"http://127.0.0.1:{base}"
        env = dict(os.environ, XF_DATA_DIR=str(folder / "data"), XF_PORT=str(base),
                   XF_SERVICE_PORT_BASE=str(base + 1),
                   XF_METRICS_PORT=str(base + 1 + len(SERVICE_CLASSES)),
                   AMQP_URI=self.host.uri, AUTH_SECRET=SECRET, XF_TODAY=day,
                   PYTHONPATH=str(REPO_ROOT), PYTHONWARNINGS="ignore")
        for name in SERVICE_CLASSES:
            env.pop(f"{name.upper()}_DATABASE_URL", None)
        self.log = open(folder / "make-run.out", "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tools.platform", "run"], cwd=REPO_ROOT, env=env,
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.users = {}
        deadline = time.monotonic() + 240
        while "Ctrl-C stops everything." not in self.output:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                said = self.output[-3000:]
                self.stop()
                raise RuntimeError(f"make run did not start:\n{said}")
            time.sleep(0.3)
        for line in self.output.splitlines():
            who, sep, value = line.strip().rpartition(": ")
            if sep and value.count(".") == 2 and " " not in value:
                self.users[who] = value

    @property
    def output(self):
        return (self.folder / "make-run.out").read_text()

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


@pytest.fixture(scope="session")
def made_run(tmp_path_factory, _session_stops):
    run = MadeRun(tmp_path_factory.mktemp("make-run"), CONSOLE_DAY)
    _session_stops.append(run.stop)
    return run


@pytest.fixture(scope="module")
def chromium():
    """A browser for a module's tests. Playwright's sync API runs its asyncio
    loop in a greenlet of this thread, and between calls that loop stays
    marked as the thread's running loop: when the module ends it is unmarked,
    or every later asyncio.run() of the run (the gateway's unit tests) would
    refuse to start."""
    import asyncio

    from playwright.sync_api import sync_playwright
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield browser
        browser.close()
    finally:
        # not playwright.stop(): it waits for its driver process through
        # asyncio's child watcher, which never wakes in this eventlet-patched
        # process; the driver exits by itself when the run ends (its pipe closes)
        asyncio._set_running_loop(None)


DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
# where the console's tests save a screenshot of each screen
SHOTS = Path(os.environ.get("XF_CONSOLE_SHOTS", tempfile.gettempdir())) / "xianfeng-console"


def console_page(chromium, viewport=DESKTOP):
    """A page in a browser context of its own; ``page.problems`` collects
    the page's script errors and console errors (a failed request included)."""
    context = chromium.new_context(viewport=viewport, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error"
            and problems.append(f"{msg.text} ({msg.location.get('url')})"))
    page.problems = problems
    return page


@pytest.fixture
def page(chromium, made_run):
    page = console_page(chromium)
    yield page
    page.context.close()
