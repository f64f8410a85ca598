"""Start, watch and stop the whole platform on one machine: one process per
service (``nameko run``) and the gateway (gunicorn, XF_GATEWAY_WORKERS
processes of gthread workers).

    python -m tools.platform run     # what `make run` does

While it serves, ``run`` starts again a service or the gateway that exits,
after a wait that grows while it keeps exiting (``Supervisor``), as
Kubernetes would, instead of stopping the whole platform.

The end-to-end tests use ``Platform`` to start, stop and restart single
services while the rest keep running.
"""
import argparse
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from shared import config

SERVICE_CLASSES = {
    "organization": "services.organization.service:OrganizationService",
    "activity": "services.activity.service:ActivityService",
    "scoring": "services.scoring.service:ScoringService",
    "supervision": "services.supervision.service:SupervisionService",
    "study": "services.study.service:StudyService",
    "pioneer": "services.pioneer.service:PioneerService",
}
VENV_BIN = Path(sys.executable).parent


def default_secret():
    """AUTH_SECRET from the environment, else one generated once for this
    machine and kept outside the repository (mode 0600)."""
    secret = config.env("AUTH_SECRET")
    if secret:
        return secret
    home = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "xianfeng"
    path = home / "auth_secret"
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
        print(f"generated a token-signing secret for this machine in {path}")
    return path.read_text().strip()


