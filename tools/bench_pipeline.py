"""The write pipeline end to end: activities recorded through GraphQL until
both consumers (scoring: points; supervision: quotas) have handled them.

- single ``recordActivity`` with 20 attendees (a few client threads), act/s,
  on an empty ledger and again once the ledger holds ~30,000 rows (grown
  with uncapped postings for the same members and years, the worst case for
  a posting that re-reads history);
- the bulk path (``recordActivities``, batches of up to 500), act/s, and
  that rate as a share of raw kombu consume+ack on the same broker.
"""
import datetime as dt
import time
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import create_engine, text

from tools.bench_common import Stats
from tools.client import GraphQLFailed
from tools.synth_city import RECORD_MANY, RECORD_ONE, _bulk_missing

ATTENDEES = 20


def _setup(bp, name):
    client = bp.client()
    city = client.create_org(f"{name}市", "CITY")["id"]
    bureau = client.create_org(f"{name}局", "BUREAU", city)["id"]
    committee = client.create_org(f"{name}局党委", "COMMITTEE", bureau)["id"]
    branch = client.create_org(f"{name}支部", "BRANCH", committee)["id"]
    members = [client.register_member(f"{name}党员{i}", branch)["id"] for i in range(ATTENDEES)]
    time.sleep(1)  # supervision learns the tree
    return branch, members


def _input(branch, members, day, i, statuses=None):
    lines = []
    for k, m in enumerate(members):
        status = statuses or ("ABSENT" if k == (i % ATTENDEES) else
                              "EXCUSED" if k == (i + 7) % ATTENDEES else "PRESENT")
        line = {"memberId": m, "status": status}
        if status == "EXCUSED":
            line["reason"] = "出差"
        lines.append(line)
    kind = ("ACTIVITY_DAY", "COMMITTEE_MEETING", "GENERAL_MEETING")[i % 3]
    return {"orgId": branch, "kind": kind, "theme": f"第{i + 1}次", "heldOn": day.isoformat(),
            "attendance": lines}


def _days(year, n, offset=0):
    start = dt.date(year, 1, 1)
    return [start + dt.timedelta(days=(offset + i) % 365) for i in range(n)]


def end_to_end(bp, send, inputs, threads, warm=True):
    """act/s from the first send until scoring and supervision have handled
    every one of ``inputs``; ``send(client, chunk)`` records a chunk. With
    ``warm``, the first input is recorded (and handled) before the clock
    starts, so that the members' first posting of the year, which creates
    their member-year rows, is not counted in one column and not the other."""
    if warm:
        before = bp.handled_by()
        send(bp.client(), inputs[:1])
        bp.wait_handled(before, 1)
        inputs = inputs[1:]
    before = bp.handled_by()
    clients = [bp.client() for _ in range(threads)]
    chunks = [inputs[i::threads] for i in range(threads)]
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda pair: send(*pair), zip(clients, chunks)))
    done = bp.wait_handled(before, len(inputs))
    return len(inputs) / (done - started)


def send_one_by_one(client, chunk):
    for data in chunk:
        client.run(RECORD_ONE, {"i": data})


def send_bulk(client, chunk, batch=500):
    for i in range(0, len(chunk), batch):
        client.run(RECORD_MANY, {"inputs": chunk[i:i + batch]})


def ledger_rows(bp):
    engine = create_engine(bp.dbs.urls["scoring"].replace("postgresql://",
                                                          "postgresql+psycopg2://", 1))
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM point_entries")).scalar()
    finally:
        engine.dispose()


def bulk_available(bp):
    """Whether the gateway serves recordActivities (an empty call answers
    either way: an empty list, a refusal of it, or an unknown field)."""
    try:
        bp.client().run(RECORD_MANY, {"inputs": []})
        return True
    except GraphQLFailed as exc:
        return not _bulk_missing(exc)


def run_writes(bp, report, backend, baselines, repeats=3, n=40, bulk_n=520, threads=4,
               ledger_target=30000, grow_seconds=120, figures=("single", "bulk")):
    """Single writes on an empty ledger; then the bulk path, whose
    activities (members absent: uncapped postings, in the years measured
    next) grow the ledger to ~``ledger_target`` rows; then single writes on
    that ledger. Each part that fails says so and the next goes on."""
    branch, members = _setup(bp, "写入")
    empty = None
    if "single" in figures:
        def single_empty():
            nonlocal empty
            empty = Stats([end_to_end(bp, send_one_by_one,
                                      [_input(branch, members, d, i) for i, d in
                                       enumerate(_days(2010 + r, n + 1))], threads)
                           for r in range(repeats)])
            report.add(f"single recordActivity, {ATTENDEES} attendees, end to end to points "
                       f"and quotas, empty ledger ({n} x {repeats}, {threads} client threads)",
                       backend, empty.fmt(" act/s"), "", "≥ 100 act/s")
        report.run("single recordActivity, empty ledger", backend, single_empty)

    def history(r, count):
        # every member absent: uncapped postings of year 2020 + r
        return [_input(branch, members, d, i, statuses="ABSENT")
                for i, d in enumerate(_days(2020 + r, count, 100))]

    grown = {"bulk": False}

    def bulk_figure():
        if not bulk_available(bp):
            raise RuntimeError("the gateway has no recordActivities yet")
        rates = Stats([end_to_end(bp, send_bulk, history(r, bulk_n + 1), 2)
                       for r in range(repeats)])
        grown["bulk"] = True
        report.add(f"bulk path recordActivities end to end ({bulk_n} activities of {ATTENDEES} "
                   f"attendees x {repeats}, 2 client threads)", backend, rates.fmt(" act/s"),
                   "", "≥ 250 act/s")
        consume = baselines.get("kombu_consume")
        if consume:
            report.add("pipeline (bulk) vs raw kombu consume+ack", backend,
                       Stats([r / consume * 100 for r in rates.values]).fmt(" %", 2),
                       f"kombu consume+ack {consume:,.0f} msg/s", "≥ 2 %")

    if "bulk" in figures:
        report.run("bulk path", backend, bulk_figure)
    if "single" not in figures:
        return

    def single_full():
        need = max(0, (ledger_target - ledger_rows(bp)) // ATTENDEES)
        if need > ATTENDEES * 5:  # the bulk path did not grow it: grow it one by one
            growth = [a for r in range(repeats) for a in history(r, need // repeats + 1)]
            started, sent = time.perf_counter(), 0
            before = bp.handled_by()
            with ThreadPoolExecutor(threads) as pool:
                for i in range(0, len(growth), 20 * threads):
                    chunks = [growth[j:j + 20] for j in range(i, min(i + 20 * threads,
                                                                       len(growth)), 20)]
                    list(pool.map(lambda c: send_one_by_one(bp.client(), c), chunks))
                    sent += sum(len(c) for c in chunks)
                    if time.perf_counter() - started > grow_seconds:
                        break
            bp.wait_handled(before, sent, timeout=900)
        rows = ledger_rows(bp)
        print(f"  the ledger holds {rows:,} rows", flush=True)
        full = Stats([end_to_end(bp, send_one_by_one,
                                 [_input(branch, members, d, i) for i, d in
                                  enumerate(_days(2020 + r, n + 1, 10))], threads)
                      for r in range(repeats)])
        report.add(f"single recordActivity, same, {rows:,}-row ledger", backend,
                   full.fmt(" act/s"),
                   f"empty ledger {empty.median:.1f} act/s: ratio "
                   f"{full.median / empty.median:.2f}" if empty else "",
                   "≥ 0.9× the empty rate")
    report.run("single recordActivity, long ledger", backend, single_full)
