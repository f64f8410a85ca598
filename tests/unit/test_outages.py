"""Which failures mean "away, try again later" (shared/db.py, shared/outages.py,
shared/consumer.py), told on errors the drivers really raise: a port nothing
listens on, an SQLite file another connection holds, a statement that is
wrong. The end-to-end restarts are in tests/e2e/test_outages.py."""
import sqlite3

import pytest
from kombu import Connection
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import QueuePool

from shared.consumer import is_transient
from shared.db import database_away
from shared.errors import Unavailable
from shared.outages import broker_away, settle, unavailable
from shared.rules import RuleSetError
from shared.sweep import run_sweep
from tools.faults import free_port


def raised(action):
    try:
        action()
    except Exception as exc:  # noqa: BLE001 - the error is what is looked at
        return exc
    raise AssertionError("nothing was raised")


def _query(engine, sql):
    with engine.connect() as conn:
        conn.execute(text(sql))


@pytest.fixture
def sqlite_file(tmp_path):
    return f"sqlite:///{tmp_path / 'x.db'}"


def postgres_refused():
    """What psycopg2 raises when nothing listens where the database was."""
    engine = create_engine(f"postgresql+psycopg2://postgres@127.0.0.1:{free_port()}/x")
    return raised(lambda: _query(engine, "SELECT 1"))


def sqlite_locked(url):
    holder = create_engine(url, connect_args={"timeout": 0})
    conn = holder.connect()
    conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    conn.commit()
    conn.exec_driver_sql("BEGIN IMMEDIATE")
    try:
        other = create_engine(url, connect_args={"timeout": 0})
        return raised(lambda: _query(other, "BEGIN IMMEDIATE"))
    finally:
        conn.close()


def test_postgresql_that_refuses_connections_is_away():
    exc = postgres_refused()
    assert isinstance(exc, OperationalError) and database_away(exc)


def test_an_sqlite_file_another_writer_holds_is_away(sqlite_file):
    exc = sqlite_locked(sqlite_file)
    assert "database is locked" in str(exc) and database_away(exc)


def test_an_sqlite_file_that_cannot_be_opened_is_away(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'no-such-folder' / 'x.db'}")
    assert database_away(raised(lambda: _query(engine, "SELECT 1")))


@pytest.mark.parametrize("sql", ["SELECT * FROM no_such_table", "SELEKT 1",
                                 "SELECT no_such_column FROM sqlite_master"])
def test_an_sqlite_operational_error_from_a_wrong_statement_is_not(sqlite_file, sql):
    exc = raised(lambda: _query(create_engine(sqlite_file), sql))
    assert isinstance(exc, OperationalError) and isinstance(exc.orig, sqlite3.OperationalError)
    assert not database_away(exc)
    assert not is_transient(exc)  # dead-lettered, not retried for ever
    assert unavailable(exc) is None  # INTERNAL to a caller: it is a bug


def test_a_pool_whose_connections_are_all_taken_is_away(sqlite_file):
    engine = create_engine(sqlite_file, poolclass=QueuePool, pool_size=1, max_overflow=0,
                           pool_timeout=0.1)
    with engine.connect():
        assert database_away(raised(engine.connect))


@pytest.mark.parametrize("exc", [ValueError("x"), KeyError("x"), FileNotFoundError("x.yaml"),
                                 RuleSetError("bad file")])
def test_other_failures_are_not_a_database_or_broker_away(exc):
    assert not database_away(exc)
    assert not broker_away(exc)
    assert unavailable(exc) is None


def test_a_broker_that_refuses_connections_is_away():
    with Connection(f"amqp://guest:guest@127.0.0.1:{free_port()}//") as conn:
        exc = raised(lambda: conn.ensure_connection(max_retries=0))
    assert broker_away(exc)
    stand_in = unavailable(exc)
    assert isinstance(stand_in, Unavailable) and stand_in.code == "UNAVAILABLE"
    assert "broker" in stand_in.message


def test_a_database_away_becomes_unavailable_naming_the_database():
    stand_in = unavailable(postgres_refused())
    assert isinstance(stand_in, Unavailable) and "database" in stand_in.message


def test_consumers_retry_what_is_away_but_not_a_broken_rule_set(sqlite_file):
    assert is_transient(postgres_refused())
    assert is_transient(sqlite_locked(sqlite_file))
    assert is_transient(Unavailable("the organisation register is not answering"))
    # a bureau's broken rule file parks that bureau's events (shared/parking.py)
    # instead of retrying them on the queue every bureau shares
    assert not is_transient(RuleSetError("points/1.yaml: not YAML"))
    assert not is_transient(ValueError("a bug"))


class _Db:
    def __init__(self, url):
        self.engine = create_engine(url)


def test_a_sweep_round_while_the_database_is_away_passes_quietly():
    db = _Db(f"postgresql+psycopg2://postgres@127.0.0.1:{free_port()}/x")
    ran = []
    assert run_sweep("scoring", "retention", db, lambda: ran.append(1)) is None
    assert ran == []


def test_a_sweep_that_fails_otherwise_still_fails(sqlite_file):
    db = _Db(sqlite_file)

    def body():
        _query(db.engine, "SELECT * FROM no_such_table")
    with pytest.raises(OperationalError):
        run_sweep("scoring", "retention", db, body)


class _Channel:
    def __init__(self, connection):
        self.connection = connection


class _Message:
    """A message as kombu hands it over; its connection is gone when the
    broker has reset it (kombu then sets it to None)."""

    def __init__(self, connection, fails_with=None):
        self.channel = _Channel(connection)
        self.fails_with = fails_with
        self.done = []

    def _do(self, what):
        if self.fails_with is not None:
            raise self.fails_with
        self.done.append(what)

    def ack(self):
        self._do("ack")

    def requeue(self):
        self._do("requeue")

    def reject(self, requeue=False):
        self._do(("reject", requeue))


def test_a_message_is_settled_as_asked():
    for outcome, done in [("ack", "ack"), ("requeue", "requeue"), ("reject", ("reject", False))]:
        message = _Message(connection=object())
        assert settle(message, outcome) is True
        assert message.done == [done]


def test_settling_a_message_the_broker_took_back_does_nothing():
    message = _Message(connection=None)
    assert settle(message, "ack") is False and message.done == []


@pytest.mark.parametrize("error", [ConnectionResetError(104, "Connection reset by peer"),
                                   BrokenPipeError(32, "Broken pipe")])
def test_settling_on_a_connection_reset_under_it_is_not_an_error(error):
    assert settle(_Message(connection=object(), fails_with=error), "ack") is False


def test_settling_on_a_channel_amqp_has_closed_is_not_an_error():
    from amqp.exceptions import RecoverableConnectionError
    error = RecoverableConnectionError("connection already closed")
    assert settle(_Message(connection=object(), fails_with=error), "requeue") is False
