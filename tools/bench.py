"""The benchmark: every figure of issue 5's table, each beside its baseline
measured in the same run, repeated (median and spread), on SQLite and
PostgreSQL. It prints figures; it asserts nothing about speed.

    make bench                                   # the small city, under 5 minutes
    make bench-city                              # the city of 2,000 branches (long)
    make bench BENCH_ARGS="--only freshness,tree --backends sqlite"

Each backend gets a platform of its own (every service and the gateway as
processes, on a RabbitMQ virtual host and databases made for the run). Every
figure is measured alone: one that fails prints its error and the others go
on. The modules: bench_broker (kombu and bare RPC baselines), bench_http
(bare gunicorn), bench_freshness, bench_pipeline (single and bulk writes end
to end), bench_tree, bench_compliance (a synthetic city, tools/synth_city.py),
bench_supervision (timer work), bench_scoring (the scoring handler alone),
bench_retention (the retention sweep's cost), bench_roster (a 5,000-row
roster import), bench_cpu (CPU ms per activity in each process, single and
bulk writes), bench_member_quotas (compliance and the S4 deadline close
with a quota for every member, and the city's branch ratings, in supervision
alone) and bench_report (the city's and a bureau's reports, U5, over 2,000
branches, and a bureau's workbook, in supervision alone).
"""
import argparse
import datetime as dt
import logging
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

from shared.config import REPO_ROOT
from tools import (bench_broker, bench_compliance, bench_cpu, bench_freshness, bench_http,
                   bench_member_quotas, bench_pipeline, bench_report, bench_retention,
                   bench_roster, bench_supervision, bench_tree)
from tools.bench_common import BenchPlatform, Report, Stats
from tools.broker import VirtualHost

PROFILES = {
    "quick": {"compliance": {"bureaus": 10, "branches": 15, "members": 200},
              "small_bureaus": 2, "single_n": 20, "bulk_n": 520, "grow_seconds": 60,
              "timer_interval": 1, "timer_window": 3, "tree_seconds": 1.5,
              "freshness_tries": 7, "scoring_activities": 60, "retention_rows": 50_000,
              "roster_rows": 5000, "quota_members": 6000, "cpu_single": 100, "cpu_bulk": 1000},
    "city": {"compliance": {"bureaus": 50, "branches": 2000, "members": 60000},
             "small_bureaus": 10, "single_n": 100, "bulk_n": 2000, "grow_seconds": 600,
             "timer_interval": 10, "timer_window": 30, "tree_seconds": 5.0,
             "freshness_tries": 10, "scoring_activities": 200, "retention_rows": 500_000,
             "roster_rows": 5000, "quota_members": 60000, "cpu_single": 300, "cpu_bulk": 3000},
}
FIGURES = ("baselines", "freshness", "single", "bulk", "tree", "compliance", "supervision",
           "scoring", "retention", "roster", "member-quotas", "report", "cpu")
PLATFORM_FIGURES = {"freshness", "single", "bulk", "tree", "compliance", "supervision",
                    "roster", "cpu"}


def measure_baselines(report, args, work):
    """The broker's and a bare app's own rates, once for the run."""
    out = {}
    with VirtualHost(f"xf-bench-base-{secrets.token_hex(4)}") as vhost:
        def kombu():
            rates = [bench_broker.kombu_rates(vhost.uri, 1000) for _ in range(args.repeats)]
            publish, consume = Stats([r[0] for r in rates]), Stats([r[1] for r in rates])
            out["kombu_publish"], out["kombu_consume"] = publish.median, consume.median
            report.add("baseline: raw kombu publish (persistent, confirms)", "broker",
                       publish.fmt(" msg/s", 0))
            report.add("baseline: raw kombu consume+ack (prefetch 100)", "broker",
                       consume.fmt(" msg/s", 0))

        def rpc():
            with bench_broker.EchoService(vhost.uri, work / "echo.log") as echo:
                echo.round_trips(20)  # warm
                ms = Stats([statistics.median(echo.round_trips(200)) * 1000
                            for _ in range(args.repeats)])
            out["rpc_ms"] = ms.median
            report.add("baseline: bare nameko RPC round-trip (median of 200)", "broker",
                       ms.fmt(" ms", 2))

        def hello():
            with bench_http.HelloApp(args.port + 50, work / "hello.log") as app:
                app.rate(8, 0.5)  # warm
                runs = [app.rate(8, 2.0) for _ in range(args.repeats)]
            out["hello_rps"] = Stats([r[0] for r in runs]).median
            report.add("baseline: bare gunicorn hello app, 8 client threads", "http",
                       f"{Stats([r[0] for r in runs]).fmt(' req/s', 0)}, p95 "
                       f"{Stats([r[1] * 1000 for r in runs]).fmt(' ms', 1)}")

        report.run("kombu rates", "broker", kombu)
        report.run("bare RPC", "broker", rpc)
    report.run("bare gunicorn", "http", hello)
    return out


