"""Commands carried out once however often they are sent: the contract's
Idempotency-Key (contract/programme.graphql, "Retries").

The gateway gives every mutation field a request, ``{"key", "subject"}``:
the client's key (or one it made) with the field's name, and the token's
subject. A service stores the request in its ``idempotency_keys`` table with
the change, in the same transaction (``shared.db.UnitOfWork``), together with
a fingerprint of the command's arguments and the answer it gave. So:

- a repeat (a client's retry, or nameko redelivering a request whose worker
  died before it acked) finds the row and gets the stored answer, writing
  nothing;
- the same key with other arguments is CONFLICT;
- two at once both miss the row, both do the work, and the primary key lets
  one commit: the other's transaction is rolled back and it answers with
  the winner's row.

An error is not remembered (nothing was written): a retry of a refused
command is judged again. Rows live ``WINDOW_HOURS``, after which a key is
new again; the retention sweep (``shared.outbox.purge``) deletes them.
"""
import hashlib
import json
import os
import signal
import uuid

from sqlalchemy import (JSON, Column, DateTime, MetaData, String, Table, Text, delete, func,
                        insert, literal_column, select)
from sqlalchemy.exc import IntegrityError

from shared.errors import BadInput, Conflict

TABLE = "idempotency_keys"
WINDOW_HOURS = 24
MAX_KEY = 128
HEADER = "Idempotency-Key"
# Test-only: a service that commits the request with this key kills itself
# at once (SIGKILL), before it can answer or ack, as a crash would.
KILL_AFTER_COMMIT = "XF_TEST_KILL_AFTER_COMMIT"


def idempotency_table(metadata: MetaData):
    """Add the table of requests carried out to a service's metadata."""
    return Table(
        TABLE, metadata,
        # a digest of (subject, key): the key itself may be long (it ends in
        # the mutation field's alias), and one short column keeps the index small
        Column("request_id", String(64), primary_key=True),
        Column("subject", Text, nullable=False),
        Column("key", Text, nullable=False),
        Column("fingerprint", String(64), nullable=False),
        Column("result", JSON, nullable=True),
        Column("created_at", DateTime(timezone=True), nullable=False,
               server_default=func.now(), index=True),
    )


# -- pure parts ----------------------------------------------------------------------

def client_key(header):
    """The key a client sent in the Idempotency-Key header, checked; a new
    one when it sent none (a request without a key is still carried out
    once, even if the broker delivers it twice)."""
    if header is None:
        return uuid.uuid4().hex
    if not header:
        raise BadInput(f"the key is empty; send 1 to {MAX_KEY} printable ASCII characters, "
                       "or no header", HEADER)
    if len(header) > MAX_KEY:
        raise BadInput(f"the key has {len(header)} characters; at most {MAX_KEY} printable "
                       "ASCII characters", HEADER)
    for position, char in enumerate(header):
        if not " " <= char <= "~":
            raise BadInput(f"character {position + 1} of the key ({char!r}) is not printable "
                           f"ASCII; a key is 1 to {MAX_KEY} printable ASCII characters", HEADER)
    return header


def field_key(key, field):
    """The key of one mutation field of a request: a request may carry
    several mutations, each carried out once on its own."""
    return f"{key}/{field}"


