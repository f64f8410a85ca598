"""Consuming events: reliably, idempotently, and with poison set aside.

``event_consumer`` is nameko's ``event_handler`` with two changes: its queue
dead-letters to ``xianfeng.dead-letter`` (each queue has a ``dlq.<queue>``
beside it; shared/topology.py defines both), and a message that can never be
handled, whether it cannot be decoded, is not a valid envelope, or is
rejected by the domain, is set aside in that queue with the reason why
(``dead_letter``) instead of blocking or vanishing. A transient failure (the
database is away) puts the message back after a pause. An event of a bureau
that has no valid rule set waits in that bureau's parking queue
(shared/parking.py), so that the other bureaus' events go on.

``consume`` applies one envelope inside a unit of work that also records the
event id, so a redelivered event changes nothing.

``batch_consumer`` is the same for events that come in floods (an import of
a year's records): while a batch is being applied, the messages that arrive
wait, and the next batch takes them all (up to ``max_batch``) into one unit
of work (``consume_batch``). One event alone is handled at once, as before;
a flood costs one transaction per batch, not per event. A batch that fails
is applied again one event at a time, so one bad event never holds back the
others.
"""
import logging
import threading
import time
from functools import partial

from kombu import Connection, Producer
from nameko.events import EventHandler
from nameko.exceptions import ContainerBeingKilled
from nameko.messaging import QueueConsumer
from sqlalchemy.exc import IntegrityError

from shared import metrics, parking
from shared.db import database_away, is_duplicate
from shared.errors import PoisonMessage, Unavailable
from shared.events import Envelope
from shared.outages import broker_away, settle
from shared.rules import NoValidRuleSet
from shared.topology import DEAD_LETTER_EXCHANGE, consumer_queue, dead_letter_queue

log = logging.getLogger(__name__)

RETRY_PAUSE = 1.0
# Messages a consumer may hold unacknowledged: enough for a batch to gather
# while the one before it is applied.
PREFETCH = 200


# What a dead letter carries besides the message: why it was set aside, and
# where it came from (read by tools/dlq.py, which puts it back).
REASON_HEADER = "x-xianfeng-reason"
QUEUE_HEADER = "x-xianfeng-queue"
EXCHANGE_HEADER = "x-xianfeng-exchange"
ROUTING_KEY_HEADER = "x-xianfeng-routing-key"
MAX_REASON = 2000


def reason_of(exc):
    return f"{type(exc).__name__}: {exc}"[:MAX_REASON]


def is_transient(exc):
    """Worth retrying: the database, the broker or a peer is away. Not every
    OperationalError: on SQLite it is also a mistake in a statement (see
    ``database_away``). A broken rule set is not: its bureau's events are
    parked (shared/parking.py) so that the other bureaus' go on."""
    if isinstance(exc, Unavailable):
        return True
    return database_away(exc) or broker_away(exc)


class _DeadLetteringQueueConsumer(QueueConsumer):
    def __init__(self):
        super().__init__()
        # one dead letter at a time: each waits for its own confirm
        self._dead_letter_lock = threading.Lock()
        self._dead_letter_connection = None

    @property
    def prefetch_count(self):
        return max(self.container.max_workers, PREFETCH)

    def get_consumers(self, consumer_cls, channel):
        consumers = super().get_consumers(consumer_cls, channel)
        for provider, consumer in self._consumers.items():
            consumer.on_decode_error = partial(self._on_decode_error, provider.queue.name)
        return consumers

    def _on_decode_error(self, queue, message, exc):
        routing_key = message.delivery_info.get("routing_key", "?")
        log.error("dead-lettering an undecodable %s message: %s", routing_key, exc)
        metrics.EVENTS_FAILED.labels(self.container.service_name, routing_key,
                                     "dead_lettered").inc()
        self.dead_letter(message, queue, f"undecodable: {reason_of(exc)}")

    def dead_letter(self, message, queue, reason):
        """Set ``message`` aside in ``dlq.<queue>`` with ``reason``: a copy is
        published there, confirmed by the broker, and only then is the
        message acked, so a crash between the two leaves it in both places
        (a replay of a handled event changes nothing), never in neither.
        RabbitMQ's own dead-lettering (the fallback when the copy cannot be
        made) says only "rejected"."""
        if not message.channel or not message.channel.connection:
            return  # the broker has already taken the message back
        headers = {**(message.headers or {}), REASON_HEADER: reason, QUEUE_HEADER: queue,
                   EXCHANGE_HEADER: message.delivery_info.get("exchange", ""),
                   ROUTING_KEY_HEADER: message.delivery_info.get("routing_key", "")}
        try:
            with self._dead_letter_lock:
                producer = self._dead_letter_producer()
                producer.publish(
                    message.body, exchange=DEAD_LETTER_EXCHANGE, routing_key=queue,
                    declare=[dead_letter_queue(queue)],
                    content_type=message.content_type or "application/octet-stream",
                    content_encoding=message.content_encoding or "binary", headers=headers,
                    delivery_mode=2, retry=False)
        except Exception:
            log.exception("could not set a message of %s aside with its reason; "
                          "rejecting it into the dead-letter queue without", queue)
            self._drop_dead_letter_connection()
            settle(message, "reject")
            return
        settle(message, "ack")

    def _dead_letter_producer(self):
        if self._dead_letter_connection is None:
            self._dead_letter_connection = Connection(
                self.amqp_uri, transport_options={"confirm_publish": True})
            self._dead_letter_connection.ensure_connection(max_retries=1)
        return Producer(self._dead_letter_connection.default_channel)

    def _drop_dead_letter_connection(self):
        connection, self._dead_letter_connection = self._dead_letter_connection, None
        if connection is not None:
            try:
                connection.release()
            except Exception:
                pass

    def stop(self):
        super().stop()
        self._drop_dead_letter_connection()

    def kill(self):
        super().kill()
        self._drop_dead_letter_connection()


