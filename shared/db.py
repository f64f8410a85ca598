"""One way to open a session: the ``Database`` dependency of a service.

It owns the service's engine, applies the service's Alembic migrations on
start, runs the outbox relay, and hands each worker a ``UnitOfWork``: one
transaction in which the change, the events it raises (the outbox) and the
events it has handled (processed_events) are committed together.
"""
import logging
import threading
from contextlib import contextmanager
from pathlib import Path

from nameko.extensions import DependencyProvider
from sqlalchemy import bindparam, create_engine, event, insert, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from shared import config, idempotency
from shared.events import Envelope

log = logging.getLogger(__name__)

try:  # make psycopg2 yield to eventlet's hub while it waits on the server
    import eventlet.patcher
    if eventlet.patcher.is_monkey_patched("socket"):
        from psycogreen.eventlet import patch_psycopg
        patch_psycopg()
except ImportError:  # pragma: no cover - both are locked dependencies
    pass


def make_engine(url):
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg2://" + url[len("postgresql://"):]
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def migrate(engine, service, migrations_dir):
    """Bring the service's schema to the newest revision. On PostgreSQL an
    advisory lock makes concurrent replicas take turns."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                         {"key": f"xianfeng-migrate-{service}"})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


class UnitOfWork:
    """A transaction of one service. ``emit`` queues an event in the outbox;
    ``first_time`` records a handled event and says whether it is new.

    A unit of work for a ``request`` (shared/idempotency.py) commits the
    request and its answer, which the command gives to ``answer``, with the
    change, so that a repeat of the request finds them."""

    def __init__(self, db, request=None):
        self.db = db
        self.session = None
        self.emitted = []
        self.request = request
        self.answered = False
        self.result = None

    def __enter__(self):
        self.db._write_lock.acquire()
        self.session = Session(self.db.engine, expire_on_commit=False)
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                if self.emitted:  # the outbox rows of the unit, in one statement
                    self.session.execute(insert(self.db.tables["outbox"]), [
                        {"event_id": e.id, "event_type": e.type, "envelope": e.to_dict()}
                        for e in self.emitted])
                if self.request is not None:
                    if not self.answered:
                        raise RuntimeError(f"the unit of work for {self.request!r} "
                                           "committed no answer")
                    idempotency.record(self.session, self.db.tables[idempotency.TABLE],
                                       self.request, self.result)
                self.session.commit()
                if self.request is not None:
                    idempotency.after_commit(self.request)
            else:
                self.session.rollback()
        finally:
            self.session.close()
            self.db._write_lock.release()
        if exc_type is None and self.emitted and self.db.relay is not None:
            self.db.relay.wake()
        return False

    def answer(self, result):
        """What the command answers: committed with the change for a repeat
        of the request, and given back (as JSON, the way a repeat gets it)."""
        self.result = idempotency.plain(result)
        self.answered = True
        return self.result

    def emit(self, event_type, bureau_id, payload):
        """Queue an event; it is written to the outbox with the commit."""
        envelope = Envelope.new(event_type, bureau_id, payload)
        self.emitted.append(envelope)
        return envelope

    def first_times(self, envelopes):
        """Record each handled event; the ones not handled before (a repeat
        within ``envelopes`` counts once)."""
        processed = self.db.tables["processed_events"]
        seen_query = self.db.statement("seen", lambda: select(processed.c.event_id).where(
            processed.c.event_id.in_(bindparam("ids", expanding=True))))
        ids = list(dict.fromkeys(e.id for e in envelopes))
        seen = set()
        for i in range(0, len(ids), 500):
            seen |= set(self.session.execute(seen_query, {"ids": ids[i:i + 500]}).scalars())
        fresh, new_ids = [], set()
        for envelope in envelopes:
            if envelope.id in seen or envelope.id in new_ids:
                continue
            new_ids.add(envelope.id)
            fresh.append(envelope)
        if fresh:
            self.session.execute(insert(processed), [
                {"event_id": e.id, "event_type": e.type} for e in fresh])
        return fresh

    def first_time(self, envelope):
        processed = self.db.tables["processed_events"]
        seen = self.session.execute(
            select(processed.c.event_id).where(processed.c.event_id == envelope.id)
        ).first()
        if seen:
            return False
        self.session.execute(insert(processed).values(
            event_id=envelope.id, event_type=envelope.type))
        return True


class Database(DependencyProvider):
    """The service's database. The URL comes from the container config key
    ``<SERVICE>_DATABASE_URL`` if present, else from the environment (see
    ``shared.config.database_url``)."""

    def __init__(self, service, metadata, migrations_dir, relay=True):
        self.service = service
        self.metadata = metadata
        self.migrations_dir = Path(migrations_dir)
        self.tables = metadata.tables
        self.with_relay = relay
        self.relay = None
        self.engine = None
        self._statements = {}

    def setup(self):
        key = f"{self.service.upper()}_DATABASE_URL"
        url = self.container.config.get(key) or config.database_url(self.service)
        self.open(url)
        if self.with_relay:
            from shared.outbox import OutboxRelay
            amqp_uri = self.container.config.get("AMQP_URI") or config.amqp_uri()
            self.relay = OutboxRelay(self, amqp_uri, self.container.config)

    def open(self, url):
        """Connect and migrate (also used by tools outside a container)."""
        self.engine = make_engine(url)
        # SQLite takes one writer at a time; a process-wide lock keeps green
        # threads from waiting on each other inside SQLite's busy handler,
        # which would block the whole hub.
        self._write_lock = _sqlite_lock(url) if self.engine.dialect.name == "sqlite" \
            else _NoLock()
        migrate(self.engine, self.service, self.migrations_dir)
        return self

    def start(self):
        if self.relay is not None:
            self.container.spawn_managed_thread(self.relay.run, identifier="outbox-relay")

    def stop(self):
        if self.relay is not None:
            self.relay.stop()
        if self.engine is not None:
            self.engine.dispose()

    def kill(self):
        self.stop()

    def get_dependency(self, worker_ctx):
        return self

    def uow(self, request=None):
        return UnitOfWork(self, request)

    def statement(self, name, build):
        """The statement ``build()`` makes, made once per database and kept
        under ``name``: SQLAlchemy takes longer to build a statement than to
        run one from its compiled cache. Only for statements whose values
        come as parameters at execution."""
        made = self._statements.get(name)
        if made is None:
            made = self._statements[name] = build()
        return made

    @contextmanager
    def connect(self, write=False):
        """A short read (or, with ``write``, a short write) outside a unit of work."""
        if write:
            with self._write_lock:
                with self.engine.begin() as conn:
                    yield conn
        else:
            with self.engine.connect() as conn:
                yield conn

    @contextmanager
    def read(self):
        """A read-only session for queries shaped for the screen."""
        with Session(self.engine) as session:
            yield session


_SQLITE_LOCKS = {}


def _sqlite_lock(url):
    """One lock per SQLite file per process, however many containers open it."""
    return _SQLITE_LOCKS.setdefault(url, threading.Lock())


class _NoLock:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def acquire(self):
        return True

    def release(self):
        pass


def is_duplicate(exc):
    """An IntegrityError on processed_events: another replica handled it."""
    return isinstance(exc, IntegrityError) and "processed_events" in str(exc)


# SQLite's primary result codes that pass: the file is busy or locked by
# another writer, or cannot be read or written just now (a full or failing
# disk, a folder away). Its other OperationalErrors ("no such table", a
# syntax error) are mistakes in the code that no retry mends.
_SQLITE_AWAY = {5: "SQLITE_BUSY", 6: "SQLITE_LOCKED", 7: "SQLITE_NOMEM", 10: "SQLITE_IOERR",
                13: "SQLITE_FULL", 14: "SQLITE_CANTOPEN", 15: "SQLITE_PROTOCOL"}


def database_away(exc):
    """The database is away or too busy to answer now, and the same work may
    succeed later: the caller is told UNAVAILABLE, a consumer tries again.

    On PostgreSQL psycopg2 raises OperationalError for exactly that (no
    connection, the server shutting down or starting, a session terminated
    by an administrator, a deadlock or serialisation failure, out of
    connections or disk); a mistake in a statement is a ProgrammingError or
    DataError instead. SQLite raises OperationalError for both, told apart
    by its result code."""
    if isinstance(exc, PoolTimeout):  # every pooled connection is stuck on the server
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    if not isinstance(exc, OperationalError):
        return False
    code = getattr(exc.orig, "sqlite_errorcode", None)
    if code is None:
        return True
    return (code & 0xFF) in _SQLITE_AWAY


def conflict_insert(conn, table):
    """An INSERT into ``table`` that can say what to do on a conflict
    (``on_conflict_do_nothing`` / ``_do_update``), for the backend of
    ``conn`` (a Connection or a Session)."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = getattr(conn, "dialect", None) or conn.get_bind().dialect
    return (postgresql if dialect.name == "postgresql" else sqlite).insert(table)


def upsert(conn, table, rows, keys):
    """INSERT ``rows``, each replacing the row with the same ``keys``, in one
    statement on either backend."""
    statement = conflict_insert(conn, table)
    statement = statement.on_conflict_do_update(
        index_elements=keys,
        set_={c.name: statement.excluded[c.name] for c in table.columns if c.name not in keys})
    conn.execute(statement, rows)
