"""How soon the platform shows what was recorded: the time from
``recordActivity`` returning until the attendees' points and the branch's A1
status are visible through GraphQL. Starts its own platform (every service
and the gateway as processes, SQLite by default) on a RabbitMQ virtual host
of its own, and prints figures; it asserts nothing about speed.

    make bench                       # 24 tries
    make bench BENCH_ARGS="--tries 50"
"""
import argparse
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from gateway.auth import make_token
from tools.client import Client
from tools.broker import VirtualHost
from tools.platform import Platform

def view_query():
    return """query($branch: ID!, $period: String!, $year: Int!, $m0: ID!, $m1: ID!, $m2: ID!) {
  compliance(orgId: $branch, period: $period) { results { rule subjectId actual status } }
  a: member(id: $m0) { points(year: $year) { total } }
  b: member(id: $m1) { points(year: $year) { total } }
  c: member(id: $m2) { points(year: $year) { total } }
}"""


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tools.bench")
    parser.add_argument("--tries", type=int, default=24)
    parser.add_argument("--port", type=int, default=18000)
    args = parser.parse_args(argv)
    if args.tries < 20:
        parser.error("at least 20 tries")

    with VirtualHost(f"xf-bench-{secrets.token_hex(4)}") as vhost:
        return measure(vhost, args)


def measure(vhost, args):
    folder = Path(tempfile.mkdtemp(prefix="xf-bench-"))
    secret = secrets.token_urlsafe(32)
    platform = Platform(folder, amqp_uri=vhost.uri,
                        gateway_port=args.port, service_port_base=args.port + 1, secret=secret)
    try:
        print(f"starting the platform in {folder} ...", flush=True)
        platform.start()
        client = Client(platform.url, make_token(secret, "bench", "*", ["admin"]))
        city = client.create_org("市", "CITY")["id"]
        bureau = client.create_org("局", "BUREAU", city)["id"]
        committee = client.create_org("局党委", "COMMITTEE", bureau)["id"]
        branch = client.create_org("支部", "BRANCH", committee)["id"]
        members = [client.register_member(f"党员{i}", branch)["id"] for i in range(3)]
        client.run("{ organizations { id } }")
        time.sleep(1)  # let supervision learn the tree before the clock starts

        samples = []
        for i in range(args.tries):
            year, month = 2000 + i // 12, i % 12 + 1
            held_on = f"{year}-{month:02d}-05"
            present_days = i % 12 + 1
            want_points = {"a": 2.0 * present_days, "b": -3.0 * present_days, "c": 0.0}
            client.record_activity(branch, "ACTIVITY_DAY", f"第{i + 1}次集中活动", held_on, [
                {"memberId": members[0], "status": "PRESENT"},
                {"memberId": members[1], "status": "ABSENT"},
                {"memberId": members[2], "status": "EXCUSED", "reason": "病假"}])
            returned = time.perf_counter()
            variables = {"branch": branch, "period": f"{year}-{month:02d}", "year": year,
                         "m0": members[0], "m1": members[1], "m2": members[2]}
            polls = 0
            while True:
                polls += 1
                data = client.run(view_query(), variables)
                a1 = [r for r in data["compliance"]["results"] if r["rule"] == "A1"][0]
                totals = {k: data[k]["points"]["total"] for k in "abc"}
                if a1["actual"] == 1 and totals == want_points:
                    break
                if time.perf_counter() - returned > 30:
                    raise SystemExit(f"try {i + 1}: not visible after 30 s: {a1} {totals}")
            samples.append(time.perf_counter() - returned)
            print(f"  try {i + 1:2d}: {samples[-1] * 1000:7.1f} ms ({polls} polls)", flush=True)

        ms = sorted(s * 1000 for s in samples)
        print()
        print(f"recordActivity returned -> points and A1 visible through GraphQL, "
              f"{len(ms)} tries (SQLite, one process per service):")
        print(f"  median {statistics.median(ms):.1f} ms, p90 {ms[int(len(ms) * 0.9) - 1]:.1f} ms, "
              f"worst {ms[-1]:.1f} ms, best {ms[0]:.1f} ms")
        return 0
    finally:
        platform.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
