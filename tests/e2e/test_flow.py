"""The flow that defines the product, through the contract over HTTP, with
every service running as its own process."""

from tests.e2e.conftest import Tree, admin, eventually

POINTS = """query($id: ID!, $year: Int!) { member(id: $id) { points(year: $year) {
    total byCategory { category points } entries { rule category points sourceEvent occurredOn } } } }"""
COMPLIANCE = """query($org: ID!, $period: String!) { compliance(orgId: $org, period: $period) {
    orgId period results { rule subjectId period required actual status } } }"""
ITEMS = """query($org: ID!) { supervisionItems(orgId: $org) { id rule period state openedAt org { id } } }"""


def points(client, member, year=2017):
    return client.run(POINTS, {"id": member, "year": year})["member"]["points"]


def quota(client, org, period, rule, subject=None):
    results = client.run(COMPLIANCE, {"org": org, "period": period})["compliance"]["results"]
    return [r for r in results if r["rule"] == rule and r["subjectId"] == (subject or org)][0]


def day(client, tree, held_on, attendance, branch=None):
    return client.record_activity(branch or tree.branch_a, "ACTIVITY_DAY", "学党章 守党规",
                                  held_on, attendance)


def test_an_activity_day_updates_points_and_a1_and_a_short_month_opens_an_item(
        platform_on_each_backend):
    client = admin(platform_on_each_backend)
    tree = Tree(client)
    a1, a2, a3, a4 = tree.a
    eventually(lambda: quota(client, tree.branch_a, "2017-06", "A1"), what="supervision knows A")
    assert quota(client, tree.branch_a, "2017-06", "A1")["status"] == "PENDING"

    first = day(client, tree, "2017-06-03", [
        {"memberId": a1, "status": "PRESENT"}, {"memberId": a2, "status": "PRESENT"},
        {"memberId": a3, "status": "EXCUSED", "reason": "出差"},
        {"memberId": a4, "status": "ABSENT"}])
    assert [line["status"] for line in first["attendance"]] == \
        ["PRESENT", "PRESENT", "EXCUSED", "ABSENT"]

    def first_day_counted():
        assert points(client, a4)["total"] == -3.0
        assert points(client, a1)["total"] == 2.0
        assert quota(client, tree.branch_a, "2017-06", "A1")["actual"] == 1
    eventually(first_day_counted, what="the first day's points and count")
    assert quota(client, tree.branch_a, "2017-06", "A1")["status"] == "PENDING"
    assert points(client, a3) == {"total": 0.0, "byCategory": [], "entries": []}
    entry = points(client, a1)["entries"][0]
    assert entry["rule"] == "attend-activity-day" and entry["occurredOn"] == "2017-06-03"
    assert entry["category"] == "organisational-life" and entry["sourceEvent"]

    day(client, tree, "2017-06-17", [{"memberId": a1, "status": "PRESENT"},
                                     {"memberId": a4, "status": "ABSENT"}])
    eventually(lambda: _assert_equal(
        quota(client, tree.branch_a, "2017-06", "A1")["status"], "MET"), what="A1 met")
    eventually(lambda: _assert_equal(points(client, a1)["total"], 4.0), what="a1's points")
    assert points(client, a4)["total"] == -6.0
    assert points(client, a4)["byCategory"] == [{"category": "discipline", "points": -6.0}]
    # the bureau's dashboard sees the branch's status too
    assert quota(client, tree.bureau1, "2017-06", "A1", tree.branch_a)["status"] == "MET"

    # branch B held one day only in June: closing June opens an item on B for A1
    day(client, tree, "2017-06-10", [{"memberId": tree.b[0], "status": "PRESENT"}],
        branch=tree.branch_b)
    eventually(lambda: _assert_equal(
        quota(client, tree.branch_b, "2017-06", "A1")["actual"], 1), what="B's day counted")
    closed = client.run("""mutation($org: ID!) { closePeriod(orgId: $org, period: "2017-06") {
        results { rule subjectId status } } }""", {"org": tree.bureau1})["closePeriod"]
    status = {(r["rule"], r["subjectId"]): r["status"] for r in closed["results"]}
    assert status[("A1", tree.branch_a)] == "MET"
    assert status[("A1", tree.branch_b)] == "MISSED"
    items = client.run(ITEMS, {"org": tree.branch_b})["supervisionItems"]
    a1_items = [i for i in items if i["rule"] == "A1"]
    assert len(a1_items) == 1 and a1_items[0]["state"] == "ASSIGNED"
    assert a1_items[0]["period"] == "2017-06" and a1_items[0]["org"]["id"] == tree.branch_b
    assert a1_items[0]["openedAt"].endswith("+08:00")  # the bureaus' time zone
    assert not [i for i in client.run(ITEMS, {"org": tree.branch_a})["supervisionItems"]
                if i["rule"] == "A1"]
    # closing again opens nothing new
    before = client.run(ITEMS, {"org": tree.bureau1})["supervisionItems"]
    assert len(before) > len(items)  # A's other short quotas and the committee's S2 too
    client.run("""mutation($org: ID!) { closePeriod(orgId: $org, period: "2017-06") { orgId } }""",
               {"org": tree.bureau1})
    assert client.run(ITEMS, {"org": tree.bureau1})["supervisionItems"] == before


