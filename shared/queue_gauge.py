"""How many messages wait in a service's queues, as a gauge for the alerts.

Every replica of a service counts, every ``XF_QUEUE_GAUGE_INTERVAL`` seconds
(30 by default), the messages in the queue of each of its event consumers
(its lag) and in that queue's dead-letter queue (poison set aside for a
person), with a passive declaration: it asks the broker for the count and
changes nothing. The replicas of a service report the same queues; the
alerts take the largest report (``max by (queue)``).

A queue the broker does not know (deleted by hand) is dropped from the gauge
until it exists again; while the broker is away the gauge keeps its last
counts and the log says so.
"""
import logging

import eventlet
from kombu import Connection
from nameko.extensions import DependencyProvider

from shared import metrics
from shared.config import env

log = logging.getLogger(__name__)

INTERVAL = float(env("XF_QUEUE_GAUGE_INTERVAL", "30"))


def queues_of(service):
    """[(queue name, kind)] of ``service``'s consumers, from the topology."""
    from shared.topology import consumers

    out = []
    for spec in consumers():
        if spec.service == service:
            out += [(spec.queue, "consumer"), (spec.dead_letter_queue, "dead_letter")]
    return out


def count(connection, service, queues):
    """Set the gauge of each of ``queues`` ([(name, kind)]) from the broker's
    count on the open ``connection``; return {name: messages} of those it knows."""
    counts = {}
    channel = connection.channel()
    try:
        for name, kind in queues:
            try:
                _, messages, _ = channel.queue_declare(queue=name, passive=True)
            except connection.channel_errors:  # NOT_FOUND: the broker closed the channel
                try:
                    metrics.QUEUE_MESSAGES.remove(service, name, kind)
                except KeyError:
                    pass
                channel = connection.channel()
                continue
            metrics.QUEUE_MESSAGES.labels(service, name, kind).set(messages)
            counts[name] = messages
    finally:
        channel.close()
    return counts


def _released(conn):
    if conn is not None:
        try:
            conn.release()
        except Exception:
            pass
    return None


class QueueGauge(DependencyProvider):
    """Counts the service's queues in a thread of its own while it runs."""

    def __init__(self, interval=None):
        self.interval = interval

    def start(self):
        self.container.spawn_managed_thread(self._watch, identifier="queue-gauge")

    def _watch(self):
        """One connection kept from round to round (not one opened and
        closed every 30 s in every replica, each in the broker's log); made
        again after a failure."""
        service = self.container.service_name
        queues = queues_of(service)
        conn = None
        try:
            while queues:
                try:
                    if conn is None:
                        conn = Connection(self.container.config["AMQP_URI"])
                        conn.ensure_connection(max_retries=1)
                    count(conn, service, queues)
                except Exception as exc:  # the broker is away: the next round
                    log.warning("counting the queues of %s failed: %r", service, exc)
                    conn = _released(conn)
                eventlet.sleep(self.interval if self.interval is not None else INTERVAL)
        finally:
            _released(conn)

    def get_dependency(self, worker_ctx):
        return None
