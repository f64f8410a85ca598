"""The city's reports (U5) in supervision alone, at city scale: the city of
tools/bench_member_quotas.py (2,000 branches, 20 bureaus, ``members``
members with S4, A5 and A8 of 2018, half met) with every branch's 36 monthly
results of 2018 closed (a third missed, each with an item), written straight
into supervision's tables (its migrations, each backend). Then the reads and
rows of ``report`` (report_views.measure and answer) for the city and for a
bureau, ANNUAL 2018 (seventeen periods) and QUARTERLY 2018-Q2, and the
workbook of the bureau's annual report (gateway/reports.py). The members'
year totals, which the service asks scoring for in batches of 10,000 over the
broker, are given here. It prints figures; it asserts nothing about speed.

    python -m tools.bench_report [sqlite|postgresql] [members]
"""
import sys
import tempfile
import time
from pathlib import Path

from gateway.reports import workbook
from services.supervision import report_views
from services.supervision.models import metadata
from shared.db import Database
from shared.periods import parse_report_period
from tools.bench_member_quotas import load, load_rating_facts, timed
from tools.databases import Databases

CASES = (("city", "ANNUAL", "2018"), ("city", "QUARTERLY", "2018-Q2"),
         ("bu0", "ANNUAL", "2018"))


def report_of(db, org_id, kind, label, totals, details=False):
    """What the entrypoint answers, the members' totals given."""
    period = parse_report_period(kind, label)
    return report_views.report_of(db, org_id, period, details, lambda _ids, _year: totals)


def measure(backend="sqlite", n_members=60000, out=print, repeats=3):
    """{(org, kind, period): (seconds, rows, results counted), "workbook":
    (seconds, bytes, results)}, printing each figure as it comes."""
    figures = {}
    with tempfile.TemporaryDirectory() as tmp:
        dbs = Databases(backend, Path(tmp), prefix="xf_bench")
        url = dbs.create(["supervision"])["supervision"]
        try:
            db = Database("supervision", metadata, "services/supervision/migrations",
                          relay=False).open(url)
            orgs, members = load(db, int(n_members))
            member_ids = load_rating_facts(db)
            totals = {m: float(i % 120) for i, m in enumerate(member_ids)}
            figures["orgs"], figures["members"] = orgs, members
            out(f"{backend}: {orgs:,} organisations, {members:,} members")
            for case in CASES:
                seconds, answer = timed(lambda: report_of(db, *case, totals), repeats)
                counted = sum(r["quotas_met"] + r["quotas_missed"] + r["quotas_pending"]
                              for r in answer["rows"])
                figures[case] = (seconds, len(answer["rows"]), counted)
                out(f"  {case[1]} {case[2]} report of {case[0]}: {seconds:.2f} s median of "
                    f"{repeats}, {len(answer['rows']):,} rows, {counted:,} results counted")
            detailed = report_of(db, "bu0", "ANNUAL", "2018", totals, details=True)
            detailed.update(org_name="bu0", kind="ANNUAL")
            seconds, data = timed(lambda: workbook(detailed), repeats)
            figures["workbook"] = (seconds, len(data), len(detailed["results"]))
            out(f"  workbook of bu0's ANNUAL 2018: {seconds:.2f} s median of {repeats}, "
                f"{len(data):,} bytes, {len(detailed['results']):,} result lines")
            db.engine.dispose()
        finally:
            dbs.drop()
    return figures


def run(report, backend, n_members):
    """The figures for tools/bench.py's table."""
    f = measure(backend, n_members, out=lambda line: None)
    for case in CASES:
        seconds, rows, counted = f[case]
        report.add(f"report: {case[1]} {case[2]} of {case[0]} in supervision alone, {rows:,} "
                   f"rows, {counted:,} results ({f['members']:,} members; their totals "
                   "given, not asked of scoring)", backend, f"{seconds * 1000:,.0f} ms")
    seconds, size, lines = f["workbook"]
    report.add(f"report: the workbook of a bureau's ANNUAL report ({lines:,} result lines, "
               f"{size:,} bytes)", backend, f"{seconds * 1000:,.0f} ms")


def main(backend="sqlite", n_members=60000):
    measure(backend, n_members, out=lambda line: print(line, flush=True))


if __name__ == "__main__":
    main(*sys.argv[1:])
