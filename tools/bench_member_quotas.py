"""City-year compliance with the member and role quotas (S4, A5 and A8 for
every member; S5-SEC, S5-COM, A7-LEAD for the bureau leaders, A5-PAIR for
a county-level cadre per bureau; A6 with every branch's members and
secretary, A6-COM with the committee's pairs) at city scale: 2,000 branches
and 60,000 members written straight into supervision's tables (its
migrations, each backend), half the members with S4, A5 and A8 met. Then
the ``compliance`` entrypoint's answer for the city and a bureau, and the S4 deadline's close
for the whole tree (judging 60,000 members, opening the branches' items).
Last, the city's branch ratings of 2018 (星级评定) in supervision alone:
every branch with its 36 monthly results closed (A1, A2-CM, A2-GR, a third
missed, each with an item), the reads of ``rating_views.measure`` and the
rating; the members' year totals, which the service asks scoring for in
batches over the broker, are given here.

    python -m tools.bench_member_quotas [sqlite|postgresql] [members]
"""
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, select

from services.supervision import handlers, rating_views
from services.supervision.service import SupervisionService
from services.supervision.models import (member_roles, members, metadata, orgs, quota_state,
                                         self_study_filings, supervision_items)
from shared.db import Database
from shared.periods import YEAR, Period
from shared.tree import path_of
from tools.databases import Databases

BUREAUS, BRANCHES_PER_BUREAU = 20, 100
YEAR_2018 = Period(dt.date(2018, 1, 1), YEAR)


def load(db, n_members):
    created = dt.date(2017, 1, 1)
    org_rows, member_rows, role_rows, state_rows, filing_rows = [], [], [], [], []
    org_rows.append({"id": "city", "name": "city", "kind": "CITY", "parent_id": None,
                     "bureau_id": "city", "path": "/city/", "created_on": created})
    per_branch = n_members // (BUREAUS * BRANCHES_PER_BUREAU)
    for b in range(BUREAUS):
        bureau, committee = f"bu{b}", f"co{b}"
        org_rows += [
            {"id": bureau, "name": bureau, "kind": "BUREAU", "parent_id": "city",
             "bureau_id": bureau, "path": path_of(["city", bureau]), "created_on": created},
            {"id": committee, "name": committee, "kind": "COMMITTEE", "parent_id": bureau,
             "bureau_id": bureau, "path": path_of(["city", bureau, committee]),
             "created_on": created}]
        for k in range(BRANCHES_PER_BUREAU):
            branch = f"br{b}x{k}"
            path = ["city", bureau, committee, branch]
            org_rows.append({"id": branch, "name": branch, "kind": "BRANCH",
                             "parent_id": committee, "bureau_id": bureau,
                             "path": path_of(path), "created_on": created})
            for m in range(per_branch):
                member = f"m{b}x{k}x{m}"
                roles = ["member"]
                if k == 0 and m == 0:
                    roles = ["bureau_secretary"]
                elif k < 6 and m == 0:
                    roles = ["bureau_committee"]
                elif k == 6 and m == 0:
                    roles = ["county_cadre"]
                elif m == 1:
                    roles = ["secretary"]
                member_rows.append({"id": member, "bureau_id": bureau, "branch_id": branch,
                                    "branch_path": path_of(path), "roles": roles})
                role_rows.append({"member_id": member, "valid_from": dt.date(1, 1, 1),
                                  "roles": roles, "leading": roles != ["member"]})
                if m % 2 == 0:
                    filing_rows.append({"member_id": member, "year": 2018, "bureau_id": bureau,
                                        "filed_on": dt.date(2018, 3, 1)})
                    state_rows.extend({
                        "rule": rule, "subject_id": member, "period": "2018", "member": True,
                        "bureau_id": bureau, "subject_path": path_of(path) + member + "/",
                        "period_end": dt.date(2018, 12, 31), "required": required,
                        "actual": required, "status": "MET", "closed": False}
                        for rule, required in (("S4", 1), ("A5", 3), ("A8", 1)))
    with db.engine.begin() as conn:
        for table, rows in ((orgs, org_rows), (members, member_rows), (member_roles, role_rows),
                            (self_study_filings, filing_rows), (quota_state, state_rows)):
            for i in range(0, len(rows), 5000):
                conn.execute(insert(table), rows[i:i + 5000])
    return len(org_rows), len(member_rows)


