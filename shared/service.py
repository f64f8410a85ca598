"""What every service has: metrics, a health check over HTTP and over RPC,
and the retention sweep of its outbox and processed events."""
import gc

from kombu.mixins import ConsumerMixin
from nameko.extensions import DependencyProvider
from nameko.messaging import QueueConsumer
from nameko.rpc import rpc
from nameko.web.handlers import http
from werkzeug.wrappers import Response

from shared import metrics, outages  # noqa: F401  (outages: nameko made to outlive the broker)
from shared.config import env
from shared.outbox import purge
from shared.queue_gauge import QueueGauge
from shared.sweep import sweep
from shared.topology import Declaration

# How long published events and handled event ids are kept: longer than any
# redelivery can be late (a consumer down for a day, a dead letter replayed).
RETENTION_DAYS = int(env("XF_RETENTION_DAYS", "14"))
RETENTION_INTERVAL = float(env("XF_RETENTION_INTERVAL", "3600"))

# A nameko queue consumer notices a request to stop once per broker read
# timeout (kombu's default: a second), and a container needs two such rounds
# to stop, so every restart of a service waited 2 s. Reading with a tenth of
# a second's timeout costs nothing measurable while idle.
STOP_CHECK = 0.1


def _consume(self, limit=None, timeout=None, safety_interval=STOP_CHECK, **kwargs):
    return ConsumerMixin.consume(self, limit, timeout,
                                 safety_interval=min(safety_interval, STOP_CHECK), **kwargs)


QueueConsumer.consume = _consume


class FrozenHeap(DependencyProvider):
    """Once a service process has started (config key FREEZE_HEAP, set in
    config.yaml for ``nameko run``), what it made to start - modules,
    tables, rule sets, about a hundred thousand objects that live as long
    as it does - is set out of the garbage collector's way (gc.freeze): no
    full collection walks them again, nor does the interpreter's at exit,
    which took a service's stop 0.2-0.3 s of CPU. Not in a process that
    runs containers among other work (the integration tests): what is
    frozen is never collected."""

    def start(self):
        if self.container.config.get("FREEZE_HEAP"):
            gc.freeze()


class BaseService:
    instrumentation = metrics.Instrumentation()
    frozen_heap = FrozenHeap()
    event_topology = Declaration()  # before anything is published (shared/topology.py)
    queue_gauge = QueueGauge()  # its consumers' lag and dead letters, for the alerts

    @http("GET", "/metrics")
    def metrics_endpoint(self, request):
        body, content_type = metrics.exposition()
        return Response(body, content_type=content_type)

    @http("GET", "/healthz")
    def healthz(self, request):
        with self.db.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        return Response("ok\n", content_type="text/plain")

    @rpc
    def health(self):
        with self.db.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        return {"service": self.name, "status": "ok"}

    @sweep("retention", RETENTION_INTERVAL)
    def retention(self):
        """Published outbox rows and handled event ids past the window go,
        and the requests carried out (shared/idempotency.py) past theirs."""
        return purge(self.db, RETENTION_DAYS)
