"""The outbox and the consumers' record of handled events.

A service writes the events it raises to its ``outbox`` table in the same
transaction as the change that caused them; the relay publishes them after the
commit. A consumer writes each handled event id to ``processed_events`` in the
same transaction as its effect. Together: a crash anywhere loses nothing and
a redelivered event changes nothing.

Neither table grows for ever: ``purge`` (run by every service's retention
sweep) deletes published outbox rows and handled event ids older than the
retention window, which is longer than any redelivery can be late. It also
deletes the requests a service has carried out (shared/idempotency.py) once
they are past their own, shorter window.
"""
import json
import logging
import queue as std_queue
import time

from kombu import Connection, Producer
from nameko.standalone.events import get_event_exchange
from sqlalchemy import (JSON, Column, DateTime, Integer, MetaData, String, Table, bindparam,
                        delete, func, literal_column, select, update)

from shared import idempotency, metrics, topology
from shared.outages import unavailable

log = logging.getLogger(__name__)

FIRST_PAUSE = 0.5
MAX_PAUSE = 15.0


def messaging_tables(metadata: MetaData):
    """Add the outbox and processed-events tables to a service's metadata."""
    outbox = Table(
        "outbox", metadata,
        Column("seq", Integer, primary_key=True, autoincrement=True),
        Column("event_id", String(64), nullable=False, unique=True),
        Column("event_type", String(64), nullable=False),
        Column("envelope", JSON, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("published_at", DateTime(timezone=True), nullable=True, index=True),
    )
    processed = Table(
        "processed_events", metadata,
        Column("event_id", String(64), primary_key=True),
        Column("event_type", String(64), nullable=False),
        Column("handled_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )
    return outbox, processed


class OutboxRelay:
    """Publishes committed outbox rows to the broker, oldest first, with
    a transaction per batch (tx.commit returns once the broker has them all);
    marks a row published only after the broker has it.
    A crash between the two republishes the row, which consumers ignore."""

    def __init__(self, db, amqp_uri, exchange_config, poll_interval=0.5, batch=200):
        self.db = db
        self.amqp_uri = amqp_uri
        self.exchange_config = exchange_config
        self.poll_interval = poll_interval
        self.batch = batch
        self._wake = std_queue.Queue(maxsize=1)
        self._running = False
        self._connection = None
        self._producer = self._exchange = None
        self._pending = self._mark = None

    def wake(self):
        try:
            self._wake.put_nowait(True)
        except std_queue.Full:
            pass

    def stop(self):
        self._running = False
        self.wake()

    def run(self):
        """Until stopped; nothing that happens to the broker or the database
        ends it (it is a managed thread: its end would end the service).
        While either is away, it tries again after 0.5, 1, 2 ... 15 s."""
        self._running = True
        pause = None
        while self._running:
            try:
                self.publish_pending()
                pause = None
            except Exception as exc:
                pause = min(pause * 2, MAX_PAUSE) if pause else FIRST_PAUSE
                if unavailable(exc) is not None:
                    log.warning("outbox relay of %s: %r; trying again in %s s",
                                self.db.service, exc, pause)
                else:
                    log.exception("outbox relay of %s failed; trying again in %s s",
                                  self.db.service, pause)
                self._drop_connection()
                self._count_backlog()
                self._back_off(pause)
                continue
            try:
                self._wake.get(timeout=self.poll_interval)
            except std_queue.Empty:
                pass
        self._drop_connection()

    def _back_off(self, seconds):
        """Sleep, deaf to wake(): while the broker is away every commit
        would wake the relay for another futile try. A stop is heard."""
        deadline = time.monotonic() + seconds
        while self._running and time.monotonic() < deadline:
            time.sleep(min(0.2, deadline - time.monotonic()))

    def _drop_connection(self):
        if self._connection is not None:
            try:
                self._connection.release()
            except Exception:
                pass
            self._connection = None

    def _channel(self):
        """A transactional channel: a batch is published, then committed; when
        the commit returns the broker has every message of it (persisted, for
        durable queues), one round trip per batch rather than per message."""
        if self._connection is None:
            self._connection = Connection(self.amqp_uri)
            self._connection.ensure_connection(max_retries=0)  # run() has the backoff
            # every queue an event may be routed to exists before it is sent,
            # even after a broker that lost its definitions
            topology.declare(self._connection, self.exchange_config)
            self._tx_channel = self._connection.channel()
            self._tx_channel.tx_select()
            # one producer and exchange for the channel's life, not one per round
            self._producer = Producer(self._tx_channel)
            self._exchange = get_event_exchange(self.db.service, self.exchange_config)
        return self._tx_channel

    def _statements(self):
        """The relay's two statements, made once (SQLAlchemy takes longer to
        build a statement than to run a cached one)."""
        if self._pending is None:
            outbox = self.db.tables["outbox"]
            self._pending = (select(outbox.c.seq, outbox.c.event_type, outbox.c.envelope)
                             .where(outbox.c.published_at.is_(None))
                             .order_by(outbox.c.seq).limit(self.batch))
            self._mark = (update(outbox)
                          .where(outbox.c.seq.in_(bindparam("seqs", expanding=True)))
                          .values(published_at=func.now()))
        return self._pending, self._mark

    def publish_pending(self):
        """Publish every unpublished row; return how many were published.

        The backlog it leaves is none: a batch shorter than ``self.batch``
        was all there was, so neither another read nor a count is needed to
        know it (a row committed meanwhile has woken the relay, whose next
        round finds it)."""
        pending, mark = self._statements()
        published = 0
        while True:
            with self.db.connect() as conn:
                rows = conn.execute(pending).all()
            if not rows:
                break
            channel = self._channel()
            producer, exchange = self._producer, self._exchange
            done = []
            for seq, event_type, envelope in rows:
                if isinstance(envelope, str):
                    envelope = json.loads(envelope)
                producer.publish(
                    envelope, exchange=exchange, routing_key=event_type,
                    declare=[exchange], serializer="json", delivery_mode=2,
                    headers={"xianfeng.event_id": envelope["id"]})
                done.append(seq)
            channel.tx_commit()  # a failure leaves the rows unpublished: sent again
            with self.db.connect(write=True) as conn:
                conn.execute(mark, {"seqs": done})
            published += len(done)
            metrics.EVENTS_PUBLISHED.labels(self.db.service).inc(len(done))
            if len(rows) < self.batch:
                break
        metrics.OUTBOX_BACKLOG.labels(self.db.service).set(0)
        return published

    def _count_backlog(self):
        """While the relay cannot publish, the gauge says how many rows wait
        (it would otherwise keep the 0 of the last round that published
        all); nothing when the database is away as well."""
        try:
            self.update_backlog()
        except Exception as exc:
            log.debug("outbox relay of %s: cannot count the backlog: %r", self.db.service, exc)

    def update_backlog(self):
        outbox = self.db.tables["outbox"]
        with self.db.connect() as conn:
            backlog = conn.execute(select(func.count()).select_from(outbox)
                                   .where(outbox.c.published_at.is_(None))).scalar_one()
        metrics.OUTBOX_BACKLOG.labels(self.db.service).set(backlog)
        return backlog


RETENTION_BATCH = 5000


def retention_cutoff(dialect, days):
    """The moment ``days`` before now, by the database's clock (the clock that
    wrote ``published_at`` and ``handled_at``), in the form the column holds."""
    days = int(days)
    if dialect == "postgresql":
        return literal_column(f"now() - interval '{days} days'")
    # SQLite's CURRENT_TIMESTAMP, which wrote the rows, is UTC text
    return func.datetime("now", f"-{days} days")


def purge(db, days, batch=RETENTION_BATCH):
    """Delete published outbox rows and processed event ids older than
    ``days``, ``batch`` rows per statement (each its own short transaction,
    so no lock is held for long), until none is left. An unpublished outbox
    row is never deleted, however old. Returns the rows deleted per table."""
    outbox = db.tables["outbox"]
    processed = db.tables["processed_events"]
    cutoff = retention_cutoff(db.engine.dialect.name, days)
    old_outbox = (select(outbox.c.seq)
                  .where(outbox.c.published_at.is_not(None), outbox.c.published_at < cutoff)
                  .order_by(outbox.c.published_at).limit(batch))
    # processed_events has no index on handled_at (none is needed): the batch
    # is found by a scan that stops at the batch's last old row, and rows are
    # appended in handled_at order, so the old ones come first. Over 100,000
    # rows with none old the scan takes tens of ms, once an hour
    # (tools/bench_retention.py measures it on both backends).
    old_processed = (select(processed.c.event_id)
                     .where(processed.c.handled_at < cutoff).limit(batch))
    deleted = {"outbox": 0, "processed_events": 0}
    for name, table, key, old in (("outbox", outbox, outbox.c.seq, old_outbox),
                                  ("processed_events", processed, processed.c.event_id,
                                   old_processed)):
        while True:
            with db.connect(write=True) as conn:
                n = conn.execute(delete(table).where(key.in_(old))).rowcount
            deleted[name] += n
            if n < batch:
                break
    if idempotency.TABLE in db.tables:  # a service with commands: their keys, after a day
        deleted[idempotency.TABLE] = idempotency.purge(db, batch)
    return deleted
