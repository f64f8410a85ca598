"""The event topology: every events exchange, every consumer's queue with
its binding, and every dead-letter queue, declared whole by every service.

The broker drops an event published to an exchange no queue is bound to. If
each consumer declared only its own queue as it started, every event raised
before a consumer's first start would be lost for good (the outbox marks it
published all the same). So every service declares all of it: as it starts,
and before its outbox relay publishes on a new connection. An event then
waits in its queue for a consumer that starts later.

The consumers are not listed by hand: they are read from the services'
own declarations (the ``event_consumer`` and ``batch_consumer`` entrypoints
of every ``services/<name>/service.py``), and ``EventConsumer`` builds its
queue with ``consumer_queue`` below, so the queue declared here and the one
the consumer declares have the same arguments (RabbitMQ refuses a second
declaration that differs: PRECONDITION_FAILED).

Queues made on demand (a bureau's parking queue) are not part of this
static topology; they are declared where they are made.

With ``XF_QUORUM_QUEUES=1`` every queue here (the consumers' and their
dead-letter queues) is a quorum queue, replicated on a majority of a
RabbitMQ cluster's nodes, and the broker dead-letters at least once (it
keeps a message until the dead-letter queue has confirmed it). Without it
they are classic queues, declared with exactly the arguments they always
had. ``queue_arguments`` builds both; the README's "Quorum queues" says
which queues stay classic and why, and how an installation switches.
"""
import functools
import importlib
import inspect
import logging
import pkgutil
from dataclasses import dataclass

from kombu import Connection, Exchange, Queue
from nameko.events import SERVICE_POOL
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR, DependencyProvider
from nameko.standalone.events import get_event_exchange

from shared import config as xf_config
from shared.events import CATALOGUE

log = logging.getLogger(__name__)

DEAD_LETTER_EXCHANGE = Exchange("xianfeng.dead-letter", type="direct", durable=True)
DEAD_LETTER_PREFIX = "dlq."


def queue_name(source_service, event_type, service, method):
    """nameko's name for a pooled event handler's queue."""
    return f"evt-{source_service}-{event_type}--{service}.{method}"


def queue_arguments(dead_letter_key=None, quorum=None):
    """The arguments of a durable event queue: a quorum queue if ``quorum``
    (default: ``XF_QUORUM_QUEUES``), and, given ``dead_letter_key``, one
    that dead-letters into ``xianfeng.dead-letter`` under that key.

    A quorum queue dead-letters at least once only if it also rejects
    publishes beyond its length limit (there is none here, so nothing is
    ever rejected for it); otherwise a message the broker dead-letters while
    the dead-letter queue's majority is away would be lost. No delivery
    limit is set: a consumer puts a message back after a pause for as long
    as its database is away (RabbitMQ 4 sets 20 by default; the README says
    what that does)."""
    quorum = xf_config.quorum_queues() if quorum is None else quorum
    arguments = {"x-queue-type": "quorum"} if quorum else {}
    if dead_letter_key is not None:
        arguments.update({"x-dead-letter-exchange": DEAD_LETTER_EXCHANGE.name,
                          "x-dead-letter-routing-key": dead_letter_key})
        if quorum:
            arguments.update({"x-dead-letter-strategy": "at-least-once",
                              "x-overflow": "reject-publish"})
    return arguments


def dead_letter_queue(name, quorum=None):
    """The queue beside ``name`` where its poison waits for an operator."""
    return Queue(DEAD_LETTER_PREFIX + name, exchange=DEAD_LETTER_EXCHANGE, routing_key=name,
                 durable=True, auto_delete=False, exclusive=False,
                 queue_arguments=queue_arguments(quorum=quorum))


def consumer_queue(source_service, event_type, service, method, config=None, quorum=None):
    """A consumer's queue, bound to its source's events exchange, dead-lettering
    into ``dlq.<queue>``: the one definition both the consumer and the
    topology declare."""
    name = queue_name(source_service, event_type, service, method)
    return Queue(name, exchange=get_event_exchange(source_service, config or {}),
                 routing_key=event_type, durable=True, auto_delete=False, exclusive=False,
                 queue_arguments=queue_arguments(dead_letter_key=name, quorum=quorum))


