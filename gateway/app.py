"""The gateway: a WSGI application for gunicorn (sync or gthread workers).

    POST /graphql   the contract (contract/core.graphql and the section "bulk" of
                    contract/programme.graphql), JSON in and out; a mutation is
                    carried out once per Idempotency-Key (shared/idempotency.py)
    GET  /graphql   GraphiQL, for a person with a browser
    GET  /healthz   the gateway is up
    GET  /readyz    every service answers over RPC
    GET  /metrics   Prometheus, summed over every gunicorn worker process

A request runs its query on an event loop of its own, so the resolvers of a
level wait side by side and their look-ups go out as one RPC (see
gateway/dataloader.py); the thread gunicorn gave the request stays its own.
"""
import asyncio
import functools
import json
import logging
import os
import time
from inspect import isawaitable

from graphene.validation import depth_limit_validator
from graphql import (FieldNode, GraphQLError, OperationType, execute, get_operation_ast, parse,
                     specified_rules, validate)
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client import multiprocess

from gateway.auth import Unauthenticated, principal_from_header
from gateway.rpc import RpcPool
from gateway.schema import RequestContext, schema
from shared import config, idempotency, metrics
from shared.errors import XianfengError

log = logging.getLogger(__name__)

CONTRACT_CODES = {"BAD_INPUT", "NOT_FOUND", "FORBIDDEN", "CONFLICT", "UNAVAILABLE"}
MAX_BODY = 1 << 20
# A year of paper records (a file of up to 10 MB, base64) or 500 activities:
# only these mutations may send more than MAX_BODY, and their query text
# itself stays small.
MAX_BULK_BODY = 16 << 20
BULK_FIELDS = {"importActivities", "recordActivities"}
# Deep enough for any screen (city > bureau > committee > branch > group >
# members > points > entries is 9), shallow enough that one request cannot ask
# for the tree a hundred times over.
MAX_DEPTH = 15

GRAPHIQL = """<!doctype html>
<html><head><meta charset="utf-8"><title>Xianfeng GraphQL</title>
<link rel="stylesheet" href="https://unpkg.com/graphiql@3/graphiql.min.css"></head>
<body style="margin:0"><div id="graphiql" style="height:100vh"></div>
<script src="https://unpkg.com/react@18/umd/react.production.min.js"></script>
<script src="https://unpkg.com/react-dom@18/umd/react-dom.production.min.js"></script>
<script src="https://unpkg.com/graphiql@3/graphiql.min.js"></script>
<script>
const fetcher = GraphiQL.createFetcher({url: window.location.pathname});
ReactDOM.createRoot(document.getElementById('graphiql')).render(
  React.createElement(GraphiQL, {fetcher, defaultEditorToolsVisibility: 'headers',
    defaultHeaders: '{"Authorization": "Bearer <token printed by make run>"}'}));
</script></body></html>"""


def _json(start_response, status, body, headers=()):
    data = json.dumps(body, ensure_ascii=False).encode()
    start_response(status, [("Content-Type", "application/json; charset=utf-8"),
                            ("Content-Length", str(len(data))), *headers])
    return [data]


