"""The gateway's way to ask services: a pool of standalone nameko proxies.

A standalone proxy is not safe to share between threads, so each gunicorn
thread checks one out for the length of a request. A request that no service
picks up within the timeout expires in the broker, so it cannot run late,
after the user was told the service is unavailable."""
import logging
import queue
import threading
import time

from graphql import GraphQLError
from nameko.exceptions import RemoteError, RpcTimeout, UnknownService
from nameko.rpc import ServiceProxy
from nameko.standalone.rpc import ClusterProxy, StandaloneProxyBase

import shared.errors  # noqa: F401  (registers the error classes for deserialising)
from shared import config, metrics
from shared.errors import XianfengError

log = logging.getLogger(__name__)


class _ExpiringClusterProxy(ClusterProxy):
    def __init__(self, worker_ctx, reply_listener, **options):
        super().__init__(worker_ctx, reply_listener)
        self._options = options

    def __getattr__(self, name):
        if name not in self._proxies:
            self._proxies[name] = ServiceProxy(
                self._worker_ctx, name, self._reply_listener, **self._options)
        return self._proxies[name]


class _Proxy(StandaloneProxyBase):
    def __init__(self, amqp_uri, timeout):
        super().__init__({"AMQP_URI": amqp_uri, "serializer": "json"}, timeout=timeout)
        self._proxy = _ExpiringClusterProxy(self._worker_ctx, self._reply_listener,
                                            expiration=timeout)


def graphql_error(exc):
    extensions = {"code": exc.code}
    if exc.field:
        extensions["field"] = exc.field
    return GraphQLError(str(exc), extensions=extensions)


class RpcPool:
    def __init__(self, amqp_uri=None, size=8, timeout=10.0):
        self.amqp_uri = amqp_uri or config.amqp_uri()
        self.timeout = timeout
        self._idle = queue.LifoQueue()
        self._size = size
        self._made = 0
        self._lock = threading.Lock()
        self._patient = {}

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

    def _checkout(self):
        try:
            return self._idle.get_nowait()
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
                return holder, holder.start()
            except Exception:
                with self._lock:
                    self._made -= 1
                raise
        return self._idle.get(timeout=self.timeout)

    def _discard(self, holder):
        try:
            holder.stop()
        except Exception:
            pass
        with self._lock:
            self._made -= 1

    def call(self, service, method, *args, **kwargs):
        """Call ``service.method``; a service's own error becomes a GraphQL
        error with its code; no answer in time becomes UNAVAILABLE."""
        started = time.perf_counter()
        outcome = "ok"
        try:
            try:
                holder, proxy = self._checkout()
            except Exception as exc:
                log.warning("cannot reach the broker: %s", exc)
                outcome = "unavailable"
                raise GraphQLError("the platform's message broker is not answering; "
                                   "try again in a minute",
                                   extensions={"code": "UNAVAILABLE"}) from None
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

    def close(self):
        for pool in self._patient.values():
            pool.close()
        while True:
            try:
                holder, _ = self._idle.get_nowait()
            except queue.Empty:
                return
            self._discard(holder)
