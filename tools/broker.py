"""A RabbitMQ virtual host of one's own, made and removed with rabbitmqctl:
the test suite and the benchmark each work on an empty broker."""
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from shared import config


def rabbitmqctl(*args):
    ctl = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
    if not Path(ctl).exists():
        raise RuntimeError("a virtual host of one's own is made with rabbitmqctl, which is "
                           "not installed: run scripts/bootstrap.sh")
    return subprocess.run([ctl, "-q", *args], check=True, capture_output=True, text=True,
                          timeout=60).stdout


def backlog(vhost):
    """Messages waiting or being handled (ready + unacknowledged) in the
    virtual host's queues that have a consumer; a queue nobody consumes (a
    dead-letter queue) is left out: it never drains by itself."""
    out = rabbitmqctl("list_queues", "-p", vhost, "--no-table-headers", "name", "messages",
                      "consumers")
    total = 0
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit() and int(parts[2]):
            total += int(parts[1])
    return total


class VirtualHost:
    """``with VirtualHost(name, base_uri) as host: host.uri``"""

    def __init__(self, name, base_uri=None):
        self.name = name
        base = base_uri or config.amqp_uri()
        self.user = urlsplit(base).username or "guest"
        self.uri = config.with_vhost(base, name)

    def __enter__(self):
        rabbitmqctl("add_vhost", self.name)
        rabbitmqctl("set_permissions", "-p", self.name, self.user, ".*", ".*", ".*")
        return self

    def __exit__(self, *exc):
        rabbitmqctl("delete_vhost", self.name)


class VirtualHostPool:
    """Virtual hosts of one's own, made ahead in batches and removed together
    at the end: rabbitmqctl starts an Erlang node for every call (about 0.6 s
    here), and a host made and removed by itself takes three calls, longer
    than most tests that use one. A batch is one ``import_definitions``; the
    removal is one ``eval`` of rabbit_vhost:delete per hundred hosts, or one
    ``delete_vhost`` per host if the node does not take that."""

    BATCH = 32

    def __init__(self, prefix, base_uri=None):
        self.prefix = prefix
        self.base = base_uri or config.amqp_uri()
        self.user = urlsplit(self.base).username or "guest"
        self._free, self._made, self._count = [], [], 0

    def take(self):
        """A fresh host (``.name``, ``.uri``) no one has used."""
        if not self._free:
            self._make(self.BATCH)
        name = self._free.pop(0)
        return _Host(name, config.with_vhost(self.base, name))

    def _make(self, count):
        names = [f"{self.prefix}-{self._count + i}" for i in range(count)]
        self._count += count
        definitions = {"vhosts": [{"name": n} for n in names],
                       "permissions": [{"user": self.user, "vhost": n, "configure": ".*",
                                        "write": ".*", "read": ".*"} for n in names]}
        with tempfile.NamedTemporaryFile("w", suffix=".json") as file:
            json.dump(definitions, file)
            file.flush()
            os.chmod(file.name, 0o644)  # rabbitmqctl reads it as the rabbitmq user
            rabbitmqctl("import_definitions", file.name)
        self._made += names
        self._free += names

    def close(self):
        """Remove every host made (used or not)."""
        made, self._made, self._free = self._made, [], []
        for i in range(0, len(made), 100):
            chunk = made[i:i + 100]
            hosts = ", ".join(f'<<"{n}">>' for n in chunk)
            try:
                rabbitmqctl("eval", f'[rabbit_vhost:delete(V, <<"xf-tests">>) || V <- [{hosts}]].')
            except subprocess.CalledProcessError:
                for name in chunk:
                    rabbitmqctl("delete_vhost", name)


class _Host:
    def __init__(self, name, uri):
        self.name = name
        self.uri = uri
