"""The baseline of the gateway's request rate: a bare WSGI app that answers
"hello" under gunicorn with the gateway's worker settings
(gateway/gunicorn_conf.py), driven by the same client threads."""
import os
import subprocess
import sys
import time

import requests

from shared.config import REPO_ROOT
from tools.bench_common import drive, percentile


def hello(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "6")])
    return [b"hello\n"]


class HelloApp:
    def __init__(self, port, log_path):
        self.port = port
        self.log_path = log_path
        self.proc = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/"

    def __enter__(self):
        workers = os.environ.get("XF_GATEWAY_WORKERS") or str(os.cpu_count() or 1)
        threads = os.environ.get("XF_GATEWAY_THREADS") or "8"
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [os.path.join(os.path.dirname(sys.executable), "gunicorn"), "--worker-class",
             "gthread", "--workers", workers, "--threads", threads, "--bind",
             f"127.0.0.1:{self.port}", "tools.bench_http:hello"],
            cwd=REPO_ROOT, env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)),
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(self.url, timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.__exit__()
                raise RuntimeError(f"the hello app did not start; see {self.log_path}")
            time.sleep(0.2)

    def __exit__(self, *exc):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def rate(self, threads=8, seconds=3.0):
        """(req/s, p95 seconds)"""
        per_second, latencies, errors = drive(
            lambda s: s.get(self.url, timeout=10).raise_for_status(), threads, seconds)
        if errors:
            raise RuntimeError(f"{len(errors)} hello requests failed: {errors[0]}")
        return per_second, percentile(latencies, 95)
