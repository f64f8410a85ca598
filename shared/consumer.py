"""Consuming events: reliably, idempotently, and with poison set aside.

``event_consumer`` is nameko's ``event_handler`` with two changes: its queue
dead-letters to ``xianfeng.dead-letter`` (each queue has a ``dlq.<queue>``
beside it), and a message that can never be handled, whether it cannot be
decoded, is not a valid envelope, or is rejected by the domain, is rejected
into that queue instead of blocking or vanishing. A transient failure (the
database is away) puts the message back after a pause.

``consume`` applies one envelope inside a unit of work that also records the
event id, so a redelivered event changes nothing.
"""
import logging
import time

from kombu import Connection, Exchange, Queue
from nameko.events import EventHandler
from nameko.messaging import QueueConsumer
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from shared import metrics
from shared.db import is_duplicate
from shared.errors import PoisonMessage, Unavailable
from shared.events import Envelope
from shared.rules import RuleSetError

log = logging.getLogger(__name__)

DEAD_LETTER_EXCHANGE = Exchange("xianfeng.dead-letter", type="direct", durable=True)
RETRY_PAUSE = 1.0


def dead_letter_queue(queue_name):
    return Queue(f"dlq.{queue_name}", exchange=DEAD_LETTER_EXCHANGE,
                 routing_key=queue_name, durable=True)


def is_transient(exc):
    """Worth retrying: the database or a peer is away, or a rule set file is
    broken (an operator fixes it, and the waiting events then apply)."""
    if isinstance(exc, (OperationalError, Unavailable, RuleSetError)):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


class _DeadLetteringQueueConsumer(QueueConsumer):
    def get_consumers(self, consumer_cls, channel):
        consumers = super().get_consumers(consumer_cls, channel)
        for consumer in consumers:
            consumer.on_decode_error = self._on_decode_error
        return consumers

    def _on_decode_error(self, message, exc):
        routing_key = message.delivery_info.get("routing_key", "?")
        log.error("dead-lettering an undecodable %s message: %s", routing_key, exc)
        metrics.EVENTS_FAILED.labels(self.container.service_name, routing_key,
                                     "dead_lettered").inc()
        message.reject(requeue=False)


class EventConsumer(EventHandler):
    queue_consumer = _DeadLetteringQueueConsumer()

    def setup(self):
        super().setup()
        base = self.queue
        self.queue = Queue(
            base.name, exchange=base.exchange, routing_key=base.routing_key,
            durable=True, auto_delete=base.auto_delete, exclusive=base.exclusive,
            queue_arguments={"x-dead-letter-exchange": DEAD_LETTER_EXCHANGE.name,
                             "x-dead-letter-routing-key": base.name})
        with Connection(self.container.config["AMQP_URI"]) as conn:
            dead_letter_queue(base.name)(conn.default_channel).declare()

    def handle_message_processed(self, message, result=None, exc_info=None):
        if not message.channel.connection:
            return  # the broker has already taken the message back
        if exc_info is None:
            message.ack()
        elif is_transient(exc_info[1]):
            time.sleep(RETRY_PAUSE)
            message.requeue()
        else:
            message.reject(requeue=False)


event_consumer = EventConsumer.decorator


def consume(db, body, event_type, effect):
    """Apply ``effect(uow, envelope)`` once per event id."""
    service = db.service
    try:
        envelope = Envelope.from_dict(body, expect_type=event_type)
    except PoisonMessage as exc:
        log.error("dead-lettering a %s message: %s", event_type, exc)
        metrics.EVENTS_FAILED.labels(service, event_type, "dead_lettered").inc()
        raise
    try:
        with db.uow() as uow:
            if not uow.first_time(envelope):
                metrics.EVENTS_DUPLICATE.labels(service, event_type).inc()
                return False
            effect(uow, envelope)
    except IntegrityError as exc:
        if is_duplicate(exc):  # a replica handled it between our check and commit
            metrics.EVENTS_DUPLICATE.labels(service, event_type).inc()
            return False
        log.exception("dead-lettering %s %s", event_type, envelope.id)
        metrics.EVENTS_FAILED.labels(service, event_type, "dead_lettered").inc()
        raise
    except Exception as exc:
        outcome = "retried" if is_transient(exc) else "dead_lettered"
        log.exception("%s %s %s", outcome, event_type, envelope.id)
        metrics.EVENTS_FAILED.labels(service, event_type, outcome).inc()
        raise
    metrics.EVENTS_HANDLED.labels(service, event_type).inc()
    return True
