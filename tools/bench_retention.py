"""What the retention sweep costs (shared/outbox.py ``purge``). The purge of
handled event ids finds its batch by ``handled_at`` without an index: this
measures that scan on a ``processed_events`` far larger than the window
holds at city scale (140,000 activities a year is ~5,400 events in 14 days
per consumer), when nothing is old (the usual hourly run) and when a tenth
of it is."""
import datetime as dt
import shutil
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import insert

from services.scoring.models import metadata
from services.scoring.service import MIGRATIONS
from shared.db import Database
from shared.outbox import purge
from tools.bench_common import Stats
from tools.databases import Databases


def fill(db, rows, old_share):
    processed = db.tables["processed_events"]
    now = dt.datetime.now(dt.timezone.utc)
    old = int(rows * old_share)
    batch = []
    with db.connect(write=True) as conn:
        for i in range(rows):
            age = dt.timedelta(days=30) if i < old else dt.timedelta(hours=i % 300)
            handled = now - age
            if db.engine.dialect.name == "sqlite":  # SQLite keeps UTC without its zone
                handled = handled.replace(tzinfo=None)
            batch.append({"event_id": uuid.uuid4().hex, "event_type": "activity_recorded",
                          "handled_at": handled})
            if len(batch) == 10000:
                conn.execute(insert(processed), batch)
                batch = []
        if batch:
            conn.execute(insert(processed), batch)


def run(report, backend, repeats=3, rows=200_000):
    folder = Path(tempfile.mkdtemp(prefix="xf-bench-retention-"))
    dbs = Databases(backend, folder, prefix="xf_bench")
    try:
        url = dbs.create(["scoring"])["scoring"]
        db = Database("scoring", metadata, MIGRATIONS).open(url)
        try:
            fill(db, rows, 0.0)
            if backend == "postgresql":
                with db.connect(write=True) as conn:
                    conn.exec_driver_sql("ANALYZE processed_events")
            idle = []
            for _ in range(repeats):
                started = time.perf_counter()
                purge(db, 14)
                idle.append(time.perf_counter() - started)
            fill(db, rows // 9, 1.0)  # a tenth of the table is now past the window
            started = time.perf_counter()
            deleted = purge(db, 14)
            busy = time.perf_counter() - started
        finally:
            db.engine.dispose()
    finally:
        dbs.drop()
        shutil.rmtree(folder, ignore_errors=True)
    report.add(f"retention sweep, processed_events of {rows:,} rows (no index on handled_at)",
               backend, f"nothing old {Stats(idle).fmt(' ms', 1, 1000)}; "
               f"{deleted['processed_events']:,} old rows deleted in {busy * 1000:.0f} ms",
               "", "hourly; cheap beside the interval")
