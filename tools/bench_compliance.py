"""Compliance reads on a synthetic city loaded through the API
(tools/synth_city.py), in stages, so that one run gives:

- a bureau-month ``compliance`` with a tenth of the history, then with all
  of it (same month, same facts in scope);
- the same query in a city of the first bureaus only, then in the whole
  city (the ratio between a small and a large city);
- a city-year ``compliance`` in both cities;
- the bulk load's own rate, end to end (every activity handled by scoring
  and supervision).

Each load and each timed read starts on a quiet platform: the queues of
every consumer drained (``BenchPlatform.wait_quiet``), so that neither a
read nor the activities' rate shares the cores with the services still
taking in the members registered just before (the seconds that took are
printed). Each load also prints the CPU it cost each process per activity
(``bench_cpu``), which names the stage that limits its rate.
"""
import datetime as dt
import statistics
import time

from tools import bench_cpu
from tools.bench_common import Stats, metric_sum
from tools.synth_city import Loader, plan_city
from tools.bench_pipeline import bulk_available

CITY_YEAR = """query($id: ID!, $period: String!) {
  compliance(orgId: $id, period: $period) { results { rule subjectId status } } }"""
MONTH = 6
ONE_BY_ONE_LIMIT = 800   # without the bulk path, a bigger city takes too long


def timed(client, query, variables, n):
    """Median seconds of ``n`` runs (after one to warm up) and the answer's size."""
    answer = client.run(query, variables)
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        client.run(query, variables)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), len(answer["compliance"]["results"])


def seconds_so_far(bp):
    """(supervision's own seconds in its ``compliance`` entrypoint, the
    gateway's seconds waiting for that RPC) so far, from their metrics."""
    own = metric_sum(bp.metrics("supervision"), "xianfeng_entrypoint_duration_seconds_sum",
                     service="supervision", entrypoint="compliance")
    waited = metric_sum(bp.metrics("gateway"), "xianfeng_gateway_rpc_duration_seconds_sum",
                        service="supervision", method="compliance")
    return own, waited


def split(bp, total_seconds, runs, before):
    """Where the time of ``runs`` reads went: supervision's work, the RPC's
    transfer (the answer's JSON encoded, through the broker, decoded), and
    the rest (the gateway's GraphQL, the HTTP answer and the client)."""
    own, waited = (after - b for after, b in zip(seconds_so_far(bp), before))
    own, waited = own / runs, waited / runs
    return (f"supervision {own * 1000:,.0f} ms, transfer {(waited - own) * 1000:,.0f} ms, "
            f"gateway and HTTP {(total_seconds - waited) * 1000:,.0f} ms")


