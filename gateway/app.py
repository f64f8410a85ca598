"""The gateway: a WSGI application for gunicorn (sync or gthread workers).

    POST /graphql   the contract (contract/core.graphql and the served sections of
                    contract/programme.graphql), JSON in and out; a mutation is
                    carried out once per Idempotency-Key (shared/idempotency.py)
    GET  /graphql   GraphiQL, for a person with a browser (gateway/web.py)
    GET  /          the console, in Chinese, for branch secretaries and bureau
                    offices (gateway/console/, served by gateway/web.py)
    GET  /healthz   the gateway is up
    GET  /readyz    every service answers over RPC (asked at most once a READY_FOR)
    GET  /reports/{kind}/{orgId}/{period}.xlsx   a report as a workbook (gateway/reports.py)

Prometheus' figures are not here: they name bureaus, and are served on a port
of their own by gunicorn's master process (gateway/gunicorn_conf.py).

Before a query runs, it is checked as text and measured (gateway/hygiene.py,
gateway/cost.py, gateway/limits.py): what carries a NUL, a lone surrogate or
a list too long, or asks more than the limits allow, is BAD_INPUT at once.

A request runs its query on an event loop of its own, so the resolvers of a
level wait side by side and their look-ups go out as one RPC (see
gateway/dataloader.py); the thread gunicorn gave the request stays its own.
"""
import asyncio
import functools
import json
import logging
import threading
import time
from contextlib import nullcontext
from inspect import isawaitable
from typing import NamedTuple

from graphene.validation import depth_limit_validator
from graphql import (DocumentNode, ExecutionResult, FieldNode, GraphQLError, OperationType,
                     execute, get_operation_ast, parse, specified_rules, validate)

from gateway import hygiene, lists, reports, web
from gateway.auth import Unauthenticated, principal_from_header
from gateway.cost import measure
from gateway.limits import ExpensiveRequests, Limits, fits, over_limits
from gateway.rpc import RpcPool
from gateway.schema import RequestContext, schema
from shared import config, idempotency, metrics
from shared.errors import XianfengError

log = logging.getLogger(__name__)

CONTRACT_CODES = {"BAD_INPUT", "NOT_FOUND", "FORBIDDEN", "CONFLICT", "UNAVAILABLE"}
MAX_BODY = 1 << 20
# A year of paper records or a roster (a file of up to 10 MB, base64) or 500 activities:
# only these mutations may send more than MAX_BODY, and their query text
# itself stays small.
MAX_BULK_BODY = 16 << 20
BULK_FIELDS = {"importActivities", "importRoster", "recordActivities"}
# Deep enough for any screen (city > bureau > committee > branch > group >
# members > points > entries is 9), shallow enough that one request cannot ask
# for the tree a hundred times over.
MAX_DEPTH = 15
# A flood of /readyz is answered from the last round of asking the services,
# not with an RPC to every service per request.
READY_FOR = 2.0



def _json(start_response, status, body, headers=()):
    try:
        data = json.dumps(body, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        # a lone surrogate that came back from somewhere: escaped, it is
        # still JSON, where raw it is not even UTF-8
        log.warning("an answer held a lone surrogate; sent escaped")
        data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json; charset=utf-8"),
                            ("Content-Length", str(len(data))), *headers])
    return [data]


def is_bulk(document, operation_name):
    """The operation to run is a mutation of the bulk fields only."""
    operation = get_operation_ast(document, operation_name)
    if operation is None or operation.operation != OperationType.MUTATION:
        return False
    return all(isinstance(s, FieldNode) and s.name.value in BULK_FIELDS
               for s in operation.selection_set.selections)


class Checked(NamedTuple):
    document: DocumentNode
    errors: tuple   # why it may not run: a bad literal, over a limit, invalid
    measures: dict  # {operation name: its cost and size}, gateway/cost.py
    reason: str = "invalid"  # of the errors, for xianfeng_gateway_refused_total


def _check(query, limits):
    document = parse(query)
    try:
        measures = measure(schema.graphql_schema, document)
        literal = hygiene.literal_problems(document)
        if literal:
            return Checked(document, tuple(hygiene.errors_of(literal)), measures, "text")
        problems = over_limits(measures, limits)
        # validating is the slow part of a text with thousands of fields
        # (fragments spread): only one of a bounded size is validated, and
        # then what is wrong with it (too deep, say) is said first
        if not fits(measures, limits):
            return Checked(document, tuple(hygiene.errors_of(problems)), measures, "limits")
        invalid = validate(schema.graphql_schema, document, (
            *specified_rules, depth_limit_validator(max_depth=MAX_DEPTH)))
    except RecursionError:
        return Checked(document, (GraphQLError(
            "the query is nested too deeply (fragments spreading fragments)",
            extensions={"code": "BAD_INPUT", "field": "query"}),), {}, "limits")
    if invalid:
        # graphene's depth rule reports each offending operation twice
        return Checked(document, tuple({e.message: e for e in invalid}.values()), measures)
    return Checked(document, tuple(hygiene.errors_of(problems)), measures, "limits")


