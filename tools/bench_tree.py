"""The bureau tree: one query for a bureau, its committee, its branches and
their 200 members with their points, driven by several client threads;
req/s and p95 beside a bare gunicorn app driven the same way."""
import time
from concurrent.futures import ThreadPoolExecutor

from tools.bench_common import Stats, drive, percentile

TREE = """query($id: ID!, $year: Int!) { organization(id: $id) { name children { name
  children { name members { id name points(year: $year) { total } } } } } }"""
YEAR = 2005
BRANCHES = 8


def _setup(bp, members=200):
    client = bp.client()
    city = client.create_org("树市", "CITY")["id"]
    bureau = client.create_org("树局", "BUREAU", city)["id"]
    committee = client.create_org("树局党委", "COMMITTEE", bureau)["id"]
    branches = [client.create_org(f"树第{b + 1}支部", "BRANCH", committee)["id"]
                for b in range(BRANCHES)]
    with ThreadPoolExecutor(4) as pool:
        ids = list(pool.map(lambda i: bp.client().register_member(
            f"树党员{i}", branches[i % BRANCHES])["id"], range(members)))
    time.sleep(1)
    before = bp.handled_by()
    by_branch = {b: [m for i, m in enumerate(ids) if i % BRANCHES == k]
                 for k, b in enumerate(branches)}
    for b, ms in by_branch.items():  # every member gets points
        client.record_activity(b, "ACTIVITY_DAY", "学党章", f"{YEAR}-03-05",
                               [{"memberId": m, "status": "PRESENT"} for m in ms])
    bp.wait_handled(before, len(branches))
    return bureau


def run(bp, report, backend, baselines, repeats=3, threads=8, seconds=4.0, members=200):
    bureau = _setup(bp, members)
    variables = {"id": bureau, "year": YEAR}
    client = bp.client()
    data = client.run(TREE, variables)
    seen = [m for c in data["organization"]["children"] for b in c["children"]
            for m in b["members"]]
    if len(seen) != members or any(m["points"]["total"] <= 0 for m in seen):
        raise RuntimeError(f"the tree shows {len(seen)} members, not {members} with points")
    single = sorted(_timed(lambda: client.run(TREE, variables)) for _ in range(10))
    url = bp.url + "/graphql"
    headers = {"Authorization": f"Bearer {bp.token()}"}

    def one(session):
        response = session.post(url, json={"query": TREE, "variables": variables},
                                headers=headers, timeout=60)
        response.raise_for_status()
        if response.json().get("errors"):
            raise RuntimeError(response.json()["errors"][0]["message"])

    rates, p95s = [], []
    for _ in range(repeats):
        rate, latencies, errors = drive(one, threads, seconds)
        if errors:
            raise RuntimeError(f"{len(errors)} tree requests failed: {errors[0]}")
        rates.append(rate)
        p95s.append(percentile(latencies, 95) * 1000)
    hello = baselines.get("hello_rps")
    report.add(f"bureau tree, {members} members with points, {threads} client threads",
               backend, f"{Stats(rates).fmt(' req/s')}, p95 {Stats(p95s).fmt(' ms', 0)}; "
               f"one at a time {single[len(single) // 2] * 1000:.0f} ms",
               f"bare gunicorn {hello:,.0f} req/s" if hello else "",
               "≥ 20 req/s, p95 ≤ 500 ms")


def _timed(fn):
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started