def run(bp, report, backend, sizes, small_bureaus, repeats=3, seed=5, threads=2):
    plan = plan_city(seed=seed, until=dt.date.today(), **sizes)
    year = plan.year
    big_bureaus = sizes["bureaus"]
    bulk = bulk_available(bp)
    if not bulk and len(plan.activities) > ONE_BY_ONE_LIMIT:
        raise RuntimeError(f"the gateway has no recordActivities; {len(plan.activities):,} "
                           "activities one by one would take too long")
    loader = Loader(lambda: bp.client(timeout=600), threads=threads, log=print)
    small = plan.bureaus_part(0, small_bureaus)
    loaded = loader.load_tree(plan, only=small)
    _say_tree(loaded)
    small_acts = [a for a in plan.activities if a.org in small]
    tenth = [a for i, a in enumerate(small_acts) if a.held_on.month == MONTH or i % 10 == 0]
    tenth_ids = {id(a) for a in tenth}
    rest = [a for a in small_acts if id(a) not in tenth_ids]
    load_rates = []

    def settle(what):
        print(f"  queues drained after {what} in {bp.wait_quiet():.0f} s", flush=True)

    def load(activities):
        settle("the tree and members")
        before = bp.handled_by()
        cpu0, started = bench_cpu.cpu_by_process(bp.platform, dbs), time.perf_counter()
        loader.load_activities(plan, loaded, activities)
        done = bp.wait_handled(before, len(activities), timeout=3600)
        time.sleep(0.3)  # the last acks and outbox marks
        cpu = bench_cpu._diff(bench_cpu.cpu_by_process(bp.platform, dbs), cpu0,
                              len(activities))
        load_rates.append((len(activities), len(activities) / (done - started), cpu))
        bench_cpu.print_breakdown(f"loaded {len(activities):,} activities "
                                  f"({'bulk' if loaded.bulk else 'one by one'})",
                                  load_rates[-1][1], cpu)

    dbs = bench_cpu.platform_databases(bp)
    client = bp.client(timeout=600)
    bureau = loaded.org_ids[plan.of_kind("BUREAU")[0].index]
    city = loaded.org_ids[plan.orgs[0].index]
    month_vars = {"id": bureau, "period": f"{year}-{MONTH:02d}"}
    year_vars = {"id": city, "period": str(year)}

    def bureau_month():
        settle("the load")
        return Stats([timed(client, CITY_YEAR, month_vars, 5)[0] for _ in range(repeats)])

    def city_year():
        settle("the last reads")
        before = seconds_so_far(bp)
        started = time.perf_counter()
        stats = Stats([timed(client, CITY_YEAR, year_vars, 1)[0] for _ in range(repeats)])
        runs = 2 * repeats  # each timed() warms up once
        where = split(bp, (time.perf_counter() - started) / runs, runs, before)
        print(f"  city-year compliance, a read on average: {where}", flush=True)
        return stats, where

    load(tenth)
    month_tenth = bureau_month()
    load(rest)
    month_full_small = bureau_month()
    branches_small = sum(1 for i in small if plan.orgs[i].kind == "BRANCH")
    members_small = sum(1 for m in plan.members if m.branch in small)
    report.add(f"bureau-month compliance, full vs a tenth of the history "
               f"({branches_small} branches)", backend,
               f"{month_full_small.fmt(' ms', 1, 1000)} vs {month_tenth.fmt(' ms', 1, 1000)}: "
               f"{month_full_small.median / month_tenth.median:.2f}×", "", "≤ 1.5×")
    year_small, _ = city_year()

    loader.load_tree(plan, loaded)
    _say_tree(loaded)
    load([a for a in plan.activities if a.org not in small])
    month_big = bureau_month()
    # reported before the city-year read, which may fail on its own
    report.add(f"bureau-month compliance, {big_bureaus}-bureau vs {small_bureaus}-bureau city",
               backend, f"{month_big.fmt(' ms', 1, 1000)} vs "
               f"{month_full_small.fmt(' ms', 1, 1000)}: "
               f"{month_big.median / month_full_small.median:.2f}×", "",
               "≤ 100 ms, ≤ 1.5× between 10 and 50 bureaus")
    year_big, year_split = city_year()
    branches = len(plan.of_kind("BRANCH"))
    size_label = f"{branches:,} branches / {len(plan.members):,} members / " \
                 f"{len(plan.activities):,} activities"
    # what each further branch costs, from the two sizes, carried to 2,000
    slope = max(0.0, (year_big.median - year_small.median) / max(1, branches - branches_small))
    report.add(f"city-year compliance, {size_label}", backend,
               year_big.fmt(" ms", 0, 1000) + f" ({year_split})"
               + ("" if branches >= 2000 else
                  f"; ~{year_big.median + slope * (2000 - branches):.2f} s at 2,000 branches "
                  f"by its growth per branch"),
               f"{branches_small} branches / {members_small:,} members: "
               f"{year_small.fmt(' ms', 0, 1000)}", "≤ 1 s at 2,000 branches")
    n, rate, cpu = max(load_rates, key=lambda stage: stage[0])
    how = "bulk path" if loaded.bulk else "one by one (no bulk path)"
    top = max((k for k in cpu if k in bp.platform.procs), key=cpu.get)
    report.add(f"{how}, city-year load end to end ({n:,} activities, largest stage)",
               backend, f"{rate:.0f} act/s; CPU per activity: busiest {top} {cpu[top]:.1f} ms, "
               f"the platform's processes {bench_cpu.platform_total(cpu):.1f} ms", "",
               "≥ 250 act/s (140,000 in ≤ 10 min)")
    return plan, loaded


def _say_tree(loaded):
    print(f"  {len(loaded.org_ids):,} organisations and {len(loaded.member_ids):,} members "
          f"created so far ({loaded.seconds.get('orgs', 0):.0f} s and "
          f"{loaded.seconds.get('members', 0):.0f} s)", flush=True)