class EventConsumer(EventHandler):
    queue_consumer = _DeadLetteringQueueConsumer()

    def setup(self):
        super().setup()
        self.queue = consumer_queue(self.source_service, self.event_type,
                                    self.container.service_name, self.method_name,
                                    self.container.config)
        with Connection(self.container.config["AMQP_URI"]) as conn:
            dead_letter_queue(self.queue.name)(conn.default_channel).declare()

    def handle_message_processed(self, message, result=None, exc_info=None):
        # settle: a message whose connection the broker reset is already back
        # in its queue, and acknowledging it must not kill the service
        if exc_info is None:
            settle(message, "ack")
        elif isinstance(exc_info[1], NoValidRuleSet):
            self.park([(exc_info[1].bureau_id, message)])
        elif is_transient(exc_info[1]):
            time.sleep(RETRY_PAUSE)
            settle(message, "requeue")
        else:
            self.queue_consumer.dead_letter(message, self.queue.name, reason_of(exc_info[1]))

    def park(self, messages):
        """Put ``[(bureau id, message)]`` in their bureaus' parking queues; if
        this service has none or the broker is away, back on the queue."""
        lot = parking.lot_of(self.container)
        try:
            if lot is None:
                raise RuntimeError(f"{self.container.service_name} has no parking queues")
            lot.park(self.queue.name, messages)
        except Exception:
            log.exception("cannot park %d events of %s; they go back on the queue",
                          len(messages), self.queue.name)
            time.sleep(RETRY_PAUSE)
            for _, message in messages:
                settle(message, "requeue")
            return
        for _, message in messages:
            settle(message, "ack")


event_consumer = EventConsumer.decorator

ACK, REJECT, REQUEUE, PARK = "ack", "reject", "requeue", "park"


class Rejection(str):
    """A ``REJECT`` outcome that says why the event was set aside."""

    def __new__(cls, reason):
        outcome = super().__new__(cls, REJECT)
        outcome.reason = reason
        return outcome


class BatchEventConsumer(EventConsumer):
    """An event consumer whose method receives a list of message bodies and
    returns an outcome for each (``ACK``, ``REJECT`` to dead-letter, or a
    ``Rejection`` that says why, ``REQUEUE`` to try again after a pause,
    ``PARK`` for a bureau with no valid rule set): see ``consume_batch``."""

    def __init__(self, source_service, event_type, max_batch=100, concurrency=2, **kwargs):
        super().__init__(source_service, event_type, **kwargs)
        self.max_batch = max_batch
        self.concurrency = concurrency
        self._waiting = []
        self._in_flight = 0

    def handle_message(self, body, message):
        self._waiting.append((body, message))
        self._dispatch()

    def _dispatch(self):
        while self._waiting and self._in_flight < self.concurrency:
            batch = self._waiting[:self.max_batch]
            self._waiting = self._waiting[self.max_batch:]
            messages = [m for _, m in batch]
            self._in_flight += 1
            try:
                self.container.spawn_worker(
                    self, ([b for b, _ in batch],), {},
                    context_data=self.unpack_message_headers(messages[0]),
                    handle_result=partial(self._batch_done, messages))
            except ContainerBeingKilled:
                self._in_flight -= 1
                for message in messages:
                    self.queue_consumer.requeue_message(message)

    def _batch_done(self, messages, worker_ctx, result=None, exc_info=None):
        self._in_flight -= 1
        try:
            if exc_info is not None:  # consume_batch decides each; this is a bug's way out
                outcomes = [REQUEUE if is_transient(exc_info[1])
                            else Rejection(reason_of(exc_info[1]))] * len(messages)
            else:
                outcomes = result
            to_park = [(m.payload.get("bureau_id"), m)
                       for m, outcome in zip(messages, outcomes) if outcome == PARK]
            if to_park:
                self.park(to_park)
            if REQUEUE in outcomes:
                time.sleep(RETRY_PAUSE)
            for message, outcome in zip(messages, outcomes):
                if outcome == PARK or not message.channel or not message.channel.connection:
                    continue  # parked, or the broker has already taken it back
                if outcome == ACK:
                    settle(message, "ack")
                elif outcome == REQUEUE:
                    settle(message, "requeue")
                else:
                    self.queue_consumer.dead_letter(message, self.queue.name, getattr(
                        outcome, "reason", "rejected by the consumer"))
        finally:
            self._dispatch()
        return result, exc_info


