"""The gateway's way to ask services: a pool of standalone nameko proxies.

A standalone proxy is not safe to share between threads, so each gunicorn
thread checks one out for the length of a request. A request that no service
picks up within the timeout expires in the broker, so it cannot run late,
after the user was told the service is unavailable.

While the broker is away a call answers UNAVAILABLE at once: a proxy makes
one attempt to connect and one to publish again on a fresh connection
(nameko's own retries would hold the request for up to 12 s), and a proxy
whose connection broke is discarded with every idle one (they were all
connected to the broker that went away). New proxies are made as calls
come, so the pool is whole again as soon as the broker is back."""
import logging
import queue
import socket
import threading
import time

from graphql import GraphQLError
from nameko.amqp.publish import Publisher
from nameko.exceptions import RemoteError, RpcTimeout, UnknownService
from nameko.rpc import MethodProxy, ServiceProxy
from nameko.standalone.rpc import (ClusterProxy, PollingQueueConsumer,
                                   SingleThreadedReplyListener, StandaloneProxyBase)

import shared.errors  # noqa: F401  (registers the error classes for deserialising)
from shared import config, metrics
from shared.errors import XianfengError
from shared.outages import BROKER_ERRORS

log = logging.getLogger(__name__)

# kombu's retry settings for connecting and for publishing: try, and once
# more on a fresh connection (the pooled one may be from before a restart)
ONE_MORE_TRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2,
                "interval_max": 0.2}


class _QuickPublisher(Publisher):
    transport_options = dict(ONE_MORE_TRY)
    retry_policy = dict(ONE_MORE_TRY)


class _MethodProxy(MethodProxy):
    publisher_cls = _QuickPublisher


class _ServiceProxy(ServiceProxy):
    def __getattr__(self, name):
        return _MethodProxy(self.worker_ctx, self.service_name, name, self.reply_listener,
                            **self.options)


class _ExpiringClusterProxy(ClusterProxy):
    def __init__(self, worker_ctx, reply_listener, **options):
        super().__init__(worker_ctx, reply_listener)
        self._options = options

    def __getattr__(self, name):
        if name not in self._proxies:
            self._proxies[name] = _ServiceProxy(
                self._worker_ctx, name, self._reply_listener, **self._options)
        return self._proxies[name]


class _ReplyConsumer(PollingQueueConsumer):
    """nameko's, but it connects in one attempt, and a connection lost while
    a reply is awaited is not made again: the reply is lost with it (the
    broker drops a reply queue when the connection that made it is gone),
    so the call fails now rather than at its timeout."""

    def _setup_consumer(self):
        self.connection.ensure_connection(max_retries=0)
        super()._setup_consumer()

    def get_message(self, correlation_id):
        try:
            while correlation_id not in self.replies:
                self.consumer.connection.drain_events(timeout=self.timeout)
        except socket.timeout:
            raise RpcTimeout(self.timeout) from None
        body, message = self.replies.pop(correlation_id)
        self.provider.handle_message(body, message)


class _ReplyListener(SingleThreadedReplyListener):
    def __init__(self, timeout=None):
        super().__init__(timeout=timeout)
        self.queue_consumer = _ReplyConsumer(timeout=timeout)


class _Proxy(StandaloneProxyBase):
    def __init__(self, amqp_uri, timeout):
        super().__init__({"AMQP_URI": amqp_uri, "serializer": "json"}, timeout=timeout,
                         reply_listener_cls=_ReplyListener)
        self._proxy = _ExpiringClusterProxy(self._worker_ctx, self._reply_listener,
                                            expiration=timeout)


class _StaleProxy(Exception):
    """A proxy taken from the pool met a dead connection."""


BROKER_AWAY = "the platform's message broker is not answering; try again in a minute"


def graphql_error(exc):
    extensions = {"code": exc.code}
    if exc.field:
        extensions["field"] = exc.field
    return GraphQLError(str(exc), extensions=extensions)


