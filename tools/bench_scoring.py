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
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, delete, insert, select, text
from sqlalchemy.engine import make_url

from services.scoring.domain import points
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
        rule, category, amount = rng.choice(HISTORY_RULES)
        year = rng.choice((YEAR - 2, YEAR - 1, YEAR))
        out.append({"id": uuid.uuid4().hex, "member_id": rng.choice(members),
                    "bureau_id": "bench-bureau", "year": year, "rule": rule,
                    "category": category, "points": amount, "source_event": f"history-{i}",
                    "occurred_on": dt.date(year, 1, 1) + dt.timedelta(days=i % 365),
                    "rule_set_version": 1})
    return out


def _wipe(db):
    with db.connect(write=True) as conn:
        for table in (point_entries, member_year_totals, member_years, processed_events,
                      outbox):
            conn.execute(delete(table))


def _analyze(db):
    """Statistics for the planner, and on SQLite the bulk load moved out of the
    write-ahead log, so the first timed commits do not pay for it."""
    with db.connect(write=True) as conn:
        conn.exec_driver_sql("ANALYZE")
    if db.engine.dialect.name == "sqlite":
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def _load(db, rows):
    with db.uow() as uow:
        for start in range(0, len(rows), 5000):
            uow.session.execute(insert(point_entries), rows[start:start + 5000])
        rebuild_running_totals(uow.session)
    _analyze(db)


def _post(db, events, handler=apply_activity):
    started = time.perf_counter()
    for body in events:
        consume(db, body, "activity_recorded", handler)
    return time.perf_counter() - started


def legacy_apply_activity(uow, envelope):
    """The handler as it was before the running totals, for a baseline only:
    each attendee's year is summed from the ledger, each posting is its own
    statement, each member gets an event. Run on a ledger without the
    (member_id, year) index, as it was."""
    activity = envelope.payload
    held_on = dt.date.fromisoformat(activity["held_on"])
    rule_set = points.POINT_RULES.for_day(envelope.bureau_id, held_on)
    by_member = {}
    for candidate in points.candidates_for_activity(rule_set, activity):
        by_member.setdefault(candidate.member_id, []).append(candidate)
    session, e, y = uow.session, point_entries, member_years
    for member_id in sorted(by_member):
        key = (y.c.member_id == member_id, y.c.year == held_on.year)
        if not session.execute(select(y.c.member_id).where(*key)).first():
            session.execute(insert(y).values(member_id=member_id, year=held_on.year))
        if session.bind.dialect.name == "postgresql":
            session.execute(select(y.c.member_id).where(*key).with_for_update())
        caps = points.YearTotals.empty()
        for rule, category, amount in session.execute(select(e.c.rule, e.c.category, e.c.points)
                                                      .where(e.c.member_id == member_id,
                                                             e.c.year == held_on.year)):
            caps.add(rule, category, Decimal(amount))
        posted = []
        for candidate in by_member[member_id]:
            posting = points.post(rule_set, caps, candidate)
            if posting is None:
                continue
            session.execute(insert(e).values(
                id=uuid.uuid4().hex, member_id=member_id, bureau_id=envelope.bureau_id,
                year=held_on.year, rule=posting.rule, category=posting.category,
                points=posting.points, source_event=envelope.id, occurred_on=held_on,
                rule_set_version=rule_set.version))
            posted.append({"rule": posting.rule, "category": posting.category,
                           "points": str(posting.points)})
        if posted:
            uow.emit("points_posted", envelope.bureau_id, {
                "source_event": envelope.id, "year": held_on.year,
                "members": [{"member_id": member_id, "entries": posted}]})


def _figure(rates):
    return {"runs": [round(r, 1) for r in rates], "median": round(statistics.median(rates), 1),
            "spread": round(max(rates) - min(rates), 1)}


