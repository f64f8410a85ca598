"""A bureau's roster (花名册) in one importRoster call over HTTP: a file of
5,000 new members across 20 branches (a base64 .csv), its dry run, then
the import itself; each repeat in a committee of its own, so every repeat
registers 5,000 members. Seconds and rows/s; no target, a figure to watch."""
import time

from tools.bench_common import Stats

BRANCHES = 20


def roster_csv(rows, branches=BRANCHES):
    lines = ["姓名,支部,职务,转入日期"]
    for i in range(rows):
        role = "支部书记" if i < branches else ("支委" if i % 25 == 0 else "")
        lines.append(f"党员{i:05d},第{i % branches + 1}支部,{role},2015-03-01")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _committee(client, city, n):
    bureau = client.create_org(f"名册局{n}", "BUREAU", city)["id"]
    committee = client.create_org("局党委", "COMMITTEE", bureau)["id"]
    for b in range(BRANCHES):
        client.create_org(f"第{b + 1}支部", "BRANCH", committee)
    return committee


def run(bp, report, backend, repeats=3, rows=5000):
    client = bp.client(timeout=600)
    city = client.create_org("名册市", "CITY")["id"]
    content = roster_csv(rows)
    dry_runs, imports = [], []
    for n in range(repeats):
        committee = _committee(client, city, n)
        started = time.perf_counter()
        dry = client.import_roster(committee, content, dry_run=True)
        dry_runs.append(time.perf_counter() - started)
        started = time.perf_counter()
        done = client.import_roster(committee, content)
        imports.append(time.perf_counter() - started)
        if dry["created"] != rows or done["created"] != rows or done["errors"]:
            raise RuntimeError(f"the roster registered {done['created']} of {rows}: "
                               f"{done['errors'][:3]}")
    seconds = Stats(imports)
    report.add(f"importRoster, {rows:,} new members in one call ({len(content) // 1024} KB "
               ".csv), seconds", backend, seconds.fmt(" s", 2),
               f"dry run {Stats(dry_runs).fmt(' s', 2)}")
    report.add(f"importRoster, {rows:,} rows, rows/s", backend,
               Stats([rows / s for s in imports]).fmt(" rows/s", 0))