batch_consumer = BatchEventConsumer.decorator


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
    except NoValidRuleSet as exc:  # the loader has logged which file and why
        log.warning("parking %s %s: bureau %s has no valid %s rule set", event_type,
                    envelope.id, exc.bureau_id, exc.kind)
        metrics.EVENTS_FAILED.labels(service, event_type, "parked").inc()
        raise
    except Exception as exc:
        outcome = "retried" if is_transient(exc) else "dead_lettered"
        log.exception("%s %s %s", outcome, event_type, envelope.id)
        metrics.EVENTS_FAILED.labels(service, event_type, outcome).inc()
        raise
    metrics.EVENTS_HANDLED.labels(service, event_type).inc()
    return True


def consume_batch(db, bodies, event_type, effect, effect_many=None):
    """Apply a batch of events in one unit of work, each once per event id:
    ``effect_many(uow, envelopes)`` (default: ``effect`` on each in turn).
    Returns an outcome per body. Undecodable bodies are rejected; the events
    of a bureau with no valid rule set are parked and the batch applied
    without them; if the batch fails otherwise, each event is applied alone
    with ``consume``."""
    service = db.service
    outcomes = [ACK] * len(bodies)
    envelopes = []
    for i, body in enumerate(bodies):
        try:
            envelopes.append((i, Envelope.from_dict(body, expect_type=event_type)))
        except PoisonMessage as exc:
            log.error("dead-lettering a %s message: %s", event_type, exc)
            metrics.EVENTS_FAILED.labels(service, event_type, "dead_lettered").inc()
            outcomes[i] = Rejection(reason_of(exc))
    if not envelopes:
        return outcomes
    try:
        todo = _apply_or_park(db, envelopes, outcomes, event_type, effect, effect_many)
    except Exception as exc:
        if is_transient(exc) and not is_duplicate(exc):
            log.warning("retrying %d %s events: %s", len(envelopes), event_type, exc)
            metrics.EVENTS_FAILED.labels(service, event_type, "retried").inc(len(envelopes))
            return [REQUEUE if o == ACK else o for o in outcomes]
        for i, envelope in envelopes:
            outcomes[i] = _consume_alone(db, bodies[i], event_type, effect)
        return outcomes
    metrics.EVENTS_HANDLED.labels(service, event_type).inc(len(todo))
    if len(envelopes) > len(todo):
        metrics.EVENTS_DUPLICATE.labels(service, event_type).inc(len(envelopes) - len(todo))
    return outcomes


def _apply_or_park(db, envelopes, outcomes, event_type, effect, effect_many):
    """Apply ``[(i, envelope)]`` in one unit of work; the events new to it.
    The events of a bureau with no valid rule set are marked PARK in
    ``outcomes`` and taken out of ``envelopes``, and the rest applied again."""
    while envelopes:
        try:
            with db.uow() as uow:
                todo = uow.first_times([e for _, e in envelopes])
                if effect_many is not None:
                    effect_many(uow, todo)
                else:
                    for envelope in todo:
                        effect(uow, envelope)
                return todo
        except NoValidRuleSet as exc:
            parked = [i for i, e in envelopes if e.bureau_id == exc.bureau_id]
            if not parked:
                raise
            log.warning("parking %d %s events: bureau %s has no valid %s rule set",
                        len(parked), event_type, exc.bureau_id, exc.kind)
            metrics.EVENTS_FAILED.labels(db.service, event_type, "parked").inc(len(parked))
            for i in parked:
                outcomes[i] = PARK
            envelopes[:] = [(i, e) for i, e in envelopes if outcomes[i] != PARK]
    return []


def _consume_alone(db, body, event_type, effect):
    try:
        consume(db, body, event_type, effect)
    except NoValidRuleSet:
        return PARK
    except Exception as exc:
        return REQUEUE if is_transient(exc) else Rejection(reason_of(exc))
    return ACK
