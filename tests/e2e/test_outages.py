"""The platform outlives its broker and its database: a burst of mutations
runs through the gateway while the broker (then PostgreSQL) is stopped for a
few seconds and started again. No process exits; every mutation the gateway
acknowledged is stored once and its events are applied once; every error in
the meantime is UNAVAILABLE; afterwards mutations succeed again.

The broker and the cluster are the test's own (tools/faults.py), so stopping
them disturbs no other run on the machine."""
import collections
import concurrent.futures
import contextlib
import datetime
import threading
import time

import pytest
import requests

from tests.conftest import Databases
from tests.e2e.conftest import SECRET, admin, eventually, free_port_block
from tools.faults import PostgresCluster, RabbitNode
from tools.platform import SERVICE_CLASSES, Platform

DOWN_FOR = 4  # seconds the broker or the database stays away
FIRST_DAY = datetime.date(2017, 1, 1)
MEMBERS = """query($org: ID!) { organization(id: $org) { members { id } } }"""
ACTIVITIES = """query($org: ID!) {
    activities(orgId: $org, from: "2017-01-01", to: "2017-12-31") { id heldOn } }"""
POINTS = """query($id: ID!) { member(id: $id) { points(year: 2017) {
    entries { rule occurredOn } } } }"""
COMPLIANCE = """query($org: ID!, $period: String!) { compliance(orgId: $org, period: $period) {
    results { rule subjectId actual } } }"""


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    """Every service and the gateway on a broker and a PostgreSQL cluster of
    this module's own (the two start side by side)."""
    folder = tmp_path_factory.mktemp("outages")
    broker, cluster = RabbitNode(), PostgresCluster()
    with contextlib.ExitStack() as stack:
        stack.callback(broker.remove)
        stack.callback(cluster.remove)
        with concurrent.futures.ThreadPoolExecutor() as pool:  # each takes seconds
            for launched in [pool.submit(broker.launch), pool.submit(cluster.launch)]:
                launched.result()
        # the cluster is removed whole at the end: no database to drop
        dbs = Databases("postgresql", folder, pg_base=cluster.base_url)
        dbs.create()
        base = free_port_block(len(SERVICE_CLASSES) + 1)
        platform = Platform(folder, amqp_uri=broker.uri, gateway_port=base,
                            service_port_base=base + 1, database_urls=dbs.urls, secret=SECRET,
                            # the sweeps run during the outages too
                            extra_env={"XF_RPC_TIMEOUT": "8", "XF_AUTO_CLOSE_INTERVAL": "2",
                                       "XF_RETENTION_INTERVAL": "2"})
        platform.broker, platform.cluster = broker, cluster
        try:
            platform.start()
            yield platform
        finally:
            platform.stop(drain=False)


