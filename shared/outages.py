"""How a service lives through its broker or its database going away.

nameko 2.14 assumes both are always there. A broker restart killed services
twice over: a worker whose RPC reply could not be published (ECONNREFUSED
after the publisher's three retries) raised out of ``RpcConsumer.
handle_result``, and a worker acknowledging a message on a connection the
broker had just reset raised out of ``QueueConsumer.ack_message`` (it
forgives the built-in ConnectionError only, not amqp's own). Any exception
there kills the container, and ``nameko run`` exits. A database that was
away reached the caller as the unexpected OperationalError, INTERNAL.

So, for every service (``shared.service`` imports this module, and every
service is a ``BaseService``):

- an RPC whose database or broker is away answers Unavailable (the
  contract's UNAVAILABLE), never INTERNAL;
- a reply that cannot be published is given up with a warning: the caller's
  wait ends in UNAVAILABLE, and the request's message is settled as usual;
- acknowledging, requeueing or rejecting a message the broker has already
  taken back (its connection is gone) does nothing: the broker delivers it
  again, and every handler is idempotent on the event id;
- the queue consumers reconnect with a backoff of 1, 2, 3, 4, 5, 5 ... s
  rather than kombu's 2, 4, 6 ... 30 s, so a service is back within seconds
  of its broker. The consumer threads themselves already survive: kombu's
  ConsumerMixin catches connection errors and reconnects.

They are patches of nameko's shared extensions rather than subclasses
because ``nameko.rpc.rpc`` and RpcProxy instantiate them as class attributes.
"""
import logging
from contextlib import contextmanager

from amqp.exceptions import ChannelError as AmqpChannelError
from amqp.exceptions import ConnectionError as AmqpConnectionError
from kombu.exceptions import KombuError
from nameko.messaging import QueueConsumer
from nameko.rpc import RpcConsumer

from shared.db import database_away
from shared.errors import Unavailable

log = logging.getLogger(__name__)

# Everything kombu and amqp raise when the broker is away, or the connection
# or channel a message came on is gone (socket errors are OSError).
BROKER_ERRORS = (AmqpConnectionError, AmqpChannelError, KombuError, OSError)

RECONNECT_BACKOFF = {"interval_start": 1, "interval_step": 1, "interval_max": 5}


def broker_away(exc):
    """The broker could not be reached, or dropped the connection. Not any
    OSError: a file that cannot be read is a fault of its own."""
    return isinstance(exc, (AmqpConnectionError, KombuError, ConnectionError, TimeoutError))


def unavailable(exc):
    """The Unavailable that stands for ``exc`` if ``exc`` means the database
    or the broker is away; else None."""
    if database_away(exc):
        return Unavailable("the service's database is not answering; try again in a minute")
    if broker_away(exc):
        return Unavailable("the platform's message broker is not answering; try again "
                           "in a minute")
    return None


def settle(message, outcome):
    """``ack``, ``requeue`` or ``reject`` (to the dead letters) a message,
    unless the broker has it back already: its connection is gone, so it
    will be delivered again, whatever we would have said."""
    if not message.channel or not message.channel.connection:
        return False
    try:
        if outcome == "ack":
            message.ack()
        elif outcome == "requeue":
            message.requeue()
        else:
            message.reject(requeue=False)
        return True
    except BROKER_ERRORS as exc:
        log.warning("could not %s a message (the broker will deliver it again): %r",
                    outcome, exc)
        return False


def _ack_message(self, message):
    settle(message, "ack")


def _requeue_message(self, message):
    settle(message, "requeue")


@contextmanager
def _establish_connection(self):
    """kombu's, with a shorter backoff (see the module's docstring)."""
    with self.create_connection() as conn:
        conn.ensure_connection(self.on_connection_error, self.connect_max_retries,
                               **RECONNECT_BACKOFF)
        yield conn


_nameko_handle_result = RpcConsumer.handle_result


def _rpc_handle_result(self, message, result, exc_info):
    if exc_info is not None:
        stand_in = unavailable(exc_info[1])
        if stand_in is not None:
            exc_info = (Unavailable, stand_in, exc_info[2])
    try:
        return _nameko_handle_result(self, message, result, exc_info)
    except BROKER_ERRORS as exc:
        routing_key = message.delivery_info.get("routing_key", "?")
        log.warning("could not reply to %s: the broker is away (%r); the caller's wait "
                    "ends in UNAVAILABLE", routing_key, exc)
        self.queue_consumer.ack_message(message)
        return result, exc_info


def install():
    QueueConsumer.ack_message = _ack_message
    QueueConsumer.requeue_message = _requeue_message
    QueueConsumer.establish_connection = _establish_connection
    RpcConsumer.handle_result = _rpc_handle_result


install()
