"""Freshness: how soon what was recorded shows. From ``recordActivity``
returning until the attendees' points and the branch's A1 status are visible
through GraphQL.

Two reads are polled, each of at most two RPCs behind the gateway (counted
from the gateway's own metrics and printed): a member's points, then the
branch's month compliance. The time is given in milliseconds and in bare RPC
round-trips on the same broker (the baseline). The original benchmark (one
read of the compliance and three members' points, in milliseconds) is kept.
"""
import statistics
import time

from tools.bench_common import Stats, metric_sum

POINTS = """query($m: ID!, $year: Int!) { member(id: $m) { points(year: $year) { total } } }"""
A1 = """query($branch: ID!, $period: String!) {
  compliance(orgId: $branch, period: $period) { results { rule actual } } }"""
ORIGINAL_VIEW = """query($branch: ID!, $period: String!, $year: Int!, $m0: ID!, $m1: ID!, $m2: ID!) {
  compliance(orgId: $branch, period: $period) { results { rule subjectId actual status } }
  a: member(id: $m0) { points(year: $year) { total } }
  b: member(id: $m1) { points(year: $year) { total } }
  c: member(id: $m2) { points(year: $year) { total } }
}"""
TIMEOUT = 30


def _setup(bp):
    client = bp.client()
    city = client.create_org("鲜度市", "CITY")["id"]
    bureau = client.create_org("鲜度局", "BUREAU", city)["id"]
    committee = client.create_org("鲜度局党委", "COMMITTEE", bureau)["id"]
    branch = client.create_org("鲜度支部", "BRANCH", committee)["id"]
    members = [client.register_member(f"鲜度党员{i}", branch)["id"] for i in range(3)]
    client.run("{ organizations { id } }")
    time.sleep(1)  # let supervision learn the tree before the clock starts
    return client, branch, members


def rpcs_of(bp, client, query, variables):
    """How many RPCs the gateway made for one run of ``query``."""
    def count():
        return metric_sum(bp.metrics("gateway"), "xianfeng_gateway_rpc_duration_seconds_count")
    before = count()
    client.run(query, variables)
    return int(count() - before)


class Months:
    """A fresh month for every try, in years no other figure uses."""

    def __init__(self, first_year=1990):
        self.i = 0
        self.first_year = first_year

    def next(self):
        year, month = self.first_year + self.i // 12, self.i % 12 + 1
        self.i += 1
        return year, month


def _record(client, branch, members, year, month, i):
    client.record_activity(branch, "ACTIVITY_DAY", f"鲜度第{i + 1}次", f"{year}-{month:02d}-05", [
        {"memberId": members[0], "status": "PRESENT"},
        {"memberId": members[1], "status": "ABSENT"},
        {"memberId": members[2], "status": "EXCUSED", "reason": "病假"}])


def small_reads_try(client, branch, members, months, i):
    year, month = months.next()
    before = client.run(POINTS, {"m": members[0], "year": year})["member"]["points"]["total"]
    _record(client, branch, members, year, month, i)
    returned = time.perf_counter()
    while client.run(POINTS, {"m": members[0], "year": year})["member"]["points"]["total"] \
            == before:
        if time.perf_counter() - returned > TIMEOUT:
            raise TimeoutError(f"points of {year}-{month:02d} not visible after {TIMEOUT} s")
    while True:
        results = client.run(A1, {"branch": branch, "period": f"{year}-{month:02d}"})
        if any(r["rule"] == "A1" and r["actual"] >= 1
               for r in results["compliance"]["results"]):
            break
        if time.perf_counter() - returned > TIMEOUT:
            raise TimeoutError(f"A1 of {year}-{month:02d} not visible after {TIMEOUT} s")
    return time.perf_counter() - returned


def original_try(client, branch, members, months, i):
    year, month = months.next()
    variables = {"branch": branch, "period": f"{year}-{month:02d}", "year": year,
                 "m0": members[0], "m1": members[1], "m2": members[2]}
    data = client.run(ORIGINAL_VIEW, variables)
    before = {k: data[k]["points"]["total"] for k in "ab"}
    _record(client, branch, members, year, month, i)
    returned = time.perf_counter()
    while True:
        data = client.run(ORIGINAL_VIEW, variables)
        a1 = [r for r in data["compliance"]["results"] if r["rule"] == "A1"]
        if a1 and a1[0]["actual"] >= 1 and all(data[k]["points"]["total"] != before[k]
                                               for k in "ab"):
            return time.perf_counter() - returned
        if time.perf_counter() - returned > TIMEOUT:
            raise TimeoutError(f"{year}-{month:02d} not visible after {TIMEOUT} s")


def run(bp, report, backend, baselines, repeats=3, tries=10, original_tries=20):
    client, branch, members = _setup(bp)
    months = Months()
    rpc_ms = baselines.get("rpc_ms")
    reads = (rpcs_of(bp, client, POINTS, {"m": members[0], "year": 1989}),
             rpcs_of(bp, client, A1, {"branch": branch, "period": "1989-01"}))
    medians, worsts = [], []
    for _ in range(repeats):
        samples = [small_reads_try(client, branch, members, months, i) for i in range(tries)]
        medians.append(statistics.median(samples) * 1000)
        worsts.append(max(samples) * 1000)
    label = f"freshness, reads of {reads[0]} + {reads[1]} RPCs, {tries} tries x {repeats}"
    if rpc_ms:
        report.add(label + ", median / worst in bare RPC round-trips", backend,
                   f"{Stats(medians).fmt('', 1, 1 / rpc_ms)} / {Stats(worsts).fmt('', 1, 1 / rpc_ms)}",
                   f"bare RPC {rpc_ms:.2f} ms", "≤ 5 / ≤ 20")
    report.add(label + ", median / worst ms", backend,
               f"{Stats(medians).fmt(' ms')} / {Stats(worsts).fmt(' ms')}",
               f"bare RPC {rpc_ms:.2f} ms" if rpc_ms else "")
    samples = sorted(original_try(client, branch, members, months, i) * 1000
                     for i in range(original_tries))
    report.add(f"freshness, original read (compliance + 3 members' points), {original_tries} tries",
               backend, f"median {statistics.median(samples):.1f} ms, p90 "
               f"{samples[int(len(samples) * 0.9) - 1]:.1f} ms, worst {samples[-1]:.1f} ms")
