"""gunicorn settings of the gateway: ``gunicorn -c python:gateway.gunicorn_conf``.

XF_GATEWAY_WORKERS processes (default: the machine's core count), so one
process's GIL does not cap the gateway; XF_GATEWAY_THREADS threads in each
(the command line's --threads, when given, wins).

Prometheus: each worker writes its samples to files in
PROMETHEUS_MULTIPROC_DIR and /metrics sums them (gateway/app.py), so the
figures are the gateway's whatever worker answers the scrape. The folder is
emptied when gunicorn starts: samples of an earlier run must not count.
prometheus_client chooses its mode when first imported, so the variable is
set here, in the master, before anything imports it.
"""
import os
import shutil
import tempfile
from pathlib import Path

if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="xf-gateway-metrics-")

# gunicorn reads every module-level name as a setting, and "config" is one
from shared.config import env as _env  # noqa: E402  (after the variable is set)

workers = int(_env("XF_GATEWAY_WORKERS", "") or os.cpu_count() or 1)
worker_class = "gthread"
threads = int(_env("XF_GATEWAY_THREADS", "8"))


def on_starting(_server):
    folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)


def child_exit(_server, worker):
    from prometheus_client import multiprocess
    multiprocess.mark_process_dead(worker.pid)
