"""A database per service on SQLite or PostgreSQL, made for a test or a
benchmark and dropped after it.

On PostgreSQL each is cloned (CREATE DATABASE ... TEMPLATE) from a database
migrated once per process and service, so a test does not run every
migration again; the templates are dropped when the process ends."""
import atexit
import importlib
import os
import uuid

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from shared.config import SERVICES

PG_BASE = os.environ.get("XF_TEST_DATABASE_URL",
                         "postgresql+psycopg2:///postgres?host=/var/run/postgresql")


_TEMPLATES = {}  # (PostgreSQL server, service) -> a migrated database to clone


def _template(admin, pg_base, service):
    """The name of a database holding ``service``'s schema at its newest
    revision, made (and migrated) the first time this process asks."""
    key = (pg_base, service)
    if key not in _TEMPLATES:
        from shared.db import make_engine, migrate
        name = f"xf_tpl_{os.getpid()}_{uuid.uuid4().hex[:6]}_{service}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine = make_engine(make_url(pg_base).set(database=name)
                             .render_as_string(hide_password=False))
        try:
            migrate(engine, service, importlib.import_module(
                f"services.{service}").__path__[0] + "/migrations")
        finally:
            engine.dispose()
        _TEMPLATES[key] = name
        atexit.register(_drop_template, pg_base, name)
    return _TEMPLATES[key]


def _drop_template(pg_base, name):
    engine = create_engine(pg_base, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    except Exception:  # noqa: BLE001 - the server may be gone at exit; nothing to keep
        pass
    finally:
        engine.dispose()


class Databases:
    """A database per service on one backend, dropped at the end."""

    def __init__(self, backend, folder, pg_base=PG_BASE, prefix="xf_test"):
        self.backend = backend
        self.folder = folder
        self.pg_base = pg_base
        self.tag = f"{prefix}_{uuid.uuid4().hex[:8]}"
        self.urls = {}
        self._pg_admin = None
        self.changed = False

    def create(self, services=SERVICES):
        for service in services:
            if self.backend == "sqlite":
                self.urls[service] = f"sqlite:///{self.folder / (service + '.db')}"
            else:
                name = f"{self.tag}_{service}"
                template = _template(self._admin(), self.pg_base, service)
                with self._admin().connect() as conn:
                    conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
                self.urls[service] = make_url(self.pg_base).set(database=name) \
                    .render_as_string(hide_password=False)
        return self.urls

    def reset(self):
        """Every table emptied (its sequences restarted), the schema kept: what
        a test finds is what a new database cloned from the template holds,
        without making one. PostgreSQL only."""
        for url in self.urls.values():
            engine = create_engine(url)
            try:
                with engine.begin() as conn:
                    tables = conn.execute(text(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                        "AND tablename <> 'alembic_version'")).scalars().all()
                    if tables:
                        conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables)
                                          + " RESTART IDENTITY CASCADE"))
            finally:
                engine.dispose()

    def empty(self, service):
        """``service``'s database made again without any schema (for a test of
        the migrations themselves); its URL. The databases are no longer as
        the template left them (``changed``)."""
        self.changed = True
        if self.backend == "postgresql":
            name = make_url(self.urls[service]).database
            with self._admin().connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        return self.urls[service]

    def _admin(self):
        if self._pg_admin is None:
            self._pg_admin = create_engine(self.pg_base, isolation_level="AUTOCOMMIT")
        return self._pg_admin

    def drop(self):
        if self.backend != "postgresql":
            return
        with self._admin().connect() as conn:
            for url in self.urls.values():
                name = make_url(url).database
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self._pg_admin.dispose()
