"""What every test layer shares: eventlet's monkey patch (the integration
tests run nameko containers in this process), a RabbitMQ virtual host per
test, and databases per service on SQLite or PostgreSQL, made and dropped
by the suite."""
import eventlet

eventlet.monkey_patch()

import os  # noqa: E402
import uuid  # noqa: E402

import pytest  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from shared.config import SERVICES  # noqa: E402
from tools.broker import VirtualHost as _VirtualHost  # noqa: E402

BROKER = os.environ.get("XF_TEST_AMQP", "guest:guest@127.0.0.1:5672")
PG_BASE = os.environ.get("XF_TEST_DATABASE_URL",
                         "postgresql+psycopg2:///postgres?host=/var/run/postgresql")


class VirtualHost(_VirtualHost):
    def __init__(self, name):
        super().__init__(name, f"amqp://{BROKER}/")


@pytest.fixture
def vhost():
    """A fresh, empty broker for one test: no queue or message of another test."""
    with VirtualHost(f"xf-test-{uuid.uuid4().hex[:10]}") as host:
        yield host


@pytest.fixture(scope="module")
def module_vhost():
    with VirtualHost(f"xf-test-{uuid.uuid4().hex[:10]}") as host:
        yield host


class Databases:
    """A database per service on one backend, dropped at the end."""

    def __init__(self, backend, folder):
        self.backend = backend
        self.folder = folder
        self.tag = uuid.uuid4().hex[:8]
        self.urls = {}
        self._pg_admin = None

    def create(self, services=SERVICES):
        for service in services:
            if self.backend == "sqlite":
                self.urls[service] = f"sqlite:///{self.folder / (service + '.db')}"
            else:
                name = f"xf_test_{self.tag}_{service}"
                with self._admin().connect() as conn:
                    conn.execute(text(f'CREATE DATABASE "{name}"'))
                self.urls[service] = make_url(PG_BASE).set(database=name) \
                    .render_as_string(hide_password=False)
        return self.urls

    def _admin(self):
        if self._pg_admin is None:
            self._pg_admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
        return self._pg_admin

    def drop(self):
        if self.backend != "postgresql":
            return
        with self._admin().connect() as conn:
            for url in self.urls.values():
                name = make_url(url).database
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self._pg_admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request):
    return request.param


@pytest.fixture
def databases(backend, tmp_path):
    dbs = Databases(backend, tmp_path)
    dbs.create()
    yield dbs
    dbs.drop()
