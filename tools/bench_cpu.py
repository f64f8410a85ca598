"""CPU per activity, process by process: the write paths' cost where it is
spent, so that the stage that limits a rate can be named.

For each path (single ``recordActivity`` of 20 attendees, a few client
threads; the bulk ``recordActivities``, batches of up to 500), the CPU
time (utime + stime from /proc/<pid>/stat) of every platform process (the
gateway counts its gunicorn master and workers, a service its nameko
process) is read before and after N activities have gone end to end
(recorded, scored and counted by supervision), less what each spends idle
in as long (measured just before: timers, the outbox relays' polls), and
divided by N. The database backends serving the platform's own databases
(PostgreSQL) and the broker (RabbitMQ's beam.smp, shared with whatever else
runs on the machine) are shown apart, as is the benchmark's own client.
The entrypoint runs per activity (from the services' metrics) show how
often each service is asked.

The busiest process's ms per activity bounds that path's rate on one core:
1000 / ms act/s.

    make bench BENCH_ARGS="--only cpu --backends postgresql"
    python -m tools.bench_cpu --backend postgresql --single 200 --bulk 2000

With PY_SPY (the path of a py-spy binary) set, every platform process's
stacks are recorded while each path runs, into XF_SPY_DIR (default /tmp):
``python -m tools.spy_summary /tmp/single-scoring.txt`` sums them up. py-spy
samples wall time of non-idle threads, so read it beside the CPU figures.
"""
import argparse
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy.engine import make_url

from tools import bench_pipeline

TICK = os.sysconf("SC_CLK_TCK")
IDLE_SECONDS = 3.0
# shown apart from the platform's own processes
APART = ("postgres (own dbs)", "rabbitmq (shared)", "bench client")


def _stat(pid):
    """(session id, cpu seconds, command name) of a process, or None."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = raw[raw.index("(") + 1:raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2:].split()
    # fields[0] is the state (field 3): session is field 6, utime/stime 14/15
    return int(fields[3]), (int(fields[11]) + int(fields[12])) / TICK, name


def _cmdline(pid):
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(
            errors="replace")
    except OSError:
        return ""


def cpu_by_process(platform, databases=()):
    """{process: cpu seconds} for each of the platform's processes (with
    their children, by session), the PostgreSQL backends of its databases,
    the broker and this process."""
    sessions = {proc.pid: name for name, proc in platform.procs.items()}
    out = {name: 0.0 for name in platform.procs}
    out.update({"postgres (own dbs)": 0.0, "rabbitmq (shared)": 0.0})
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        st = _stat(entry)
        if st is None:
            continue
        sid, cpu, name = st
        if sid in sessions:
            out[sessions[sid]] += cpu
        elif name == "beam.smp":
            out["rabbitmq (shared)"] += cpu
        elif name == "postgres" and databases:
            cmd = _cmdline(entry)
            if any(f" {db} " in cmd for db in databases):
                out["postgres (own dbs)"] += cpu
    t = os.times()
    out["bench client"] = t.user + t.system
    return out


def _diff(after, before, n):
    return {k: (after[k] - before.get(k, 0.0)) * 1000 / n for k in after}


def _spies(platform, folder, tag):
    """py-spy (PY_SPY: its path) recording every platform process's
    stacks in collapsed form while a path runs; stopped by SIGINT."""
    spy = os.environ.get("PY_SPY")
    if not spy:
        return []
    procs = []
    for name, proc in platform.procs.items():
        out = Path(folder) / f"{tag}-{name}.txt"
        procs.append((out, subprocess.Popen(
            [spy, "record", "--nonblocking", "--subprocesses", "-r", "200", "-f", "raw",
             "-o", str(out), "-p", str(proc.pid)], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)))
    time.sleep(1.0)
    return procs


def _stop_spies(procs):
    for _out, proc in procs:
        proc.send_signal(signal.SIGINT)
    for out, proc in procs:
        proc.wait(timeout=60)
        print(f"  stacks {out}")


def entrypoint_calls(bp):
    """{(service, entrypoint): calls so far} from the services' metrics."""
    out = {}
    for service in bp.platform.procs:
        if service == "gateway":
            continue
        try:
            samples = bp.metrics(service)
        except Exception:  # noqa: BLE001 - a figure less
            continue
        for (name, labels), value in samples.items():
            if name == "xianfeng_entrypoint_duration_seconds_count":
                key = (service, dict(labels).get("entrypoint", "?"))
                out[key] = out.get(key, 0) + value
    return out


def transactions(bp, databases):
    """{database: transactions committed or rolled back so far} of the
    platform's PostgreSQL databases (pg_stat_database: a statement outside a
    transaction, such as a connection's ping, counts as one)."""
    if not databases:
        return {}
    from sqlalchemy import create_engine, text
    from tools.databases import PG_BASE
    engine = create_engine(PG_BASE)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT datname, xact_commit + xact_rollback FROM pg_stat_database "
                "WHERE datname = ANY(:names)"), {"names": list(databases)}).all()
    finally:
        engine.dispose()
    return {name.rsplit("_", 1)[-1]: int(n) for name, n in rows}


def platform_databases(bp):
    """The names of the platform's PostgreSQL databases (none on SQLite)."""
    return [make_url(url).database for url in bp.dbs.urls.values()] \
        if bp.backend == "postgresql" else []


def platform_total(per):
    """CPU ms per activity summed over the platform's own processes."""
    return sum(v for k, v in per.items() if k not in APART)


