"""A broker and a database of one's own, to take away and bring back: the
fault tests stop them mid-burst without touching the machine's shared
RabbitMQ and PostgreSQL, which other runs use at the same time.

    with RabbitNode(folder) as node:        # node.uri: amqp://...:PORT/
        node.stop(); node.start()           # the rabbit app, not the VM
    with PostgresCluster(folder) as pg:     # pg.base_url: the postgres database
        pg.stop(); pg.start()

Both are removed (process and files) when the ``with`` ends, however it ends.
"""
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

RABBIT_BIN = Path("/usr/lib/rabbitmq/bin")
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port(avoid=()):
    """A free port below the kernel's ephemeral range. A port in that range
    can be handed to some outgoing connection while its server is down, and
    a client reconnecting to itself there may even connect to itself (TCP's
    simultaneous open); 35672-35682 are RabbitMQ's CLI tools' own."""
    low, _high = _ephemeral_range()
    top = min(low, 35672) if low > 11000 else 35672
    for _ in range(500):
        port = random.randrange(10000, top)
        if port in avoid:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port below the ephemeral range")


def _ephemeral_range():
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def port_open(port, host="127.0.0.1"):
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((host, port)) == 0


def wait_until(check, timeout, what):
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} within {timeout} s")
        time.sleep(0.2)


class _Scratch:
    """A server of a test's own, as a context manager: launched on entry,
    removed (process and files) on exit, and removed too if it cannot start."""

    def __enter__(self):
        try:
            return self.launch()
        except BaseException:
            self.remove()
            raise

    def __exit__(self, *exc):
        self.remove()


class RabbitNode(_Scratch):
    """A RabbitMQ node (``xf-<random>@localhost``) with its own port, files
    and Erlang cookie, no plugins. ``stop`` and ``start`` stop and start the
    rabbit application as ``rabbitmqctl stop_app`` does: every connection is
    closed and the port refuses, then durable queues and persistent messages
    come back, as after a restart of the broker's container."""

    def __init__(self, folder=None):
        self.folder = Path(tempfile.mkdtemp(prefix="xf-rabbit-", dir=folder))
        self.node = f"xf-{random.getrandbits(40):010x}@localhost"
        self.port = free_port()
        self.dist_port = free_port(avoid={self.port})
        self.uri = f"amqp://guest:guest@127.0.0.1:{self.port}/"
        self._proc = None

    def env(self):
        env = dict(os.environ)
        for key in [k for k in env if k.startswith(("RABBITMQ_", "ERL_"))]:
            del env[key]
        env.update({
            "HOME": str(self.folder),  # the Erlang cookie the node and its CLI share
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(self.folder / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.folder / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.folder / "enabled_plugins"),
            "RABBITMQ_CONFIG_FILE": str(self.folder / "rabbitmq"),
            # not the machine's: it names the machine's node and port
            "RABBITMQ_CONF_ENV_FILE": str(self.folder / "rabbitmq-env.conf"),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "ERL_FLAGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        })
        return env

    def _bin(self, name):
        path = RABBIT_BIN / name
        if path.exists():  # not /usr/sbin's wrapper, which runs it as user rabbitmq
            return str(path)
        found = shutil.which(name)
        if not found:
            raise RuntimeError(f"{name} is not installed: run scripts/bootstrap.sh")
        return found

    def ctl(self, *args, timeout=120):
        result = subprocess.run([self._bin("rabbitmqctl"), "-n", self.node, *args],
                                env=self.env(), capture_output=True, text=True,
                                timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)} on {self.node} failed: "
                               f"{result.stderr.strip() or result.stdout.strip()}\n"
                               f"{self.log_tail()}")
        return result.stdout

    def launch(self, timeout=180):
        (self.folder / "enabled_plugins").write_text("[].\n")
        (self.folder / "rabbitmq.conf").write_text(
            f"listeners.tcp.local = 127.0.0.1:{self.port}\n")
        (self.folder / "rabbitmq-env.conf").write_text("")
        out = open(self.folder / "server.out", "ab")
        self._proc = subprocess.Popen([self._bin("rabbitmq-server")], env=self.env(),
                                      cwd=self.folder, stdout=out, stderr=subprocess.STDOUT,
                                      start_new_session=True)
        out.close()
        wait_until(lambda: self._proc.poll() is not None or self._accepts(), timeout,
                   f"RabbitMQ node {self.node} did not accept connections")
        if self._proc.poll() is not None:
            raise RuntimeError(f"RabbitMQ node {self.node} exited with "
                               f"{self._proc.returncode}:\n{self.log_tail()}")
        return self

    def _accepts(self):
        """The port is open and the broker lets guest in (it opens the port a
        moment before it has finished booting)."""
        if not port_open(self.port):
            return False
        from kombu import Connection
        try:
            with Connection(self.uri, connect_timeout=2) as conn:
                conn.connect()
            return True
        except Exception:
            return False

    def stop(self, timeout=60):
        self.ctl("stop_app")
        wait_until(lambda: not port_open(self.port), timeout,
                   f"RabbitMQ node {self.node} still accepts connections")

    def start(self, timeout=120):
        self.ctl("start_app")
        wait_until(self._accepts, timeout,
                   f"RabbitMQ node {self.node} did not accept connections again")

    def log_tail(self, lines=20):
        text = ""
        for path in (self.folder / "server.out", self.folder / "log" / f"{self.node}.log"):
            if path.exists():
                text += "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) + "\n"
        return text

    def remove(self):
        """Kill the node (nothing of it is kept, so nothing needs a clean
        shutdown, which takes seconds) and delete its files."""
        if self._proc is not None and self._proc.poll() is None:
            _kill_group(self._proc)
        shutil.rmtree(self.folder, ignore_errors=True)


