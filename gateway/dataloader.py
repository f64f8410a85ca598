"""Batching of look-ups across a query: one RPC per level, not per node.

graphql-core resolves the fields of a level as coroutines side by side. A
resolver that needs something asks a ``DataLoader`` for it and awaits; the
``Batcher`` waits until the event loop has nothing else to run (every
resolver of the level is waiting), then hands each loader all the keys
asked for so far, in one call. The batch functions block (a standalone RPC
proxy): that is one call per batch, and the request's loop has nothing else
to do meanwhile.

A loader keeps what it fetched for the length of a request, so asking twice
for the same key costs nothing; ``prime`` adds what another call returned
(the children of an organisation are organisations too).
"""
import asyncio

# After this many turns of the loop with other work still ready, dispatch
# anyway, so that a loop that never goes idle cannot starve the loaders.
_PATIENCE = 10_000


class DataLoader:
    def __init__(self, batcher, batch):
        """``batch(keys)`` returns a list aligned with ``keys``: each value,
        or an exception to raise for that key alone."""
        self._batcher = batcher
        self._batch = batch
        self._cache = {}
        self._pending = []

    def load(self, key):
        future = self._cache.get(key)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._cache[key] = future
            self._pending.append((key, future))
            self._batcher.schedule()
        return future

    async def load_many(self, keys):
        return await asyncio.gather(*(self.load(k) for k in keys))

    def prime(self, key, value):
        if key not in self._cache:
            future = asyncio.get_running_loop().create_future()
            future.set_result(value)
            self._cache[key] = future

    def dispatch(self):
        pending, self._pending = self._pending, []
        if not pending:
            return
        try:
            values = self._batch([key for key, _ in pending])
            if len(values) != len(pending):
                raise RuntimeError(f"a batch of {len(pending)} keys answered {len(values)} values")
        except Exception as exc:  # every key of the batch shares the failure
            values = [exc] * len(pending)
        for (key, future), value in zip(pending, values):
            if future.done():
                continue
            if isinstance(value, BaseException):
                future.set_exception(value)
                # the same key asked again later is asked again, not failed from cache
                del self._cache[key]
            else:
                future.set_result(value)


class Batcher:
    """The loaders of one request, dispatched together when the loop idles."""

    def __init__(self):
        self._loaders = []
        self._scheduled = False
        self._turns = 0

    def loader(self, batch):
        loader = DataLoader(self, batch)
        self._loaders.append(loader)
        return loader

    def schedule(self):
        if not self._scheduled:
            self._scheduled = True
            self._turns = 0
            asyncio.get_running_loop().call_soon(self._tick)

    def _tick(self):
        loop = asyncio.get_running_loop()
        # BaseEventLoop keeps the callbacks ready to run in ``_ready``; while
        # there are any, some resolver may still ask for more keys.
        ready = getattr(loop, "_ready", None)
        if ready and self._turns < _PATIENCE:
            self._turns += 1
            loop.call_soon(self._tick)
            return
        self._scheduled = False
        for loader in self._loaders:
            loader.dispatch()
