"""The one periodic job: a sweep runs on a timer in every replica of a
service, but its body runs in one replica at a time.

    class SomeService(BaseService):
        @sweep("retention", interval=3600)
        def retention(self):
            ...            # returns how many rows it changed (or None)

On PostgreSQL the replica that takes a session-level advisory lock, keyed by
service and sweep name, on a connection of its own runs the body; the others
skip the round. The lock is released when the body ends, however it ends (and
by the server if the process dies). The body must be safe to run twice in a
row (by two replicas one after the other): a sweep says what should hold, not
what to do once. On SQLite, one file has one host, and the body just runs.

Each run that does work records its duration and the rows it changed
(``xianfeng_sweep_duration_seconds``, ``xianfeng_sweep_rows_total``) and
when it ended (``xianfeng_sweep_last_success_timestamp_seconds``: an alert
notices a sweep that stopped running, e.g. the periods' close); the
timer's own time is in ``xianfeng_entrypoint_duration_seconds`` as for every
entrypoint.
"""
import functools
import logging
import time
from contextlib import contextmanager

from nameko.timer import timer
from sqlalchemy import text

from shared import metrics
from shared.db import database_away

log = logging.getLogger(__name__)


def lock_key(service, name):
    return f"xianfeng-sweep-{service}-{name}"


@contextmanager
def exclusive(db, key):
    """Yield True if this process may run the job named ``key`` now: always
    on SQLite; on PostgreSQL when it holds the advisory lock on ``key``."""
    if db.engine.dialect.name != "postgresql":
        yield True
        return
    with db.engine.connect() as conn:
        got = conn.execute(text("SELECT pg_try_advisory_lock(hashtextextended(:k, 0))"),
                           {"k": key}).scalar()
        conn.commit()  # the lock is the session's; no transaction stays open
        if not got:
            yield False
            return
        try:
            yield True
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(hashtextextended(:k, 0))"),
                         {"k": key})
            conn.commit()


def run_sweep(service, name, db, body):
    """Run ``body()`` under the sweep's lock; return what it returned, or
    None when another replica holds the lock or the database is away (the
    next round does the work: a sweep says what should hold)."""
    try:
        return _run_sweep(service, name, db, body)
    except Exception as exc:
        if not database_away(exc):
            raise
        log.warning("sweep %s of %s: the database is away (%r); the next round will "
                    "try again", name, service, exc)
        return None


def _run_sweep(service, name, db, body):
    with exclusive(db, lock_key(service, name)) as mine:
        if not mine:
            log.debug("sweep %s of %s: another replica is running it", name, service)
            return None
        started = time.perf_counter()
        rows = body()
        metrics.SWEEP_DURATION.labels(service, name).observe(time.perf_counter() - started)
        changed = sum(rows.values()) if isinstance(rows, dict) else (rows or 0)
        metrics.SWEEP_ROWS.labels(service, name).inc(changed)
        metrics.SWEEP_LAST_SUCCESS.labels(service, name).set(time.time())
        if changed:
            log.info("sweep %s of %s changed %s rows", name, service, rows)
        return rows


def sweep(name, interval, eager=False):
    """Declare a service method a sweep named ``name`` that runs every
    ``interval`` seconds (with ``eager``, also as the service starts); the
    service must have a ``db`` (``shared.db.Database``)."""
    def decorate(method):
        @functools.wraps(method)
        def entrypoint(self):
            return run_sweep(self.name, name, self.db, lambda: method(self))
        return timer(interval=interval, eager=eager)(entrypoint)
    return decorate
