"""Retention of the outbox and of handled event ids, and the one periodic
job (shared/sweep.py) that runs it once across replicas, on SQLite and
PostgreSQL."""
import uuid

import pytest
from nameko.testing.services import entrypoint_hook
from sqlalchemy import func, insert, literal_column, select, text

from services.scoring.models import metadata as scoring_metadata
from services.scoring.service import ScoringService
from shared.db import Database
from shared.outbox import purge
from shared.sweep import exclusive, lock_key, run_sweep


def ago(dialect, days):
    """``days`` before now by the database's clock, as the columns hold it."""
    if dialect == "postgresql":
        return literal_column(f"now() - interval '{days} days'")
    return func.datetime("now", f"-{days} days")


@pytest.fixture
def scoring_db(databases):
    db = Database("scoring", scoring_metadata,
                  "services/scoring/migrations").open(databases.urls["scoring"])
    yield db
    db.engine.dispose()


def add_outbox(db, days_old, published=True, n=1):
    outbox = db.tables["outbox"]
    dialect = db.engine.dialect.name
    ids = []
    with db.connect(write=True) as conn:
        for _ in range(n):
            event_id = uuid.uuid4().hex
            conn.execute(insert(outbox).values(
                event_id=event_id, event_type="points_posted", envelope={"id": event_id},
                created_at=ago(dialect, days_old),
                published_at=ago(dialect, days_old) if published else None))
            ids.append(event_id)
    return ids


def add_processed(db, days_old, n=1):
    processed = db.tables["processed_events"]
    ids = []
    with db.connect(write=True) as conn:
        for _ in range(n):
            event_id = uuid.uuid4().hex
            conn.execute(insert(processed).values(
                event_id=event_id, event_type="activity_recorded",
                handled_at=ago(db.engine.dialect.name, days_old)))
            ids.append(event_id)
    return ids


def remaining(db, table):
    key = db.tables[table].c.event_id
    with db.connect() as conn:
        return set(conn.execute(select(key)).scalars())


def test_retention_deletes_old_published_rows_and_handled_ids_only(scoring_db, monkeypatch):
    """Old published rows and old handled ids go, in batches; recent ones and
    unpublished ones (however old) stay. Age is judged by the database's
    clock, so a pinned XF_TODAY changes nothing."""
    monkeypatch.setenv("XF_TODAY", "2017-06-03")
    db = scoring_db
    old_published = add_outbox(db, 20, n=7)
    recent_published = add_outbox(db, 3, n=2)
    old_unpublished = add_outbox(db, 400, published=False, n=2)
    recent_unpublished = add_outbox(db, 0, published=False)
    old_handled = add_processed(db, 15, n=8)
    recent_handled = add_processed(db, 13, n=2)

    deleted = purge(db, days=14, batch=3)

    assert deleted == {"outbox": 7, "processed_events": 8, "idempotency_keys": 0}
    assert remaining(db, "outbox") == set(recent_published + old_unpublished + recent_unpublished)
    assert remaining(db, "processed_events") == set(recent_handled)
    assert not set(old_published) & remaining(db, "outbox")
    assert not set(old_handled) & remaining(db, "processed_events")
    assert purge(db, days=14, batch=3) == {"outbox": 0, "processed_events": 0,
                                           "idempotency_keys": 0}


def test_an_unpublished_row_survives_any_window(scoring_db):
    """Even a window of no days deletes only what was published."""
    db = scoring_db
    unpublished = add_outbox(db, 1000, published=False, n=3)
    add_outbox(db, 1)
    assert purge(db, days=0) == {"outbox": 1, "processed_events": 0,
                                 "idempotency_keys": 0}
    assert remaining(db, "outbox") == set(unpublished)


def test_a_freshly_handled_event_is_kept_so_a_redelivery_is_still_ignored(scoring_db):
    """What the window protects: within it, a handled id is still there for
    the consumer's duplicate check."""
    db = scoring_db
    handled = add_processed(db, 0, n=3)
    purge(db, days=14)
    assert remaining(db, "processed_events") == set(handled)


def test_the_retention_sweep_runs_in_the_service(databases, services):
    """The timer every service inherits from BaseService deletes through the
    same purge, under the sweep's lock."""
    container = services(ScoringService)
    engine_db = Database("scoring", scoring_metadata,
                         "services/scoring/migrations").open(databases.urls["scoring"])
    try:
        old = add_outbox(engine_db, 30, n=4)
        kept = add_outbox(engine_db, 1)
        gone = add_processed(engine_db, 30, n=2)
        with entrypoint_hook(container, "retention") as retention:
            assert retention() == {"outbox": 4, "processed_events": 2,
                                   "idempotency_keys": 0}
        assert remaining(engine_db, "outbox") == set(kept)
        assert not set(old) & remaining(engine_db, "outbox")
        assert not set(gone) & remaining(engine_db, "processed_events")
    finally:
        engine_db.engine.dispose()


def test_a_sweep_runs_in_one_replica_at_a_time(scoring_db):
    """On PostgreSQL a replica that finds the sweep's lock taken skips the
    round and the lock is free again afterwards; on SQLite the body runs."""
    db = scoring_db
    ran = []
    key = lock_key("scoring", "retention")
    with exclusive(db, key) as mine:
        assert mine
        result = run_sweep("scoring", "retention", db, lambda: ran.append(1) or 5)
        if db.engine.dialect.name == "postgresql":
            assert result is None and ran == []
        else:
            assert result == 5 and ran == [1]
    assert run_sweep("scoring", "retention", db, lambda: ran.append(2) or 1) == 1
    assert ran[-1] == 2


def test_the_sweep_lock_is_released_when_the_body_fails(scoring_db):
    db = scoring_db

    def boom():
        raise RuntimeError("the body failed")

    with pytest.raises(RuntimeError):
        run_sweep("scoring", "retention", db, boom)
    assert run_sweep("scoring", "retention", db, lambda: 0) == 0
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as conn:
            held = conn.execute(text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            )).scalar()
        assert held == 0