class PostgresCluster(_Scratch):
    """A PostgreSQL cluster (initdb) on its own port and socket folder, trust
    authentication, without fsync (what is tested is the service's view of an
    outage, not durability). ``stop`` is pg_ctl's fast shutdown: sessions are
    terminated in the middle of their work, then connections are refused."""

    def __init__(self, folder=None, bin_dir=PG_BIN):
        self.folder = Path(tempfile.mkdtemp(prefix="xf-pg-", dir=folder))
        self.data = self.folder / "data"
        self.bin_dir = Path(bin_dir)
        self.port = free_port()
        # initdb and postgres refuse to run as root: they run as postgres
        self._user = "postgres" if os.geteuid() == 0 else None
        self.base_url = (f"postgresql+psycopg2://postgres@/postgres?host={self.folder}"
                         f"&port={self.port}")

    def _run(self, *argv, timeout=120):
        result = subprocess.run([str(self.bin_dir / argv[0]), *argv[1:]], user=self._user,
                                cwd=self.folder, capture_output=True, text=True,
                                timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError(f"{argv[0]} failed: {result.stderr.strip()}\n{self.log_tail()}")
        return result.stdout

    def launch(self):
        if self._user is not None:
            shutil.chown(self.folder, self._user)
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres",
                  "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        with open(self.data / "postgresql.conf", "a") as conf:  # kept across restarts
            conf.write(f"port = {self.port}\nunix_socket_directories = '{self.folder}'\n"
                       "listen_addresses = ''\nfsync = off\nmax_connections = 300\n")
        self.start()
        return self

    def stop(self):
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "120", "stop")

    def start(self):
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"),
                  "-w", "-t", "120", "start")

    def log_tail(self, lines=20):
        path = self.folder / "server.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def remove(self):
        if (self.data / "postmaster.pid").exists():
            try:
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop",
                          timeout=60)
            except (RuntimeError, subprocess.TimeoutExpired):
                _kill_postmaster(self.data)
        shutil.rmtree(self.folder, ignore_errors=True)


def _kill_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def _kill_postmaster(data):
    try:
        pid = int((data / "postmaster.pid").read_text().split()[0])
        os.kill(pid, signal.SIGKILL)
    except (OSError, ValueError, IndexError):
        pass
