"""The cyclic garbage collector, held while a long answer is built.

A city-year ``compliance`` (336,000 quota results) or a city's report makes
millions of objects that all live until the answer is sent. The collector
counts them as they come and runs its collections again and again over the
growing heap: measured on supervision's city-year compliance (60,000
members, tools/bench_member_quotas.py's tables), more than half of the
read's time. ``paused()`` holds the collector while such an answer is built.
Reference counting still frees everything that is not a cycle at once; the
collector runs again as usual when the last pause ends, so cyclic garbage
made meanwhile waits only that long. Pauses may overlap (green threads of
one service, threads of one process): the collector is held from the first
until the last has ended, and left as it was found (a process that disabled
it itself keeps it disabled)."""
import gc
import threading
from contextlib import contextmanager

_lock = threading.Lock()
_held = 0
_was_enabled = False


@contextmanager
def paused():
    global _held, _was_enabled
    with _lock:
        if _held == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _held += 1
    try:
        yield
    finally:
        with _lock:
            _held -= 1
            if _held == 0 and _was_enabled:
                gc.enable()


def held():
    """How many pauses are open (for tests)."""
    return _held