def _assert_equal(actual, expected):
    assert actual == expected, f"{actual!r} != {expected!r}"


def test_scoring_stopped_while_activities_are_recorded_catches_up(platform):
    """Nothing lost, nothing doubled: events wait in the broker for scoring."""
    client = admin(platform)
    tree = Tree(client, "-down")
    a1, a2, *_ = tree.a
    platform.stop_service("scoring")
    try:
        for held_on in ("2017-03-04", "2017-03-18", "2017-04-08"):
            day(client, tree, held_on, [{"memberId": a1, "status": "PRESENT"},
                                        {"memberId": a2, "status": "ABSENT"}])
        activities = client.run("""query($org: ID!) { activities(orgId: $org, from: "2017-01-01",
            to: "2017-12-31") { id heldOn } }""", {"org": tree.branch_a})["activities"]
        assert [a["heldOn"] for a in activities] == ["2017-03-04", "2017-03-18", "2017-04-08"]
        # supervision is up and has counted them already
        eventually(lambda: _assert_equal(
            quota(client, tree.branch_a, "2017-03", "A1")["status"], "MET"), what="A1 in March")
    finally:
        platform.start_service("scoring")

    eventually(lambda: _assert_equal(len(points(client, a2)["entries"]), 3),
               what="scoring catching up")
    assert points(client, a1)["total"] == 6.0
    assert points(client, a2)["total"] == -9.0
    # restart once more: redelivery changes nothing
    platform.stop_service("scoring")
    platform.start_service("scoring")
    assert len(points(client, a1)["entries"]) == 3
    assert points(client, a1)["total"] == 6.0


def test_metrics_show_the_flow(platform):
    """After an activity day is recorded: the gateway, the consumers, the
    outbox and the quota gauge are all visible to Prometheus."""
    import requests

    client = admin(platform)
    tree = Tree(client, "-metrics")
    day(client, tree, "2017-09-02", [{"memberId": tree.a[0], "status": "PRESENT"}])

    def scrape(url):
        return {line.split(" ")[0]: float(line.rsplit(" ", 1)[1])
                for line in requests.get(url, timeout=5).text.splitlines()
                if line and not line.startswith("#")}

    gateway = scrape(platform.metrics_url)
    assert any(k.startswith("xianfeng_http_request_duration_seconds_count{")
               and 'path="/graphql"' in k for k in gateway)
    assert any(k.startswith("xianfeng_gateway_rpc_duration_seconds_count{")
               and 'service="activity"' in k for k in gateway)

    def service(name):
        return scrape(f"http://127.0.0.1:{platform.service_port(name)}/metrics")

    def handled():
        supervision = service("supervision")
        key = 'xianfeng_events_handled_total{service="supervision",type="activity_recorded"}'
        assert supervision.get(key, 0) >= 1
    eventually(handled, what="supervision's handled events")
    activity = service("activity")
    assert activity['xianfeng_outbox_backlog{service="activity"}'] == 0
    assert activity['xianfeng_events_published_total{service="activity"}'] >= 1
    assert any(k.startswith("xianfeng_entrypoint_duration_seconds_count{") and
               'entrypoint="record_activity"' in k for k in activity)

    def gauge():
        quotas = {k: v for k, v in service("supervision").items()
                  if k.startswith("xianfeng_quotas{")}
        assert quotas and sum(quotas.values()) > 0 and any('status="PENDING"' in k
                                                          for k in quotas)
    eventually(gauge, what="the quota gauge", timeout=30)
