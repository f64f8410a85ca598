"""Scoring's posting rate on an empty ledger and on a long one, side by side.

Drives the consumer's handler directly (no broker): each activity of
``attendees`` members is applied as ``on_activity_recorded`` applies it, in
one unit of work with its processed-event record and its points_posted in
the outbox. The long ledger is loaded in bulk (history of earlier years and
of this one, for the same members) and summed into the running totals, so
the only difference between the two columns is the ledger's length.

    python -m tools.bench_scoring --backend sqlite|postgresql

Prints figures only; ``measure_ledger`` returns them as a dict.
"""
import argparse
import datetime as dt
import random
import statistics
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, delete, insert, text
from sqlalchemy.engine import make_url

from services.scoring.handlers import apply_activity, rebuild_running_totals
from services.scoring.models import (member_year_totals, member_years, metadata, outbox,
                                     point_entries, processed_events)
from services.scoring.service import MIGRATIONS
from shared.config import env
from shared.consumer import consume
from shared.db import Database
from shared.events import Envelope

PG_ADMIN = env("XF_BENCH_DATABASE_URL", env(
    "XF_TEST_DATABASE_URL", "postgresql+psycopg2:///postgres?host=/var/run/postgresql"))
YEAR = 2017
KINDS = ("ACTIVITY_DAY", "GENERAL_MEETING", "GROUP_MEETING", "PARTY_LECTURE",
         "VOLUNTEER_SERVICE")
HISTORY_RULES = (("attend-activity-day", "organisational-life", Decimal(2)),
                 ("attend-meeting", "organisational-life", Decimal(1)),
                 ("attend-lecture-or-study", "study", Decimal(2)),
                 ("volunteer-service", "serving-the-public", Decimal(3)),
                 ("absent-without-leave", "discipline", Decimal(-3)))


def activities(rng, members, count, attendees):
    """``count`` activity_recorded events of this year, a realistic mix."""
    out = []
    for _ in range(count):
        kind = rng.choice(KINDS)
        day = dt.date(YEAR, 1, 1) + dt.timedelta(days=rng.randrange(365))
        attendance = [{"member_id": m,
                       "status": rng.choices(("PRESENT", "ABSENT", "EXCUSED"), (7, 2, 1))[0]}
                      for m in rng.sample(members, attendees)]
        speaker = attendance[0]["member_id"] if kind == "PARTY_LECTURE" else None
        out.append(Envelope.new("activity_recorded", "bench-bureau", {
            "activity_id": uuid.uuid4().hex, "org_id": "bench-branch",
            "org_path": ["bench-city", "bench-bureau", "bench-branch"], "kind": kind,
            "theme": "bench", "held_on": day.isoformat(), "speaker_id": speaker,
            "attendance": attendance}).to_dict())
    return out


def history(rng, members, rows):
    """``rows`` ledger rows of these members over this year and the two before."""
    out = []
    for i in range(rows):
        rule, category, points = rng.choice(HISTORY_RULES)
        year = rng.choice((YEAR - 2, YEAR - 1, YEAR))
        out.append({"id": uuid.uuid4().hex, "member_id": rng.choice(members),
                    "bureau_id": "bench-bureau", "year": year, "rule": rule,
                    "category": category, "points": points, "source_event": f"history-{i}",
                    "occurred_on": dt.date(year, 1, 1) + dt.timedelta(days=i % 365),
                    "rule_set_version": 1})
    return out


def _wipe(db):
    with db.connect(write=True) as conn:
        for table in (point_entries, member_year_totals, member_years, processed_events,
                      outbox):
            conn.execute(delete(table))


def _analyze(db):
    with db.connect(write=True) as conn:
        conn.exec_driver_sql("ANALYZE")


def _load(db, rows):
    with db.uow() as uow:
        for start in range(0, len(rows), 5000):
            uow.session.execute(insert(point_entries), rows[start:start + 5000])
        rebuild_running_totals(uow.session)
    _analyze(db)


def _rate(db, events):
    started = time.perf_counter()
    for body in events:
        consume(db, body, "activity_recorded", apply_activity)
    return len(events) / (time.perf_counter() - started)


def _figure(rates):
    return {"runs": [round(r, 1) for r in rates], "median": round(statistics.median(rates), 1),
            "spread": round(max(rates) - min(rates), 1)}


def measure_ledger(backend_url, attendees=20, activities_per_run=200, ledger_rows=30000,
                   repeats=3, members=None, seed=1, out=print):
    """Activities/s posted on an empty ledger and on a ``ledger_rows`` one,
    ``repeats`` times each; prints a table and returns the figures."""
    members = members or max(attendees, ledger_rows // 20)
    rng = random.Random(seed)
    population = [f"bench-m{i:05d}" for i in range(members)]
    db = Database("scoring", metadata, MIGRATIONS).open(backend_url)
    backend = db.engine.dialect.name
    empty, full = [], []
    try:
        for _ in range(repeats):
            _wipe(db)
            _analyze(db)
            empty.append(_rate(db, activities(rng, population, activities_per_run, attendees)))
            _wipe(db)
            _load(db, history(rng, population, ledger_rows))
            full.append(_rate(db, activities(rng, population, activities_per_run, attendees)))
    finally:
        db.engine.dispose()
    figures = {"backend": backend, "attendees": attendees, "activities": activities_per_run,
               "ledger_rows": ledger_rows, "empty": _figure(empty), "full": _figure(full),
               "ratio": round(statistics.median(full) / statistics.median(empty), 2)}
    out(f"scoring ledger, {backend}: activities of {attendees} attendees posted per second "
        f"({activities_per_run} per run, {repeats} runs; median ± spread)")
    out(f"  {'empty ledger':>16} {'ledger of ' + str(ledger_rows):>18}   full/empty")
    out(f"  {figures['empty']['median']:>9.1f} ± {figures['empty']['spread']:<5.1f}"
        f"{figures['full']['median']:>12.1f} ± {figures['full']['spread']:<5.1f}"
        f"   {figures['ratio']:.2f}")
    out(f"  runs: empty {figures['empty']['runs']}, full {figures['full']['runs']}")
    return figures


class _ScratchPostgres:
    """A database of its own on the server of ``admin_url``, dropped after."""

    def __init__(self, admin_url):
        self.admin = create_engine(admin_url.replace("postgresql://", "postgresql+psycopg2://",
                                                     1), isolation_level="AUTOCOMMIT")
        self.name = f"xf_bench_scoring_{uuid.uuid4().hex[:8]}"
        self.url = make_url(admin_url).set(database=self.name).render_as_string(
            hide_password=False)

    def __enter__(self):
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        return self.url

    def __exit__(self, *exc):
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.admin.dispose()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--attendees", type=int, default=20)
    parser.add_argument("--activities", type=int, default=200)
    parser.add_argument("--ledger-rows", type=int, default=30000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    options = dict(attendees=args.attendees, activities_per_run=args.activities,
                   ledger_rows=args.ledger_rows, repeats=args.repeats)
    if args.backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            return measure_ledger(f"sqlite:///{Path(folder) / 'scoring.db'}", **options)
    with _ScratchPostgres(PG_ADMIN) as url:
        return measure_ledger(url, **options)


if __name__ == "__main__":
    main()
