"""gunicorn settings of the gateway: ``gunicorn -c python:gateway.gunicorn_conf``.

XF_GATEWAY_WORKERS processes (default: the machine's core count), so one
process's GIL does not cap the gateway; XF_GATEWAY_THREADS threads in each
(the command line's --threads, when given, wins).

Prometheus: each worker writes its samples to files in
PROMETHEUS_MULTIPROC_DIR, and the master process serves their sum at
/metrics on a port of its own (XF_METRICS_PORT on XF_METRICS_HOST, default
127.0.0.1:8099), never on the public port: the figures name bureaus. The
folder is emptied when gunicorn starts: samples of an earlier run must not
count. prometheus_client chooses its mode when first imported, so the
variable is set here, in the master, before anything imports it.
"""
import gc
import os
import shutil
import tempfile
from pathlib import Path

if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="xf-gateway-metrics-")

# gunicorn reads every module-level name as a setting, and "config" is one
from shared.config import env as _env  # noqa: E402  (after the variable is set)
from shared.config import gateway_metrics_address as _metrics_address  # noqa: E402

workers = int(_env("XF_GATEWAY_WORKERS", "") or os.cpu_count() or 1)
worker_class = "gthread"
threads = int(_env("XF_GATEWAY_THREADS", "8"))
# The application (the schema, most of the start's work) is imported once,
# in the master, and the workers are forked from it: a start costs 0.4 s of
# CPU instead of 0.85 s with two workers, and a worker that dies is back at
# once. Nothing the import makes is tied to a process: the RPC pool connects
# on first use, and prometheus_client opens a worker's files when it sees
# the new process id (the master's, made before on_starting empties the
# folder, are gone with it).
preload_app = True


def on_starting(_server):
    folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)


def when_ready(server):
    """Once, in the master, before the workers start: the metrics server, a
    thread that reads every worker's samples at each scrape, so it goes on
    counting while workers come and go. Then the application imported
    (preload_app) is set out of the garbage collector's way (gc.freeze), as
    a service's start-up heap is (shared/service.py): the workers' full
    collections, and their exits, no longer walk it."""
    from prometheus_client import CollectorRegistry, multiprocess, start_http_server
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    host, port = _metrics_address()
    start_http_server(port, addr=host, registry=registry)
    server.log.info("Prometheus metrics at http://%s:%s/metrics", host, port)
    gc.freeze()


def child_exit(_server, worker):
    from prometheus_client import multiprocess
    multiprocess.mark_process_dead(worker.pid)