def run_scoring(report, backend, repeats, activities):
    """tools/bench_scoring.py (the scoring part's) measures the scoring
    handler alone, no broker: posting on an empty and on a 30k-row ledger."""
    from tools import bench_scoring
    figures = bench_scoring.main(["--backend", backend, "--repeats", str(repeats),
                                  "--activities", str(activities)])
    runs = lambda f: Stats(f["runs"]).fmt(" act/s")  # noqa: E731
    report.add(f"scoring handler alone, {figures['attendees']} attendees "
               f"(tools/bench_scoring.py), empty vs {figures['ledger_rows']:,}-row ledger",
               backend, f"{runs(figures['empty'])} vs {runs(figures['full'])}: "
               f"{figures['ratio']:.2f}×", "", "≥ 0.9×")


def run_backend(report, args, profile, backend, baselines, port):
    env = {"XF_AUTO_CLOSE_INTERVAL": str(profile["timer_interval"])}
    if args.only & PLATFORM_FIGURES:
        run_on_platform(report, args, profile, backend, baselines, port, env)
    run_apart(report, args, profile, backend)


def run_on_platform(report, args, profile, backend, baselines, port, env):
    with BenchPlatform(backend, port, extra_env=env) as bp:
        if "freshness" in args.only:
            report.run("freshness", backend, bench_freshness.run, bp, report, backend,
                       baselines, args.repeats, profile["freshness_tries"], args.tries)
        if args.only & {"single", "bulk"}:
            report.run("writes", backend, bench_pipeline.run_writes, bp, report, backend,
                       baselines, args.repeats, profile["single_n"], profile["bulk_n"], 4,
                       30000, profile["grow_seconds"], tuple(args.only & {"single", "bulk"}))
        if "tree" in args.only:
            report.run("bureau tree", backend, lambda: bench_tree.run(
                bp, report, backend, baselines, args.repeats,
                seconds=profile["tree_seconds"]))
        sizes = ""
        if "compliance" in args.only:
            report.run("compliance", backend, bench_compliance.run, bp, report, backend,
                       profile["compliance"], profile["small_bureaus"], args.repeats)
            sizes = f", at {profile['compliance']['branches']:,} branches"
        if "supervision" in args.only:
            report.run("supervision timers", backend, lambda: bench_supervision.run(
                bp, report, backend, profile["timer_interval"], args.repeats,
                profile["timer_window"], sizes))
        if "roster" in args.only:
            report.run("roster import", backend, bench_roster.run, bp, report, backend,
                       args.repeats, profile["roster_rows"])
        if "cpu" in args.only:
            # days of 2011 and 2012 of a branch of its own: after the write figures
            report.run("CPU per activity", backend, bench_cpu.run, bp, report, backend,
                       profile["cpu_single"], profile["cpu_bulk"])


def run_apart(report, args, profile, backend):
    """The figures measured on the service's own tables, without a platform."""
    if "member-quotas" in args.only:
        report.run("member quotas", backend, bench_member_quotas.run, report, backend,
                   profile["quota_members"])
    if "report" in args.only:
        report.run("reports", backend, bench_report.run, report, backend,
                   profile["quota_members"])


def main(argv=None):
    warnings.filterwarnings("ignore")
    logging.getLogger("amqp").setLevel(logging.ERROR)
    sys.stdout.reconfigure(line_buffering=True)
    parser = argparse.ArgumentParser(prog="python -m tools.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", choices=sorted(PROFILES), default="quick")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", default=",".join(FIGURES),
                        help="comma-separated: " + ", ".join(FIGURES))
    parser.add_argument("--tries", type=int, default=20,
                        help="tries of the original freshness read (at least 20)")
    parser.add_argument("--port", type=int, default=18000)
    for size in ("bureaus", "branches", "members"):
        parser.add_argument(f"--{size}", type=int,
                            help=f"{size} of the compliance figures' city (default: the profile's)")
    args = parser.parse_args(argv)
    if args.tries < 20:
        parser.error("at least 20 tries")
    args.only = set(args.only.split(","))
    unknown = args.only - set(FIGURES)
    if unknown:
        parser.error(f"unknown figures {sorted(unknown)}; use {', '.join(FIGURES)}")
    profile = dict(PROFILES[args.profile])
    profile["compliance"] = {k: getattr(args, k) or v for k, v in profile["compliance"].items()}
    backends = [b for b in args.backends.split(",") if b]

    started = time.perf_counter()
    rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT,
                         capture_output=True, text=True).stdout.strip()
    print(f"xianfeng benchmark, profile {args.profile}, {dt.datetime.now():%Y-%m-%d %H:%M}, "
          f"git {rev}, {os.cpu_count()} cores, {args.repeats} repeats")
    report = Report()
    work = Path(tempfile.mkdtemp(prefix="xf-bench-"))
    baselines = {}
    if "baselines" in args.only or args.only & {"freshness", "bulk", "tree"}:
        baselines = measure_baselines(report, args, work)
    for i, backend in enumerate(backends):
        try:
            run_backend(report, args, profile, backend, baselines, args.port + 100 * i)
        except Exception as exc:  # noqa: BLE001 - the platform did not start
            report.errors.append(("platform", backend, f"{type(exc).__name__}: {exc}"))
            print(f"the {backend} platform failed: {exc}", flush=True)
        if "scoring" in args.only:
            report.run("scoring handler", backend, run_scoring, report, backend, args.repeats,
                       profile["scoring_activities"])
        if "retention" in args.only:
            report.run("retention", backend, bench_retention.run, report, backend,
                       args.repeats, profile["retention_rows"])
    report.print_table()
    print(f"\n(benchmark took {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