@contextmanager
def _scratch_databases(backend_url, count):
    """``count`` empty databases beside ``backend_url``: files in a temporary
    folder for SQLite, databases of their own on its server for PostgreSQL."""
    if backend_url.startswith("sqlite"):
        with tempfile.TemporaryDirectory() as folder:
            yield [f"sqlite:///{Path(folder) / f'scoring-{i}.db'}" for i in range(count)]
        return
    admin = create_engine(backend_url.replace("postgresql://", "postgresql+psycopg2://", 1),
                          isolation_level="AUTOCOMMIT")
    names = [f"xf_bench_scoring_{uuid.uuid4().hex[:8]}" for _ in range(count)]
    try:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield [make_url(backend_url).set(database=name).render_as_string(hide_password=False)
               for name in names]
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def measure_ledger(backend_url, attendees=20, activities_per_run=200, ledger_rows=30000,
                   repeats=3, members=None, chunk=10, baseline=False, baseline_activities=None,
                   seed=1, out=print):
    """Activities/s posted on an empty ledger and on a ``ledger_rows`` one,
    ``repeats`` times each; prints a table and returns the figures. With
    ``baseline``, the handler as it was before the running totals is measured
    in the same run, on ``baseline_activities`` per run (it is slow).

    ``backend_url`` names the backend: an SQLite URL (the files go to a
    temporary folder) or a PostgreSQL server URL, on which scratch databases
    are made and dropped. The ledgers are posted to in turns of ``chunk``
    activities, so that whatever else the machine does weighs on every column
    alike; the ratio of the two columns of one run is the steadier figure."""
    members = members or max(attendees, ledger_rows // 20)
    rng = random.Random(seed)
    population = [f"bench-m{i:05d}" for i in range(members)]
    turns = max(1, activities_per_run // chunk)
    rows = [("running totals", apply_activity, activities_per_run)]
    if baseline:
        rows.append(("before (baseline)", legacy_apply_activity,
                     baseline_activities or max(turns, activities_per_run // 4)))
    columns = [(row, loaded) for row in rows for loaded in (False, True)]
    rates = {(row[0], loaded): [] for row, loaded in columns}
    with _scratch_databases(backend_url, len(columns)) as urls:
        dbs = [Database("scoring", metadata, MIGRATIONS).open(url) for url in urls]
        backend = dbs[0].engine.dialect.name
        for db, ((_, handler, _n), _loaded) in zip(dbs, columns):
            if handler is legacy_apply_activity:
                with db.connect(write=True) as conn:
                    conn.exec_driver_sql("DROP INDEX ix_point_entries_member_year")
        try:
            for _ in range(repeats):
                for db, (_, loaded) in zip(dbs, columns):
                    _wipe(db)
                    if loaded:
                        _load(db, history(rng, population, ledger_rows))
                    else:
                        _analyze(db)
                work = [activities(rng, population, n, attendees) for (_, _, n), _ in columns]
                elapsed = [0.0] * len(columns)
                for turn in range(turns):
                    for i, (db, ((_, handler, n), _)) in enumerate(zip(dbs, columns)):
                        size = -(-n // turns)
                        elapsed[i] += _post(db, work[i][turn * size:(turn + 1) * size], handler)
                for i, ((label, _, n), loaded) in enumerate(columns):
                    rates[(label, loaded)].append(n / elapsed[i])
        finally:
            for db in dbs:
                db.engine.dispose()

    figures = {"backend": backend, "attendees": attendees, "activities": activities_per_run,
               "ledger_rows": ledger_rows}
    for label, _, n in rows:
        empty, full = rates[(label, False)], rates[(label, True)]
        ratios = [f / e for f, e in zip(full, empty)]
        figure = {"activities": n, "empty": _figure(empty), "full": _figure(full),
                  "ratio": round(statistics.median(ratios), 2),
                  "ratios": [round(r, 2) for r in ratios]}
        if label == "running totals":
            figures.update(figure)
        else:
            figures["baseline"] = figure
    out(f"scoring ledger, {backend}: activities of {attendees} attendees posted per second, "
        f"handler driven directly ({repeats} runs; median ± spread)")
    out(f"  {'':<18}{'empty ledger':>16}{'ledger of ' + str(ledger_rows):>20}"
        f"{'full/empty':>12}   full/empty by run")
    for label, _, n in rows:
        f = figures if label == "running totals" else figures["baseline"]
        out(f"  {label:<18}{f['empty']['median']:>8.1f} ± {f['empty']['spread']:<5.1f}"
            f"{f['full']['median']:>12.1f} ± {f['full']['spread']:<5.1f}{f['ratio']:>10.2f}"
            f"   {f['ratios']}  ({n} activities a run)")
    return figures


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--attendees", type=int, default=20)
    parser.add_argument("--activities", type=int, default=200)
    parser.add_argument("--ledger-rows", type=int, default=30000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--baseline", action="store_true",
                        help="also measure the handler as it was before the running totals")
    args = parser.parse_args(argv)
    return measure_ledger("sqlite://" if args.backend == "sqlite" else PG_ADMIN,
                          attendees=args.attendees, activities_per_run=args.activities,
                          ledger_rows=args.ledger_rows, repeats=args.repeats,
                          baseline=args.baseline)


if __name__ == "__main__":
    main()
