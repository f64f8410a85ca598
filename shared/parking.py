"""Parking the events of a bureau that has no valid rule set.

An event a consumer cannot apply because its bureau's rule set file has
never been read good (``shared.rules.NoValidRuleSet``) neither goes back on
its queue, where it would be tried again and again and hold the workers the
other bureaus' events need, nor to the dead letters, as it is not wrong. It
waits in a queue of its own, ``parked.<queue>.<bureau id>``: durable, with
no consumer and no time to live; a classic queue even with XF_QUORUM_QUEUES,
since the drain below deletes it only if empty, which quorum queues refuse. The service's database records which such
queues hold events (``parked_queues``), so that a restart forgets none, and
the service's ``RuleSetCheck`` moves them back to the consumer's queue once
the bureau's rule sets are valid again.

A message is published to its parking queue (with publisher confirms) before
it is acknowledged; one moved back is published to its queue before it is
taken from the parking queue. A crash in between leaves a copy in both, and
the consumers apply an event id once.
"""
import logging
import time

from amqp.exceptions import PreconditionFailed
from kombu import Connection, Producer
from sqlalchemy import Column, Float, MetaData, String, Table, delete, select

from shared import metrics
from shared.db import upsert

log = logging.getLogger(__name__)


def parked_queues_table(metadata: MetaData):
    return Table(
        "parked_queues", metadata,
        Column("queue", String(255), primary_key=True),
        Column("bureau_id", String(64), primary_key=True),
        Column("parked_at", Float, nullable=False),   # seconds since the epoch
    )


def parking_queue(queue_name, bureau_id):
    return f"parked.{queue_name}.{bureau_id}"


def lot_of(container):
    """The parking lot of the service ``container`` runs, if it has one."""
    for extension in container.dependencies:
        lot = getattr(extension, "parking_lot", None)
        if lot is not None:
            return lot
    return None


class ParkingLot:
    def __init__(self, db, amqp_uri):
        self.db = db
        self.table = db.tables["parked_queues"]
        self.amqp_uri = amqp_uri

    def _connection(self):
        return Connection(self.amqp_uri, transport_options={"confirm_publish": True})

    def park(self, queue_name, messages):
        """Publish ``[(bureau id, message)]``, delivered from ``queue_name``,
        to their bureaus' parking queues; the caller then acknowledges them."""
        bureaus = sorted({bureau_id for bureau_id, _ in messages})
        with self._connection() as conn:
            channel = conn.default_channel
            producer = Producer(channel)
            for bureau_id in bureaus:
                channel.queue_declare(queue=parking_queue(queue_name, bureau_id), durable=True,
                                      auto_delete=False)
            for bureau_id, message in messages:
                producer.publish(message.body, exchange="",
                                 routing_key=parking_queue(queue_name, bureau_id),
                                 content_type=message.content_type,
                                 content_encoding=message.content_encoding,
                                 headers=message.headers, delivery_mode=2)
        # stamped after the publish: a drain that emptied the queue before it
        # began earlier, and so keeps this record
        now = time.time()
        with self.db.connect(write=True) as conn:
            upsert(conn, self.table, [{"queue": queue_name, "bureau_id": b, "parked_at": now}
                                      for b in bureaus], ["queue", "bureau_id"])
        log.warning("parked %d events of %s for bureau %s until its rule sets are valid",
                    len(messages), queue_name, ", ".join(bureaus))

    def parked(self):
        """``[(queue, bureau id)]`` whose parking queues may hold events."""
        t = self.table
        with self.db.connect() as conn:
            return [tuple(r) for r in conn.execute(select(t.c.queue, t.c.bureau_id)
                                                   .order_by(t.c.queue, t.c.bureau_id))]

    def drain(self, queue_name, bureau_id):
        """Move every event parked for ``bureau_id`` back to ``queue_name``;
        how many. The parking queue and its record go once it is empty."""
        began = time.time()
        name = parking_queue(queue_name, bureau_id)
        moved = 0
        with self._connection() as conn:
            channel = conn.default_channel
            # a message published to a queue that does not exist is lost
            channel.queue_declare(queue=queue_name, passive=True)
            channel.queue_declare(queue=name, durable=True, auto_delete=False)
            producer = Producer(channel)
            while True:
                message = channel.basic_get(queue=name, no_ack=False)
                if message is None:
                    break
                props = message.properties
                producer.publish(message.body, exchange="", routing_key=queue_name,
                                 content_type=props.get("content_type"),
                                 content_encoding=props.get("content_encoding"),
                                 headers=props.get("application_headers") or {},
                                 delivery_mode=2)
                channel.basic_ack(message.delivery_tag)
                moved += 1
            try:
                channel.queue_delete(queue=name, if_empty=True)
            except PreconditionFailed:  # parked again meanwhile: kept for the next round
                return moved
        with self.db.connect(write=True) as conn:
            t = self.table
            conn.execute(delete(t).where(t.c.queue == queue_name, t.c.bureau_id == bureau_id,
                                         t.c.parked_at < began))
        if moved:
            log.warning("moved %d parked events of bureau %s back to %s", moved, bureau_id,
                        queue_name)
            metrics.EVENTS_UNPARKED.labels(self.db.service).inc(moved)
        return moved
