"""What every test layer shares: eventlet's monkey patch (the integration
tests run nameko containers in this process), a RabbitMQ virtual host per
test, and databases per service on SQLite or PostgreSQL, made and dropped
by the suite."""
import eventlet

eventlet.monkey_patch()

import os  # noqa: E402
import uuid  # noqa: E402

import pytest  # noqa: E402

from tools.broker import VirtualHostPool  # noqa: E402
from tools.databases import PG_BASE, Databases  # noqa: E402,F401  (e2e fixtures use them)

BROKER = os.environ.get("XF_TEST_AMQP", "guest:guest@127.0.0.1:5672")


# The run's virtual hosts, made in batches and removed at its end
# (tools/broker.py: a host made and removed alone costs about 2 s); the e2e
# platforms take theirs here too.
VHOSTS = VirtualHostPool(f"xf-test-{uuid.uuid4().hex[:10]}", f"amqp://{BROKER}/")


@pytest.fixture(scope="session", autouse=True)
def _vhost_pool():
    yield VHOSTS
    VHOSTS.close()


@pytest.fixture
def vhost(_vhost_pool):
    """A fresh, empty broker for one test: no queue or message of another test."""
    return _vhost_pool.take()


@pytest.fixture(scope="module")
def module_vhost(_vhost_pool):
    return _vhost_pool.take()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request):
    return request.param


@pytest.fixture(scope="session")
def _postgresql_databases(tmp_path_factory):
    """One set of PostgreSQL databases for the run, emptied before each test
    that asks for them (making and dropping six databases a test cost more
    than the test itself)."""
    shared = {}
    yield shared
    if "dbs" in shared:
        shared["dbs"].drop()


@pytest.fixture
def databases(backend, tmp_path, _postgresql_databases):
    """A database per service for one test, empty (at its newest revision
    once a service has migrated it)."""
    if backend == "sqlite":
        dbs = Databases(backend, tmp_path)
        dbs.create()
        yield dbs
        dbs.drop()
        return
    dbs = _postgresql_databases.get("dbs")
    if dbs is None:
        dbs = _postgresql_databases["dbs"] = Databases(backend, tmp_path)
        dbs.create()
    else:
        dbs.reset()
    yield dbs