def load_rating_facts(db):
    """Every branch's 2018 months closed for A1, A2-CM and A2-GR, a third
    missed with an item each; returns the member ids."""
    state_rows, item_rows = [], []
    with db.engine.connect() as conn:
        branches = conn.execute(select(orgs.c.id, orgs.c.bureau_id, orgs.c.path)
                                .where(orgs.c.kind == "BRANCH")).all()
        member_ids = conn.execute(select(members.c.id)).scalars().all()
    opened = dt.datetime(2019, 1, 1, tzinfo=dt.timezone.utc)
    for n, (branch, bureau, path) in enumerate(branches):
        for month in range(1, 13):
            label = f"2018-{month:02d}"
            for k, rule in enumerate(("A1", "A2-CM", "A2-GR")):
                met = (n + month + k) % 3 != 0
                state_rows.append({
                    "rule": rule, "subject_id": branch, "period": label, "member": False,
                    "bureau_id": bureau, "subject_path": path, "period_end": dt.date(2018, 12, 1),
                    "required": 1, "actual": 1 if met else 0,
                    "status": "MET" if met else "MISSED", "closed": True})
                if not met:
                    item_rows.append({"id": f"i{n}x{month}x{k}", "org_id": branch,
                                      "bureau_id": bureau, "rule": rule, "period": label,
                                      "state": "ASSIGNED", "opened_at": opened,
                                      "due_on": dt.date(2019, 1, 16)})
    with db.engine.begin() as conn:
        for table, rows in ((quota_state, state_rows), (supervision_items, item_rows)):
            for i in range(0, len(rows), 5000):
                conn.execute(insert(table), rows[i:i + 5000])
    return member_ids


def timed(fn, n=3):
    samples, out = [], None
    for _ in range(n):
        started = time.perf_counter()
        out = fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), out


def measure(backend="sqlite", n_members=60000, out=print):
    """{"orgs", "members", "city", "bureau": (seconds, results), "close": (seconds,
    judged)}, printing each figure as it comes."""
    figures = {}
    with tempfile.TemporaryDirectory() as tmp:
        dbs = Databases(backend, Path(tmp), prefix="xf_bench")
        url = dbs.create(["supervision"])["supervision"]
        try:
            db = Database("supervision", metadata, "services/supervision/migrations",
                          relay=False).open(url)
            figures["orgs"], figures["members"] = load(db, int(n_members))
            out(f"{backend}: {figures['orgs']:,} organisations, {figures['members']:,} members")
            for org_id, label in (("city", "city"), ("bu0", "bureau")):
                # what the entrypoint answers (its results as sent)
                with db.read() as session:
                    seconds, answer = timed(lambda: SupervisionService._compliance(
                        session, org_id, YEAR_2018))
                results = answer["results"]
                s4 = sum(1 for r in results if r["rule"] == "S4")
                a6 = sum(1 for r in results if r["rule"] == "A6")
                figures[label] = (seconds, len(results))
                out(f"  {label}-year compliance: {seconds:.2f} s median of 3, "
                    f"{len(results):,} results ({s4:,} S4, as many A5 and A8; {a6:,} A6)")
            started = time.perf_counter()
            with db.uow() as uow:
                judged = handlers.close(uow, "/city/", YEAR_2018, "bench", automatic=True,
                                        created_by=dt.date(2018, 3, 31),
                                        only={(f"bu{b}", "S4") for b in range(BUREAUS)})
            figures["close"] = (time.perf_counter() - started, judged)
            out(f"  S4 deadline close of the city: {figures['close'][0]:.2f} s, "
                f"{judged:,} quotas judged")
            member_ids = load_rating_facts(db)
            totals = {y: {m: float(i % 120) for i, m in enumerate(member_ids)}
                      for y in (2017, 2018)}

            def rate():
                with db.read() as session:
                    measured = rating_views.measure(session, "city", 2018)
                return rating_views.ratings(measured, totals)

            seconds, rated = timed(rate)
            figures["ratings"] = (seconds, len(rated))
            out(f"  branch ratings of the city: {seconds:.2f} s median of 3, "
                f"{len(rated):,} branches")
            db.engine.dispose()
        finally:
            dbs.drop()
    return figures


def run(report, backend, n_members):
    """The figures for tools/bench.py's table."""
    f = measure(backend, n_members, out=lambda line: None)
    for label in ("city", "bureau"):
        seconds, results = f[label]
        report.add(f"member quotas: {label}-year compliance in supervision alone, "
                   f"{results:,} results (S4, A5, A8 for each of {f['members']:,} members)",
                   backend,
                   f"{seconds * 1000:,.0f} ms")
    report.add(f"member quotas: the S4 deadline close of the city, once a year "
               f"({f['close'][1]:,} judged)", backend, f"{f['close'][0]:.2f} s")
    report.add(f"branch ratings of the city in supervision alone ({f['ratings'][1]:,} "
               f"branches; members' totals given, not asked of scoring)", backend,
               f"{f['ratings'][0] * 1000:,.0f} ms")


def main(backend="sqlite", n_members=60000):
    measure(backend, n_members, out=lambda line: print(line, flush=True))


if __name__ == "__main__":
    main(*sys.argv[1:])