class KnownOrganizations:
    """Organisations this gateway process has fetched, kept across requests:
    an organisation is never changed once created (no rename, no move: its
    id, name, kind, parent and path are fixed), so what was fetched stays
    true. A city has about 7,000; past ``size`` the oldest half is let go.
    Each caller gets its own copy of the record."""

    def __init__(self, size=20000):
        self.size = size
        self._known = {}
        self._lock = threading.Lock()

    def get(self, org_id):
        org = self._known.get(org_id)
        return None if org is None else dict(org)

    def add(self, orgs):
        with self._lock:
            if len(self._known) + len(orgs) > self.size:
                for old in list(self._known)[:len(self._known) // 2 + len(orgs)]:
                    del self._known[old]
            for org in orgs:
                self._known[org["id"]] = dict(org)


class RpcPool:
    def __init__(self, amqp_uri=None, size=8, timeout=10.0):
        self.amqp_uri = amqp_uri or config.amqp_uri()
        self.timeout = timeout
        self._idle = queue.LifoQueue()
        self._size = size
        self._made = 0
        self._lock = threading.Lock()
        self._patient = {}
        self.known_orgs = KnownOrganizations()

    def patient(self, timeout):
        """A pool like this one whose calls wait up to ``timeout`` seconds:
        for work that is long by nature (an import of a year of records),
        which must not be reported UNAVAILABLE while it is being done."""
        if timeout <= self.timeout:
            return self
        with self._lock:
            pool = self._patient.get(timeout)
            if pool is None:
                pool = self._patient[timeout] = RpcPool(self.amqp_uri, self._size, timeout)
        return pool

    def _checkout(self, fresh=False):
        """(holder, proxy, whether it was used before): an idle one unless
        ``fresh``, else a new one while the pool has room."""
        if not fresh:
            try:
                return (*self._idle.get_nowait(), True)
            except queue.Empty:
                pass
        with self._lock:
            if self._made < self._size:
                self._made += 1
                make = True
            else:
                make = False
        if make:
            try:
                holder = _Proxy(self.amqp_uri, self.timeout)
                return holder, holder.start(), False
            except Exception:
                with self._lock:
                    self._made -= 1
                raise
        return (*self._idle.get(timeout=self.timeout), True)

    def _discard(self, holder):
        try:
            holder.stop()
        except Exception:
            pass
        with self._lock:
            self._made -= 1

    def call(self, service, method, *args, **kwargs):
        """Call ``service.method``; a service's own error becomes a GraphQL
        error with its code; no answer in time becomes UNAVAILABLE.

        After the broker came back, every idle proxy still holds a dead
        connection, and the first call of each process would meet one: such
        a call is made once more on a new proxy. That is safe for a mutation
        too, since its request key (shared/idempotency.py) makes a second
        delivery return the first answer."""
        try:
            return self._call(service, method, args, kwargs, fresh=False)
        except _StaleProxy:
            return self._call(service, method, args, kwargs, fresh=True)

    def _call(self, service, method, args, kwargs, fresh):
        started = time.perf_counter()
        outcome = "ok"
        try:
            try:
                holder, proxy, reused = self._checkout(fresh)
            except Exception as exc:
                log.warning("cannot reach the broker: %r", exc)
                outcome = "unavailable"
                self._discard_idle()
                raise GraphQLError(BROKER_AWAY, extensions={"code": "UNAVAILABLE"}) from None
            healthy = True
            try:
                return getattr(getattr(proxy, service), method)(*args, **kwargs)
            except XianfengError as exc:
                outcome = exc.code.lower()
                raise graphql_error(exc) from None
            except (RpcTimeout, UnknownService):
                outcome = "unavailable"
                healthy = False  # a late reply must not reach the next caller
                raise GraphQLError(f"the {service} service is not answering; "
                                   "try again in a minute",
                                   extensions={"code": "UNAVAILABLE"}) from None
            except BROKER_ERRORS as exc:
                outcome = "unavailable"
                healthy = False
                log.warning("RPC %s.%s: the broker connection failed: %r", service, method, exc)
                self._discard_idle()
                if reused:
                    raise _StaleProxy() from None
                raise GraphQLError(BROKER_AWAY, extensions={"code": "UNAVAILABLE"}) from None
            except RemoteError as exc:
                outcome = "error"
                log.error("%s.%s failed: %s", service, method, exc)
                raise GraphQLError("something went wrong inside the platform; it has been "
                                   "logged", extensions={"code": "INTERNAL"}) from None
            except Exception:
                outcome = "error"
                healthy = False
                log.exception("RPC %s.%s failed", service, method)
                raise GraphQLError(f"the {service} service could not be reached",
                                   extensions={"code": "UNAVAILABLE"}) from None
            finally:
                if healthy:
                    self._idle.put((holder, proxy))
                else:
                    self._discard(holder)
        finally:
            metrics.GATEWAY_RPC_LATENCY.labels(service, method, outcome).observe(
                time.perf_counter() - started)

    def _discard_idle(self):
        while True:
            try:
                holder, _ = self._idle.get_nowait()
            except queue.Empty:
                return
            self._discard(holder)

    def close(self):
        for pool in self._patient.values():
            pool.close()
        self._discard_idle()