_check_remembered = functools.lru_cache(maxsize=512)(_check)


def checked(query, limits):
    """The parsed query, why it may not run, and its cost. A portal sends the
    same few queries over and over, and parsing, measuring and validating cost
    more than executing a small one, so those of a usual size are remembered
    (the syntax tree is only read, never changed)."""
    return _check_remembered(query, limits) if len(query) <= 16384 else _check(query, limits)


async def _awaited(result, timeout):
    try:
        return await asyncio.wait_for(result, timeout)
    except asyncio.TimeoutError:
        log.warning("a query ran longer than %g s and was stopped", timeout)
        return ExecutionResult(None, [GraphQLError(
            f"the query ran longer than {timeout:g} s, the limit, and was stopped; ask for less "
            "at a time (fewer fields, a smaller part of the tree), or try again later",
            extensions={"code": "UNAVAILABLE"})])


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
    def __init__(self, rpc=None, secret=None, limits=None, clock=time.monotonic):
        self.rpc = rpc or RpcPool(size=int(config.env("XF_GATEWAY_THREADS", "8")),
                                  timeout=float(config.env("XF_RPC_TIMEOUT", "10")))
        self._secret = secret
        self.limits = limits or Limits.from_env()
        self.expensive = ExpensiveRequests(self.limits.max_expensive_per_subject)
        self.clock = clock
        self._readiness = None  # (when asked, status, states)
        self._asking = threading.Lock()

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
            label = path if path in ("/graphql", "/healthz", "/readyz") else \
                "/reports" if path.startswith(reports.PREFIX) else \
                "/console" if web.serves(path) else "other"
            metrics.HTTP_LATENCY.labels(label, method, status_holder.get("status", "500")) \
                .observe(time.perf_counter() - started)

    def route(self, path, method, environ, start_response):
        if path == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok\n"]
        if path == "/readyz":
            return self.ready(start_response)
        if path.startswith(reports.PREFIX):
            return reports.download(self, path, method, environ, start_response)
        if web.serves(path):
            return web.serve(path, method, environ, start_response)
        if path != "/graphql":
            return _json(start_response, "404 Not Found",
                         {"errors": [{"message": f"no such path {path}; use /graphql"}]})
        if method == "GET":
            return web.graphiql(environ, start_response)
        if method != "POST":
            return _json(start_response, "405 Method Not Allowed",
                         {"errors": [{"message": "use POST for queries and mutations"}]},
                         [("Allow", "GET, POST")])
        return self.graphql(environ, start_response)

    def ready(self, start_response):
        return _json(start_response, *self.readiness())

    def readiness(self):
        """(HTTP status, {service: "ok" or why not}), asked of the services
        at most once a READY_FOR per process; while one thread asks, the
        others answer what was found last."""
        last = self._readiness
        if last is not None and self.clock() - last[0] < READY_FOR:
            return last[1:]
        if not self._asking.acquire(blocking=last is None):
            return last[1:]
        try:
            last = self._readiness
            if last is not None and self.clock() - last[0] < READY_FOR:
                return last[1:]
            states = {}
            for service in config.SERVICES:
                try:
                    self.rpc.call(service, "health")
                    states[service] = "ok"
                except GraphQLError as exc:
                    states[service] = exc.message
            ok = all(v == "ok" for v in states.values())
            self._readiness = (self.clock(), "200 OK" if ok else "503 Service Unavailable",
                               states)
            return self._readiness[1:]
        finally:
            self._asking.release()

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
            # as json.loads decodes bytes, but keeping the text for hygiene
            text = raw.decode(json.detect_encoding(raw), "surrogatepass") if raw else "null"
            body = json.loads(text)
        except (ValueError, RecursionError):
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            return _json(start_response, "400 Bad Request", {"errors": [{
                "message": 'send a JSON body {"query": ..., "variables": ..., "operationName": ...}',
                "extensions": {"code": "BAD_INPUT"}}]})
        variables = body.get("variables") or {}
        if not isinstance(variables, dict):
            return _json(start_response, "400 Bad Request", {"errors": [{
                "message": "variables must be a JSON object", "extensions": {"code": "BAD_INPUT"}}]})
        operation_name = body.get("operationName") or None
        if not isinstance(operation_name, (str, type(None))):
            return _json(start_response, "400 Bad Request", {"errors": [{
                "message": "operationName must be a string", "extensions": {"code": "BAD_INPUT"}}]})
        problems = hygiene.text_problems(text, body)
        if problems:
            return self.refused(start_response, hygiene.errors_of(problems), "text")
        query = body["query"]
        if length > MAX_BODY and len(query) > MAX_BODY:
            return self.too_large(start_response, MAX_BODY)
        # only a bulk mutation may be long, and one that names none is not parsed
        if len(query) > self.limits.max_chars and not any(f in query for f in BULK_FIELDS):
            return self.refused(start_response, [self.too_long(query)], "limits")
        try:
            found = checked(query, self.limits)
        except GraphQLError as exc:
            return _json(start_response, "200 OK", {"errors": [format_error(exc)], "data": None})
        bulk = is_bulk(found.document, operation_name)
        if length > MAX_BODY and not bulk:
            return self.too_large(start_response, MAX_BODY)
        if len(query) > self.limits.max_chars and not bulk:
            return self.refused(start_response, [self.too_long(query)], "limits")
        if found.errors:
            return self.refused(start_response, found.errors, found.reason)
        operation = get_operation_ast(found.document, operation_name)
        if operation is not None:
            problems = hygiene.list_problems(schema.graphql_schema, found.document, operation,
                                             variables)
            if problems:
                return self.refused(start_response, hygiene.errors_of(problems), "lists")
        cost = found.measures.get(operation.name.value if operation and operation.name else None)
        expensive = cost is not None and cost.cost >= self.limits.expensive_cost
        with self.expensive.admit(principal.sub) if expensive else nullcontext(True) as admitted:
            if not admitted:
                return self.refused(start_response, [GraphQLError(
                    f"you have {self.limits.max_expensive_per_subject} expensive requests "
                    "running already; try again when one of them has answered",
                    extensions={"code": "UNAVAILABLE"})], "busy")
            result = self.execute(found.document, operation, variables, operation_name,
                                  principal, key)
        out = {}
        if result.errors:
            # a request refused whole (its variables) lists few of its problems
            errors = hygiene.at_most(result.errors) if result.data is None else result.errors
            out["errors"] = [format_error(e) for e in errors]
        out["data"] = result.data
        return _json(start_response, "200 OK", out)

    def execute(self, document, operation, variables, operation_name, principal, key=None):
        """A query is cancelled once it has run for the request timeout; a
        mutation is not, since it may have been committed by then: its RPCs
        have their own timeouts, and bulk work is long by nature."""
        is_query = operation is not None and operation.operation == OperationType.QUERY
        result = execute(schema.graphql_schema, document, variable_values=variables,
                         operation_name=operation_name,
                         context_value=RequestContext(principal, self.rpc, key),
                         max_coercion_errors=hygiene.MAX_COERCION_ERRORS,
                         execution_context_class=lists.ExecutionContext)
        if isawaitable(result):
            # a new loop per request: whatever a failed query leaves pending
            # is cancelled with it, never carried into the next request
            result = asyncio.run(_awaited(
                result, self.limits.request_timeout if is_query else None))
        return result

    @staticmethod
    def refused(start_response, errors, reason):
        """A request refused before it ran: at most MAX_PROBLEMS of its
        problems, then how many more."""
        metrics.GATEWAY_REFUSED.labels(reason).inc()
        return _json(start_response, "200 OK", {
            "errors": [format_error(e) for e in hygiene.at_most(errors)], "data": None})

    def too_long(self, query):
        return GraphQLError(
            f"the query is {len(query):,} characters long; at most {self.limits.max_chars:,} "
            f"(only {', '.join(sorted(BULK_FIELDS))} may send more)",
            extensions={"code": "BAD_INPUT", "field": "query"})

    @staticmethod
    def too_large(start_response, limit):
        return _json(start_response, "413 Payload Too Large", {"errors": [{
            "message": f"the request is larger than {limit >> 20} MB; only "
                       f"{', '.join(sorted(BULK_FIELDS))} may send up to "
                       f"{MAX_BULK_BODY >> 20} MB",
            "extensions": {"code": "BAD_INPUT"}}]})


application = Gateway()