class Platform:
    def __init__(self, data_dir, amqp_uri=None, gateway_port=8000, service_port_base=8001,
                 database_urls=None, extra_env=None, secret=None, metrics_port=None):
        self.data_dir = Path(data_dir)
        self.logs = self.data_dir / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.amqp_uri = amqp_uri or config.amqp_uri()
        self.gateway_port = gateway_port
        self.service_port_base = service_port_base
        # the gateway's Prometheus port: after the services' by default
        self.metrics_port = metrics_port or service_port_base + len(SERVICE_CLASSES)
        self.database_urls = database_urls or {}
        self.extra_env = extra_env or {}
        self.secret = secret or default_secret()
        self.procs = {}
        self.started_at = {}

    @property
    def url(self):
        return f"http://127.0.0.1:{self.gateway_port}"

    @property
    def metrics_url(self):
        """The gateway's Prometheus figures (not on its public port)."""
        return f"http://127.0.0.1:{self.metrics_port}/metrics"

    def service_port(self, name):
        return self.service_port_base + list(SERVICE_CLASSES).index(name)

    def env(self, extra=None):
        env = dict(os.environ)
        # eventlet's green DNS resolver (dnspython, imported with eventlet)
        # costs each process a seventh of its start-up, for names that are
        # addresses on one machine; the environment may still ask for it
        env.setdefault("EVENTLET_NO_GREENDNS", "yes")
        env.update({
            "PYTHONPATH": str(config.REPO_ROOT), "PYTHONWARNINGS": "ignore",
            "AMQP_URI": self.amqp_uri, "XF_DATA_DIR": str(self.data_dir),
            "AUTH_SECRET": self.secret,
        })
        for service, url in self.database_urls.items():
            env[f"{service.upper()}_DATABASE_URL"] = url
        env.update(self.extra_env)
        env.update(extra or {})
        return env

    def _spawn(self, name, argv, env):
        log = open(self.logs / f"{name}.log", "ab")
        proc = subprocess.Popen(argv, cwd=config.REPO_ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        self.procs[name] = proc
        self.started_at[name] = time.monotonic()
        return proc

    def start_service(self, name, wait=True, extra_env=None):
        env = self.env({"WEB_SERVER_ADDRESS": f"127.0.0.1:{self.service_port(name)}",
                        **(extra_env or {})})
        self._spawn(name, [str(VENV_BIN / "nameko"), "run", "--config",
                           str(config.REPO_ROOT / "config.yaml"), SERVICE_CLASSES[name]], env)
        if wait:
            self.wait_http(f"http://127.0.0.1:{self.service_port(name)}/healthz", name)

    def start_gateway(self, wait=True):
        """gunicorn with XF_GATEWAY_WORKERS processes (default: the core
        count) of XF_GATEWAY_THREADS threads, as gateway/gunicorn_conf.py
        says; the workers' metrics meet in a folder of this platform's own."""
        env = self.env({"PROMETHEUS_MULTIPROC_DIR": str(self.data_dir / "gateway-metrics"),
                        "XF_METRICS_HOST": "127.0.0.1", "XF_METRICS_PORT": str(self.metrics_port)})
        self._spawn("gateway", [
            str(VENV_BIN / "gunicorn"), "--config", "python:gateway.gunicorn_conf",
            "--bind", f"127.0.0.1:{self.gateway_port}",
            "--graceful-timeout", "5", "--access-logfile", "-", "gateway.app:application",
        ], env)
        if wait:
            self.wait_http(f"{self.url}/healthz", "gateway")

    def check_ports_free(self, services=tuple(SERVICE_CLASSES)):
        wanted = [("gateway", self.gateway_port), ("the gateway's metrics", self.metrics_port)] \
            + [(n, self.service_port(n)) for n in services]
        for name, port in wanted:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    raise RuntimeError(
                        f"port {port}, which {name} needs, is already in use: is the platform "
                        "already running? Stop it, or choose other ports with XF_PORT "
                        "(gateway), XF_SERVICE_PORT_BASE (services) and XF_METRICS_PORT "
                        "(the gateway's metrics)")

    def start(self, services=tuple(SERVICE_CLASSES)):
        """Every process at once (each spends its first seconds importing),
        then wait for each to answer."""
        self.check_ports_free(services)
        for name in services:
            self.start_service(name, wait=False)
        self.start_gateway(wait=False)
        for name in services:
            self.wait_http(f"http://127.0.0.1:{self.service_port(name)}/healthz", name)
        self.wait_http(f"{self.url}/healthz", "gateway")

    def wait_http(self, url, name, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            proc = self.procs.get(name)
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}; last lines of "
                                   f"{self.logs / (name + '.log')}:\n{self.tail(name)}")
            try:
                if requests.get(url, timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{name} did not answer {url} within {timeout} s:\n{self.tail(name)}")

    def tail(self, name, lines=30):
        path = self.logs / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def stop_service(self, name, timeout=15, signalled=False):
        """SIGTERM (unless ``signalled`` already), then SIGKILL after
        ``timeout``. One SIGTERM only: nameko's runner takes a second one as
        a second stop, which fails in its timers and leaves the process to
        be killed."""
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        if not signalled:
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def stop(self, drain=True):
        """The gateway first, so no new work arrives; then the services side
        by side, each finishing what it has in hand. Without ``drain``, for a
        platform that is asked nothing while it stops (a test's, between its
        requests): the gateway quits at once (SIGQUIT), beside the services,
        instead of keeping its callers' idle connections open up to 2 s in
        case a request is on its way."""
        if drain:
            self.stop_service("gateway")
        for name, proc in list(self.procs.items()):
            if proc.poll() is None:
                proc.send_signal(signal.SIGQUIT if name == "gateway" else signal.SIGTERM)
        for name in list(self.procs):
            self.stop_service(name, signalled=True)

    def dead(self):
        return {name: p.returncode for name, p in self.procs.items() if p.poll() is not None}

    def restart(self, name):
        """Start again (without waiting) a service or the gateway that exited."""
        if name == "gateway":
            self.start_gateway(wait=False)
        else:
            self.start_service(name, wait=False)


class RestartPolicy:
    """How long to wait before starting again a process that exited, as
    Kubernetes does with a crashing container: 1 s, then twice as long each
    time it exits again, at most ``longest``; a process that had stayed up
    ``settled`` seconds is over its trouble, and waits ``first`` again."""

    def __init__(self, first=1.0, longest=30.0, settled=60.0):
        self.first, self.longest, self.settled = first, longest, settled
        self.exits = 0  # in a row, each after a short run

    def delay(self, uptime):
        """The wait before the next start of a process that exited after
        running ``uptime`` seconds."""
        if uptime >= self.settled:
            self.exits = 0
        wait = min(self.first * 2 ** min(self.exits, 32), self.longest)
        self.exits += 1
        return wait


class Supervisor:
    """What `make run` does while it serves: a service or the gateway that
    exits is started again after its RestartPolicy's wait, and why it
    exited (the code and the end of its log) is printed, while the rest of
    the platform keeps serving."""

    def __init__(self, platform, out=print, policy=RestartPolicy):
        self.platform = platform
        self.out = out
        self.policy = policy
        self.policies = {}
        self.started = {}
        self.due = {}  # name: when to start it again

    def tick(self, now):
        for name, code in self.platform.dead().items():
            if name in self.due:
                continue
            uptime = now - self.started.setdefault(name, now)
            wait = self.policies.setdefault(name, self.policy()).delay(uptime)
            self.due[name] = now + wait
            self.out(f"{name} exited ({describe_exit(code)}) after {uptime:.0f} s; starting it "
                     f"again in {wait:g} s. Its log ({self.platform.logs / (name + '.log')}) "
                     f"ends:\n{self.platform.tail(name, lines=15)}")
        for name, at in list(self.due.items()):
            if now >= at:
                del self.due[name]
                self.started[name] = now
                self.platform.restart(name)

    def watch(self, stopping, interval=0.5):
        self.started.update(self.platform.started_at)
        while not stopping():
            self.tick(time.monotonic())
            time.sleep(interval)


def describe_exit(code):
    if code is not None and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def run(args):
    from tools import demo
    from gateway.auth import make_token

    data_dir = config.data_dir()
    platform = Platform(data_dir, gateway_port=args.port,
                        service_port_base=int(config.env("XF_SERVICE_PORT_BASE", "8001")),
                        metrics_port=config.env_int("XF_METRICS_PORT", None))
    stopping = {"now": False}

    def on_signal(signum, _frame):
        stopping["now"] = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    print(f"starting Xianfeng (data in {data_dir}, logs in {platform.logs}) ...")
    try:
        try:
            platform.start()
        except RuntimeError as exc:
            print(f"cannot start: {exc}", file=sys.stderr)
            return 1
        loaded = demo.load_if_empty(platform.url, platform.secret)
        token = make_token(platform.secret, "demo-admin", "*", ["admin"], ttl=7 * 24 * 3600)
        print()
        print(f"Xianfeng is serving GraphQL at {platform.url}/graphql "
              f"(metrics at {platform.metrics_url})")
        if loaded:
            print(f"loaded the demo bureau: {loaded}")
        print(f"the console, in Chinese, is at {platform.url}/ ; sign in with one of these "
              "tokens (valid for 7 days):")
        for who, user_token in demo.console_users(platform.url, platform.secret):
            print(f"  {who}: {user_token}")
        print("an admin token for the whole installation, valid for 7 days:")
        print(f"  {token}")
        print("try:")
        print(f"  curl -s {platform.url}/graphql -H 'Authorization: Bearer {token}' \\")
        print("       -H 'Content-Type: application/json' "
              "-d '{\"query\": \"{ organizations { name children { name } } }\"}'")
        print("Ctrl-C stops everything.")
        Supervisor(platform).watch(lambda: stopping["now"])
        return 0
    finally:
        print("stopping ...")
        platform.stop()
        print("stopped.")


def main(argv=None):
    # the token and "stopped." must show at once even when output is a pipe
    sys.stdout.reconfigure(line_buffering=True)
    parser = argparse.ArgumentParser(prog="python -m tools.platform")
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run", help="start everything in the foreground")
    run_parser.add_argument("--port", type=int, default=int(config.env("XF_PORT", "8000")))
    args = parser.parse_args(argv)
    if args.command == "run":
        return run(args)


if __name__ == "__main__":
    sys.exit(main())
