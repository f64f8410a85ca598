"""A database per service on SQLite or PostgreSQL, made for a test or a
benchmark and dropped after it."""
import os
import uuid

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from shared.config import SERVICES

PG_BASE = os.environ.get("XF_TEST_DATABASE_URL",
                         "postgresql+psycopg2:///postgres?host=/var/run/postgresql")


class Databases:
    """A database per service on one backend, dropped at the end."""

    def __init__(self, backend, folder, pg_base=PG_BASE, prefix="xf_test"):
        self.backend = backend
        self.folder = folder
        self.pg_base = pg_base
        self.tag = f"{prefix}_{uuid.uuid4().hex[:8]}"
        self.urls = {}
        self._pg_admin = None
        self._engines = {}

    def create(self, services=SERVICES):
        for service in services:
            if self.backend == "sqlite":
                self.urls[service] = f"sqlite:///{self.folder / (service + '.db')}"
            else:
                name = f"{self.tag}_{service}"
                with self._admin().connect() as conn:
                    conn.execute(text(f'CREATE DATABASE "{name}"'))
                self.urls[service] = make_url(self.pg_base).set(database=name) \
                    .render_as_string(hide_password=False)
        return self.urls

    def reset(self):
        """Every table emptied (its sequences restarted), the schema and its
        revision kept: a test finds what a new, migrated database holds,
        without making one. PostgreSQL only. DELETE rather than TRUNCATE:
        the tables hold a test's few rows, and TRUNCATE's file work on forty
        tables a database took half a second a test; with the replica role
        no trigger fires (foreign keys, the audit trail's refusal)."""
        for url in self.urls.values():
            engine = self._engines.get(url)
            if engine is None:
                engine = self._engines[url] = create_engine(url, poolclass=NullPool)
            with engine.begin() as conn:
                conn.execute(text("SET LOCAL session_replication_role = replica"))
                tables = conn.execute(text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename <> 'alembic_version'")).scalars().all()
                for table in tables:
                    conn.execute(text(f'DELETE FROM "{table}"'))
                for sequence in conn.execute(text(
                        "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"
                )).scalars().all():
                    conn.execute(text(f'ALTER SEQUENCE "{sequence}" RESTART'))

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
