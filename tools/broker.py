"""A RabbitMQ virtual host of one's own, made and removed with rabbitmqctl:
the test suite and the benchmark each work on an empty broker."""
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

from shared import config


def rabbitmqctl(*args):
    ctl = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
    if not Path(ctl).exists():
        raise RuntimeError("a virtual host of one's own is made with rabbitmqctl, which is "
                           "not installed: run scripts/bootstrap.sh")
    subprocess.run([ctl, "-q", *args], check=True, capture_output=True, timeout=60)


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