def measure(bp, send, inputs, threads, tag=""):
    """(act/s, {process: cpu ms per activity}) for ``inputs`` end to end."""
    dbs = platform_databases(bp)
    # what an earlier figure loaded (a roster's registrations) is consumed first
    bp.wait_quiet()
    # warm: the first one (member-year rows made) is not counted
    before = bp.handled_by()
    send(bp.client(), inputs[:1])
    bp.wait_handled(before, 1)
    inputs = inputs[1:]
    time.sleep(0.5)
    spies = _spies(bp.platform, os.environ.get("XF_SPY_DIR", "/tmp"), tag)
    # what the processes spend idle (timers, the relays' polls), per second
    time.sleep(1.5)
    idle_x0 = transactions(bp, dbs)
    idle0, t0 = cpu_by_process(bp.platform, dbs), time.perf_counter()
    time.sleep(IDLE_SECONDS)
    idle1, t1 = cpu_by_process(bp.platform, dbs), time.perf_counter()
    time.sleep(1.5)
    idle_xacts = {db: (n - idle_x0.get(db, 0)) / (t1 - t0 + 1.5)
                  for db, n in transactions(bp, dbs).items()}
    idle = {k: (idle1[k] - idle0.get(k, 0.0)) / (t1 - t0) for k in idle1}
    calls0 = entrypoint_calls(bp)
    xacts0 = transactions(bp, dbs)
    before = bp.handled_by()
    cpu0, started = cpu_by_process(bp.platform, dbs), time.perf_counter()
    clients = [bp.client() for _ in range(threads)]
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda pair: send(*pair),
                      zip(clients, [inputs[i::threads] for i in range(threads)])))
    # polled slowly: a scrape of the consumers' metrics costs them CPU
    done = bp.wait_handled(before, len(inputs), interval=0.25)
    time.sleep(0.3)  # the last acks and outbox marks
    cpu1, ended = cpu_by_process(bp.platform, dbs), time.perf_counter()
    rate = len(inputs) / (done - started)
    cpu1 = {k: v - idle.get(k, 0.0) * (ended - started) for k, v in cpu1.items()}
    _stop_spies(spies)
    calls1 = entrypoint_calls(bp)
    if dbs:
        time.sleep(1.5)  # the servers' statistics are flushed within a second of idle
        xacts1 = transactions(bp, dbs)
        per_activity = {db: (n - xacts0.get(db, 0) - idle_xacts.get(db, 0) * (ended - started))
                        / len(inputs) for db, n in xacts1.items()}
        print("  PostgreSQL transactions per activity (less the idle polls): " + ", ".join(
            f"{db} {n:.1f}" for db, n in sorted(per_activity.items())))
    calls = {k: (v - calls0.get(k, 0)) / len(inputs) for k, v in calls1.items()
             if v - calls0.get(k, 0) > 0}
    print("  entrypoint runs per activity (service.entrypoint: runs): " + ", ".join(
        f"{s}.{e} {n:.2f}" for (s, e), n in sorted(calls.items(), key=lambda kv: -kv[1])))
    return rate, _diff(cpu1, cpu0, len(inputs))


def print_breakdown(title, rate, per, out=print):
    platform = {k: v for k, v in per.items() if k not in APART}
    total = platform_total(per)
    out(f"  {title}: {rate:.1f} act/s end to end; CPU ms per activity "
        f"(platform processes {total:.1f} ms):")
    for name, ms in sorted(per.items(), key=lambda kv: -kv[1]):
        bound = f"  (bounds one core at {1000 / ms:,.0f} act/s)" if ms > 0.05 and \
            name in platform else ""
        out(f"    {name:<22} {ms:7.2f} ms{bound}")
    return total


def run(bp, report, backend, n_single=100, n_bulk=1000, threads=4, day_offset=0):
    branch, members = bench_pipeline._setup(bp, "耗时")
    inputs = [bench_pipeline._input(branch, members, d, i)
              for i, d in enumerate(bench_pipeline._days(2011, n_single + 1, day_offset))]
    rate, per = measure(bp, bench_pipeline.send_one_by_one, inputs, threads, "single")
    total = print_breakdown(f"single recordActivity ({n_single}, {threads} client threads)",
                            rate, per)
    top = max((k for k in per if k in bp.platform.procs), key=per.get)
    report.add(f"CPU per activity, single recordActivity ({n_single} x 20 attendees, "
               f"{threads} threads)", backend,
               f"{total:.1f} ms over the platform; busiest {top} {per[top]:.1f} ms",
               f"{rate:.1f} act/s")
    if n_bulk:
        bulk = [bench_pipeline._input(branch, members, d, i)
                for i, d in enumerate(bench_pipeline._days(2012, n_bulk + 1, day_offset))]
        rate, per = measure(bp, bench_pipeline.send_bulk, bulk, 2, "bulk")
        total = print_breakdown(f"bulk recordActivities ({n_bulk}, batches of 500, "
                                "2 client threads)", rate, per)
        top = max((k for k in per if k in bp.platform.procs), key=per.get)
        report.add(f"CPU per activity, bulk recordActivities ({n_bulk} x 20 attendees)",
                   backend, f"{total:.1f} ms over the platform; busiest {top} {per[top]:.1f} ms",
                   f"{rate:.1f} act/s")


def main(argv=None):
    from tools.bench_common import BenchPlatform, Report
    parser = argparse.ArgumentParser(prog="python -m tools.bench_cpu", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", default="postgresql")
    parser.add_argument("--single", type=int, default=100)
    parser.add_argument("--bulk", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=18400)
    args = parser.parse_args(argv)
    report = Report()
    with BenchPlatform(args.backend, args.port) as bp:
        run(bp, report, args.backend, args.single, args.bulk, args.threads)
    report.print_table()
    return 0


if __name__ == "__main__":
    sys.exit(main())
