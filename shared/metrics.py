"""Prometheus metrics of the gateway and the services, defined once.

Every service process exposes its own registry on its nameko HTTP port at
``/metrics``; the gateway's worker processes write theirs to files, which
gunicorn's master serves summed at ``/metrics`` on a port of its own
(gateway/gunicorn_conf.py), never on the public one.
"""
import time

from nameko.extensions import DependencyProvider
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

ENTRYPOINT_LATENCY = Histogram(
    "xianfeng_entrypoint_duration_seconds",
    "Time a service spends in one RPC call, event handler or timer run.",
    ["service", "entrypoint", "kind", "outcome"], buckets=LATENCY_BUCKETS)
EVENTS_HANDLED = Counter(
    "xianfeng_events_handled_total", "Events a consumer applied.",
    ["service", "type"])
EVENTS_DUPLICATE = Counter(
    "xianfeng_events_duplicate_total", "Redelivered events a consumer ignored.",
    ["service", "type"])
EVENTS_FAILED = Counter(
    "xianfeng_events_failed_total",
    "Events a consumer could not apply: 'dead_lettered' are set aside for a "
    "person, 'retried' go back on the queue, 'parked' wait for their bureau's "
    "rule set to be fixed.",
    ["service", "type", "outcome"])
EVENTS_UNPARKED = Counter(
    "xianfeng_events_unparked_total",
    "Parked events moved back to their queue once their bureau's rule sets were valid.",
    ["service"])
RULE_SET_ERRORS = Gauge(
    "xianfeng_rule_set_errors",
    "1 while the rule set file of a bureau (or the default) is broken; the last "
    "copy read good stays in force, and the log says which file and why.",
    ["kind", "bureau"])
EVENTS_PUBLISHED = Counter(
    "xianfeng_events_published_total", "Outbox rows the relay published.", ["service"])
OUTBOX_BACKLOG = Gauge(
    "xianfeng_outbox_backlog", "Outbox rows committed but not yet published.", ["service"])
HTTP_LATENCY = Histogram(
    "xianfeng_http_request_duration_seconds", "Gateway HTTP requests.",
    ["path", "method", "status"], buckets=LATENCY_BUCKETS)
GATEWAY_REFUSED = Counter(
    "xianfeng_gateway_refused_total",
    "Requests the gateway refused before running them: 'text' (a NUL or a lone "
    "surrogate), 'limits' (too long, too many fields or aliases, too costly), "
    "'invalid' (not valid against the schema), 'lists' (a list over its "
    "bound), 'busy' (too many expensive requests of one subject).",
    ["reason"])
GATEWAY_RPC_LATENCY = Histogram(
    "xianfeng_gateway_rpc_duration_seconds", "RPC calls made by the gateway.",
    ["service", "method", "outcome"], buckets=LATENCY_BUCKETS)
QUOTAS = Gauge(
    "xianfeng_quotas",
    "Quotas of the current month, quarter and year, and missed quotas of "
    "closed periods, by bureau and status.",
    ["bureau", "status"])

SWEEP_DURATION = Histogram(
    "xianfeng_sweep_duration_seconds",
    "Time one run of a periodic sweep took in the replica that ran it.",
    ["service", "sweep"], buckets=LATENCY_BUCKETS)
SWEEP_ROWS = Counter(
    "xianfeng_sweep_rows_total", "Rows a periodic sweep changed (e.g. deleted).",
    ["service", "sweep"])
SWEEP_LAST_SUCCESS = Gauge(
    "xianfeng_sweep_last_success_timestamp_seconds",
    "When a run of a periodic sweep last ended without error in this replica "
    "(seconds since the epoch); the newest over the replicas is when it last ran "
    "(supervision's 'auto_close' closes the periods that have ended).",
    ["service", "sweep"])
QUEUE_MESSAGES = Gauge(
    "xianfeng_queue_messages",
    "Messages waiting in a queue of this service's consumers, as the broker "
    "last counted them: 'consumer' (the consumer's queue: its lag) or "
    "'dead_letter' (its dead-letter queue: poison set aside for a person).",
    ["service", "queue", "kind"])


def exposition():
    return generate_latest(), CONTENT_TYPE_LATEST


class Instrumentation(DependencyProvider):
    """Times every entrypoint of the service it is declared on."""

    def __init__(self):
        self._started = {}

    def worker_setup(self, worker_ctx):
        self._started[worker_ctx.call_id] = time.perf_counter()

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        started = self._started.pop(worker_ctx.call_id, None)
        if started is None:
            return
        entrypoint = worker_ctx.entrypoint
        kind = type(entrypoint).__name__.lower()
        ENTRYPOINT_LATENCY.labels(
            worker_ctx.service_name, entrypoint.method_name, kind,
            "error" if exc_info else "ok",
        ).observe(time.perf_counter() - started)