def _plain(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def canonical(value):
    """JSON text that is the same for equal values, whatever the order of
    their keys (ASCII only, so a lone surrogate is written as an escape
    rather than failing)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True,
                      default=_plain)


def fingerprint(arguments):
    """What identifies a command's body: a digest of its arguments."""
    return hashlib.sha256(canonical(arguments).encode("ascii")).hexdigest()


class Request:
    """One request of one subject, with the fingerprint of its arguments."""

    def __init__(self, key, subject, arguments):
        self.key = key
        self.subject = subject
        self.fingerprint = fingerprint(arguments)
        self.request_id = hashlib.sha256(canonical([subject, key]).encode("ascii")).hexdigest()

    @classmethod
    def of(cls, request, arguments):
        """``request`` as an RPC carries it (``{"key", "subject"}``), or None
        for a caller that sends none (tools, and tests of the services)."""
        if request is None:
            return None
        if not isinstance(request, dict) or not isinstance(request.get("key"), str) \
                or not request["key"] or not isinstance(request.get("subject"), str):
            raise BadInput('request is {"key": non-empty text, "subject": text}', "request")
        return cls(request["key"], request["subject"], arguments)

    def __repr__(self):
        return f"Request({self.subject!r}, {self.key!r})"


# -- with the database ---------------------------------------------------------------

def _window_start(dialect):
    """``WINDOW_HOURS`` before now by the database's clock, which wrote
    ``created_at`` (SQLite's CURRENT_TIMESTAMP is UTC text)."""
    if dialect == "postgresql":
        return literal_column(f"now() - interval '{int(WINDOW_HOURS)} hours'")
    return func.datetime("now", f"-{int(WINDOW_HOURS)} hours")


_NOT_FOUND = object()


def stored(db, request):
    """The stored answer to ``request``, or ``_NOT_FOUND``; CONFLICT if the
    key was used for other arguments. A row past the window is deleted: its
    key is new again."""
    table = db.tables[TABLE]
    fresh = (table.c.created_at >= _window_start(db.engine.dialect.name)).label("fresh")
    with db.connect() as conn:
        row = conn.execute(select(table.c.fingerprint, table.c.result, fresh)
                           .where(table.c.request_id == request.request_id)).first()
    if row is None:
        return _NOT_FOUND
    if not row.fresh:
        with db.connect(write=True) as conn:
            conn.execute(delete(table).where(table.c.request_id == request.request_id,
                                             table.c.fingerprint == row.fingerprint))
        return _NOT_FOUND
    if row.fingerprint != request.fingerprint:
        raise Conflict(f"this key was already used for another request in the last "
                       f"{WINDOW_HOURS} hours; send a new key with a new request", HEADER)
    return row.result


def plain(result):
    """``result`` as it is stored and as a repeat gets it back (JSON)."""
    return json.loads(json.dumps(result, default=_plain))


def record(session, table, request, result):
    """Store ``request`` and its answer in the unit of work's transaction."""
    session.execute(insert(table).values(
        request_id=request.request_id, subject=request.subject, key=request.key,
        fingerprint=request.fingerprint, result=result))


def is_clash(exc):
    """An IntegrityError on the requests table: the same request committed
    first in another worker or replica."""
    return isinstance(exc, IntegrityError) and TABLE in str(exc)


def once(db, request, arguments, command):
    """Carry out ``command(request)`` once for ``request`` (as the RPC
    carries it; None runs the command as it is). The command passes the
    ``Request`` it is given to ``db.uow`` and answers through the unit of
    work (``uow.answer``); see the module's docstring for what a repeat, a
    reuse of the key and a race get."""
    request = Request.of(request, arguments)
    if request is None:
        return command(None)
    found = stored(db, request)
    if found is not _NOT_FOUND:
        return found
    try:
        return command(request)
    except Exception as exc:
        # Another worker may have carried out the same request meanwhile, so
        # that this one failed on the key (is_clash) or on the other's change
        # (a name already taken): its answer is the answer.
        try:
            found = stored(db, request)
        except Conflict:
            raise
        except Exception:
            raise exc from None
        if found is _NOT_FOUND:
            raise
        return found


def after_commit(request):
    """The test-only crash between a command's commit and its answer."""
    target = os.environ.get(KILL_AFTER_COMMIT)
    if target and request.key == target:
        os.kill(os.getpid(), signal.SIGKILL)


def purge(db, batch):
    """Delete requests older than the window, ``batch`` rows per statement;
    how many were deleted."""
    table = db.tables[TABLE]
    old = (select(table.c.request_id)
           .where(table.c.created_at < _window_start(db.engine.dialect.name))
           .order_by(table.c.created_at).limit(batch))
    deleted = 0
    while True:
        with db.connect(write=True) as conn:
            n = conn.execute(delete(table).where(table.c.request_id.in_(old))).rowcount
        deleted += n
        if n < batch:
            return deleted