def metrics_exposition():
    """Under gunicorn (gateway/gunicorn_conf.py) every worker process writes
    its samples to PROMETHEUS_MULTIPROC_DIR; /metrics, whichever worker
    answers it, reads them all."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return metrics.exposition()


def is_bulk(document, operation_name):
    """The operation to run is a mutation of the bulk fields only."""
    operation = get_operation_ast(document, operation_name)
    if operation is None or operation.operation != OperationType.MUTATION:
        return False
    return all(isinstance(s, FieldNode) and s.name.value in BULK_FIELDS
               for s in operation.selection_set.selections)


def _check(query):
    document = parse(query)
    return document, tuple(validate(schema.graphql_schema, document, (
        *specified_rules, depth_limit_validator(max_depth=MAX_DEPTH))))


_check_remembered = functools.lru_cache(maxsize=512)(_check)


def checked(query):
    """The parsed query and its validation errors. A portal sends the same
    few queries over and over, and parsing and validating cost more than
    executing a small one, so those of a usual size are remembered (the
    syntax tree is only read, never changed)."""
    return _check_remembered(query) if len(query) <= 16384 else _check(query)


async def _awaited(result):
    return await result


def format_error(error):
    out = error.formatted
    extensions = dict(out.get("extensions") or {})
    if extensions.get("code") is None:
        # The query itself was wrong (syntax, unknown field, wrong variable
        # type): the caller's input, not the platform.
        original = getattr(error, "original_error", None)
        if original is not None and not isinstance(original, GraphQLError):
            log.error("unexpected error in a resolver", exc_info=original)
            extensions["code"] = "INTERNAL"
            out["message"] = "something went wrong inside the platform; it has been logged"
        else:
            extensions["code"] = "BAD_INPUT"
    out["extensions"] = extensions
    return out


class Gateway:
    def __init__(self, rpc=None, secret=None):
        self.rpc = rpc or RpcPool(size=int(config.env("XF_GATEWAY_THREADS", "8")),
                                  timeout=float(config.env("XF_RPC_TIMEOUT", "10")))
        self._secret = secret

    @property
    def secret(self):
        if self._secret is None:
            self._secret = config.auth_secret()
        return self._secret

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        status_holder = {}

        def recording_start(status, headers, exc_info=None):
            status_holder["status"] = status.split(" ", 1)[0]
            return start_response(status, headers, exc_info)

        try:
            return self.route(path, method, environ, recording_start)
        finally:
            label = path if path in ("/graphql", "/healthz", "/readyz", "/metrics") else "other"
            metrics.HTTP_LATENCY.labels(label, method, status_holder.get("status", "500")) \
                .observe(time.perf_counter() - started)

    def route(self, path, method, environ, start_response):
        if path == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok\n"]
        if path == "/readyz":
            return self.ready(start_response)
        if path == "/metrics":
            body, content_type = metrics_exposition()
            start_response("200 OK", [("Content-Type", content_type)])
            return [body]
        if path != "/graphql":
            return _json(start_response, "404 Not Found",
                         {"errors": [{"message": f"no such path {path}; use /graphql"}]})
        if method == "GET":
            data = GRAPHIQL.encode()
            start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                      ("Content-Length", str(len(data)))])
            return [data]
        if method != "POST":
            return _json(start_response, "405 Method Not Allowed",
                         {"errors": [{"message": "use POST for queries and mutations"}]},
                         [("Allow", "GET, POST")])
        return self.graphql(environ, start_response)

    def ready(self, start_response):
        states = {}
        for service in config.SERVICES:
            try:
                self.rpc.call(service, "health")
                states[service] = "ok"
            except GraphQLError as exc:
                states[service] = exc.message
        ok = all(v == "ok" for v in states.values())
        return _json(start_response, "200 OK" if ok else "503 Service Unavailable", states)

    def graphql(self, environ, start_response):
        try:
            principal = principal_from_header(environ.get("HTTP_AUTHORIZATION"), self.secret)
        except Unauthenticated as exc:
            return _json(start_response, "401 Unauthorized",
                         {"errors": [{"message": str(exc),
                                      "extensions": {"code": "UNAUTHENTICATED"}}]},
                         [("WWW-Authenticate", 'Bearer realm="xianfeng"')])
        try:
            key = idempotency.client_key(environ.get("HTTP_IDEMPOTENCY_KEY"))
        except XianfengError as exc:
            return _json(start_response, "400 Bad Request", {"errors": [{
                "message": str(exc), "extensions": {"code": exc.code, "field": exc.field}}]})
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_BULK_BODY:
            return self.too_large(start_response, MAX_BULK_BODY)
        raw = environ["wsgi.input"].read(length) if length else b""
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            return _json(start_response, "400 Bad Request", {"errors": [{
                "message": 'send a JSON body {"query": ..., "variables": ..., "operationName": ...}',
                "extensions": {"code": "BAD_INPUT"}}]})
        variables = body.get("variables") or {}
        if not isinstance(variables, dict):
            return _json(start_response, "400 Bad Request", {"errors": [{
                "message": "variables must be a JSON object", "extensions": {"code": "BAD_INPUT"}}]})
        if length > MAX_BODY and len(body["query"]) > MAX_BODY:
            return self.too_large(start_response, MAX_BODY)
        try:
            document, invalid = checked(body["query"])
        except GraphQLError as exc:
            return _json(start_response, "200 OK", {"errors": [format_error(exc)], "data": None})
        if length > MAX_BODY and not is_bulk(document, body.get("operationName")):
            return self.too_large(start_response, MAX_BODY)
        if invalid:
            # graphene's depth rule reports each offending operation twice
            unique = list({e.message: e for e in invalid}.values())
            return _json(start_response, "200 OK",
                         {"errors": [format_error(e) for e in unique], "data": None})
        result = execute(schema.graphql_schema, document, variable_values=variables,
                         operation_name=body.get("operationName"),
                         context_value=RequestContext(principal, self.rpc, key))
        if isawaitable(result):
            # a new loop per request: whatever a failed query leaves pending
            # is cancelled with it, never carried into the next request
            result = asyncio.run(_awaited(result))
        out = {}
        if result.errors:
            out["errors"] = [format_error(e) for e in result.errors]
        out["data"] = result.data
        return _json(start_response, "200 OK", out)

    @staticmethod
    def too_large(start_response, limit):
        return _json(start_response, "413 Payload Too Large", {"errors": [{
            "message": f"the request is larger than {limit >> 20} MB; only importActivities "
                       f"and recordActivities may send up to {MAX_BULK_BODY >> 20} MB",
            "extensions": {"code": "BAD_INPUT"}}]})


application = Gateway()