@dataclass(frozen=True, order=True)
class ConsumerSpec:
    """One event consumer of one service, as its entrypoint declares it."""
    service: str
    method: str
    source: str
    event_type: str

    @property
    def queue(self):
        return queue_name(self.source, self.event_type, self.service, self.method)

    @property
    def dead_letter_queue(self):
        return DEAD_LETTER_PREFIX + self.queue


def service_classes(package="services"):
    """The nameko service class of every ``<package>/<name>/service.py``."""
    root = importlib.import_module(package)
    classes = []
    for info in sorted(pkgutil.iter_modules(root.__path__), key=lambda i: i.name):
        if not info.ispkg:
            continue
        try:
            module = importlib.import_module(f"{package}.{info.name}.service")
        except ModuleNotFoundError as exc:
            if exc.name == f"{package}.{info.name}.service":
                continue  # a package that is not a service
            raise
        classes.extend(cls for _, cls in inspect.getmembers(module, inspect.isclass)
                       if cls.__module__ == module.__name__ and isinstance(
                           getattr(cls, "name", None), str))
    return classes


def consumers_of(cls):
    """The event consumers a service class declares."""
    from shared.consumer import EventConsumer

    found = []
    for method, function in inspect.getmembers(cls, inspect.isfunction):
        for entrypoint in getattr(function, ENTRYPOINT_EXTENSIONS_ATTR, ()):
            if not isinstance(entrypoint, EventConsumer):
                continue
            if entrypoint.handler_type is not SERVICE_POOL:
                raise ValueError(f"{cls.__name__}.{method}: only pooled event consumers "
                                 "have a queue that outlives them")
            found.append(ConsumerSpec(cls.name, method, entrypoint.source_service,
                                      entrypoint.event_type))
    return found


@functools.lru_cache(maxsize=None)
def consumers():
    """Every event consumer of every service, sorted."""
    return tuple(sorted(c for cls in service_classes() for c in consumers_of(cls)))


def event_sources():
    """Every service that raises events: each has an exchange."""
    return sorted({t.source for t in CATALOGUE.values()} | {c.source for c in consumers()})


def entities(config=None, quorum=None):
    """What the topology declares, in order: the exchanges, then each
    consumer's queue (with its binding) and its dead-letter queue."""
    config = config or {}
    quorum = xf_config.quorum_queues() if quorum is None else quorum
    out = [DEAD_LETTER_EXCHANGE] + [get_event_exchange(s, config) for s in event_sources()]
    for c in consumers():
        out.append(consumer_queue(c.source, c.event_type, c.service, c.method, config, quorum))
        out.append(dead_letter_queue(c.queue, quorum))
    return out


def declare(connection, config=None):
    """Declare the whole topology on an open ``kombu.Connection``. An entity
    the broker refuses (a queue made by an older build with other arguments:
    PRECONDITION_FAILED) is logged and passed over: it exists, so it still
    receives its events, and its consumer reports the quarrel as it starts;
    it must not stop every other event from being published."""
    channel = connection.channel()
    try:
        for entity in entities(config):
            try:
                entity(channel).declare()
            except connection.channel_errors as exc:
                log.error("the broker refused to declare %s %s: %s",
                          type(entity).__name__.lower(), entity.name, exc)
                channel = connection.channel()  # the broker closed the other
    finally:
        channel.close()


class Declaration(DependencyProvider):
    """Declares the topology as the service starts (before any extension
    starts, so before the outbox relay). A broker that is away then does not
    stop the start: the relay declares it again before it publishes."""

    def setup(self):
        config = self.container.config
        try:
            with Connection(config["AMQP_URI"]) as conn:
                conn.ensure_connection(max_retries=3)
                declare(conn, config)
        except Exception as exc:  # the relay declares it before it publishes
            log.warning("could not declare the event topology at start: %s", exc)

    def get_dependency(self, worker_ctx):
        return None
