"""What every service has: metrics, a health check over HTTP and over RPC."""
from nameko.rpc import rpc
from nameko.web.handlers import http
from werkzeug.wrappers import Response

from shared import metrics


class BaseService:
    instrumentation = metrics.Instrumentation()

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