class Burst(threading.Thread):
    """Registers members and records activity days (a new day each, missed
    by the same two members: absence costs points without a cap, so each
    activity posts to each of them) one after another until stopped, noting
    what the gateway answered to each."""

    def __init__(self, client, branch, attendees, tag):
        super().__init__(daemon=True)
        self.client, self.branch, self.attendees, self.tag = client, branch, attendees, tag
        self.acked = {"member": [], "activity": []}
        self.errors = []  # (what, HTTP status, [codes], message)
        self.acked_at = []
        self.halt = threading.Event()

    def run(self):
        i = 0
        while not self.halt.is_set():
            i += 1
            if i % 2:
                what, field, query, variables = "member", "registerMember", """
                    mutation($i: MemberInput!) { registerMember(input: $i) { id } }""", {
                    "i": {"name": f"{self.tag}{i}", "branchId": self.branch}}
            else:
                what, field, query, variables = "activity", "recordActivity", """
                    mutation($i: ActivityInput!) { recordActivity(input: $i) { id } }""", {
                    "i": {"orgId": self.branch, "kind": "ACTIVITY_DAY", "theme": f"第{i}次",
                          "heldOn": str(FIRST_DAY + datetime.timedelta(days=i // 2 % 365)),
                          "attendance": [{"memberId": m, "status": "ABSENT"}
                                         for m in self.attendees]}}
            try:
                response = self.client.post(query, variables)
                body = response.json() if response.status_code == 200 else {}
            except (requests.RequestException, ValueError) as exc:
                self.errors.append((what, None, [], repr(exc)))
                continue
            if body.get("errors") or response.status_code != 200:
                errors = body.get("errors") or []
                self.errors.append((what, response.status_code,
                                    [e.get("extensions", {}).get("code") for e in errors],
                                    response.text[:300]))
                time.sleep(0.2)
            else:
                self.acked[what].append(body["data"][field]["id"])
                self.acked_at.append(time.monotonic())

    def acks_since(self, moment):
        return sum(1 for t in self.acked_at if t > moment)


def burst_through(platform, outage, tag):
    """Run a burst, with ``outage()`` in the middle of it; return the burst
    and the branch it wrote to."""
    client = admin(platform)
    city = client.create_org(f"市{tag}", "CITY")["id"]
    bureau = client.create_org("科技局", "BUREAU", city)["id"]
    committee = client.create_org("局党委", "COMMITTEE", bureau)["id"]
    branch = client.create_org("第一支部", "BRANCH", committee)["id"]
    attendees = [client.register_member(f"甲{i}", branch)["id"] for i in (1, 2)]
    burst = Burst(admin(platform), branch, attendees, tag)
    burst.start()
    try:
        eventually(lambda: _at_least(burst.acks_since(0), 6), timeout=60,
                   what="acknowledged mutations before the outage")
        outage()
        recovered = time.monotonic()
        eventually(lambda: _at_least(burst.acks_since(recovered), 6), timeout=120,
                   what="acknowledged mutations after the outage")
    finally:
        burst.halt.set()
        burst.join(timeout=60)
        burst.client.session.close()  # a kept-alive connection holds the gateway's stop
    return client, burst, branch, attendees


def check_counted_once(platform, client, burst, branch, attendees):
    """No process exited; the outage answered UNAVAILABLE and nothing else;
    every acknowledged member and activity is stored once, and every stored
    activity (acknowledged or not: a request the broker delivered again
    after its reply was lost may be stored without an answer) was posted
    once to each attendee and counted once in the branch's A1 quota."""
    assert platform.dead() == {}, {n: platform.tail(n) for n in platform.dead()}
    assert burst.errors, "the outage was not noticed: nothing was tested"
    assert all(status == 200 and codes and set(codes) == {"UNAVAILABLE"}
               for _what, status, codes, _ in burst.errors), burst.errors

    members = [m["id"] for m in client.run(MEMBERS, {"org": branch})["organization"]["members"]]
    counts = collections.Counter(members)
    assert all(counts[m] == 1 for m in burst.acked["member"]), \
        [m for m in burst.acked["member"] if counts[m] != 1]

    def events_applied_once():
        stored = client.run(ACTIVITIES, {"org": branch})["activities"]
        ids = collections.Counter(a["id"] for a in stored)
        assert all(ids[a] == 1 for a in burst.acked["activity"])
        days = collections.Counter(a["heldOn"] for a in stored)
        for member in attendees:  # one entry per stored activity
            entries = client.run(POINTS, {"id": member})["member"]["points"]["entries"]
            posted = collections.Counter(e["occurredOn"] for e in entries
                                         if e["rule"] == "absent-without-leave")
            assert posted == days, (member, posted, days)
        months = collections.Counter(day[:7] for day in days.elements())
        for month, held in months.items():
            results = client.run(COMPLIANCE, {"org": branch, "period": month})["compliance"]
            a1 = [r for r in results["results"] if r["rule"] == "A1"
                  and r["subjectId"] == branch]
            assert a1 and a1[0]["actual"] == held, (month, a1, held)
    eventually(events_applied_once, timeout=120, interval=1,
               what="every acknowledged mutation applied once")


def test_a_broker_restarted_mid_burst_loses_nothing_and_kills_nothing(platform):
    def outage():
        platform.broker.stop()
        time.sleep(DOWN_FOR)
        platform.broker.start()
    client, burst, branch, attendees = burst_through(platform, outage, "mq")
    with client.session:
        check_counted_once(platform, client, burst, branch, attendees)


def test_postgresql_restarted_mid_burst_loses_nothing_and_kills_nothing(platform):
    def outage():
        platform.cluster.stop()
        time.sleep(DOWN_FOR)
        platform.cluster.start()
    client, burst, branch, attendees = burst_through(platform, outage, "pg")
    with client.session:
        check_counted_once(platform, client, burst, branch, attendees)


def _at_least(value, minimum):
    assert value >= minimum, value
