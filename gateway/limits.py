"""How much one request may ask of the gateway. Every figure comes from the
environment (the default in brackets):

    XF_QUERY_MAX_CHARS            query text of anything but the bulk mutations (10,000)
    XF_QUERY_MAX_FIELDS           fields of one operation, fragments spread (500)
    XF_QUERY_MAX_ALIASES          aliased fields of one operation (50)
    XF_QUERY_MAX_COST             cost of one operation, gateway/cost.py (200,000)
    XF_QUERY_EXPENSIVE_COST       from this cost on, a request is expensive (100,000)
    XF_MAX_EXPENSIVE_PER_SUBJECT  expensive requests of one token subject at once (2)
    XF_REQUEST_TIMEOUT            seconds a query may run before it is cancelled (30)

The defaults let the screens of the portals through (a bureau's tree with
its members' points costs about 81,000; GraphiQL's introspection 87,000)
and refuse, before anything runs, what took minutes: 500 aliases over the
tree, a query nested through fragments, pages of repeated selections. A
usual operation costs a few thousand.
"""
import threading
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass

from gateway.cost import CEILING
from gateway.hygiene import Problem
from shared import config


@dataclass(frozen=True)
class Limits:
    max_chars: int = 10_000
    max_fields: int = 500
    max_aliases: int = 50
    max_cost: int = 200_000
    expensive_cost: int = 100_000
    max_expensive_per_subject: int = 2
    request_timeout: float = 30.0

    @classmethod
    def from_env(cls):
        return cls(
            max_chars=config.env_int("XF_QUERY_MAX_CHARS", cls.max_chars),
            max_fields=config.env_int("XF_QUERY_MAX_FIELDS", cls.max_fields),
            max_aliases=config.env_int("XF_QUERY_MAX_ALIASES", cls.max_aliases),
            max_cost=config.env_int("XF_QUERY_MAX_COST", cls.max_cost),
            expensive_cost=config.env_int("XF_QUERY_EXPENSIVE_COST", cls.expensive_cost),
            max_expensive_per_subject=config.env_int("XF_MAX_EXPENSIVE_PER_SUBJECT",
                                                     cls.max_expensive_per_subject),
            request_timeout=config.env_float("XF_REQUEST_TIMEOUT", cls.request_timeout))


def over_limits(measures, limits):
    """Problems of a document whose operations (``{name: Measure}``, see
    gateway/cost.py) ask more than ``limits`` allow. Each operation is judged
    on its own: only one of them runs."""
    problems = []
    for name, found in measures.items():
        where = ("the query" if name is None else f"the {name}" if name.startswith("fragment ")
                 else f"the operation {name}")
        if found.fields > limits.max_fields:
            problems.append(Problem("query", f"{where} asks for {_count(found.fields)} fields "
                                             f"(fragments spread); at most {limits.max_fields:,}"))
        if found.aliases > limits.max_aliases:
            problems.append(Problem("query", f"{where} has {_count(found.aliases)} aliased "
                                             f"fields; at most {limits.max_aliases:,}"))
        if found.cost > limits.max_cost:
            problems.append(Problem(
                "query", f"{where} costs {_count(found.cost)} (each field once per item of "
                         f"the lists it is under); the limit is {limits.max_cost:,}: ask for "
                         "fewer fields, or for a smaller part of the tree at a time"))
    return problems


def fits(measures, limits):
    """Whether every operation's text, fragments spread, is within the field
    and alias bounds, whatever it costs."""
    return all(m.fields <= limits.max_fields and m.aliases <= limits.max_aliases
               for m in measures.values())


def _count(n):
    return f"more than {CEILING:,}" if n >= CEILING else f"{n:,}"


class ExpensiveRequests:
    """Expensive requests running at once, per token subject.

    The count is per gunicorn worker process, not shared: a worker's threads
    are what one subject's expensive requests would fill, and what the bound
    protects; a count shared between processes (a file lock, the broker)
    would add a round trip to every such request and could be left counting
    a request whose worker died. Across the gateway one subject may so run
    the bound times the worker processes (XF_GATEWAY_WORKERS, per pod)."""

    def __init__(self, bound):
        self.bound = bound
        self._running = Counter()
        self._lock = threading.Lock()

    @contextmanager
    def admit(self, subject):
        """Yields whether the request may run; counts it while it does."""
        with self._lock:
            admitted = self._running[subject] < self.bound
            if admitted:
                self._running[subject] += 1
        try:
            yield admitted
        finally:
            if admitted:
                with self._lock:
                    self._running[subject] -= 1
                    if not self._running[subject]:
                        del self._running[subject]
