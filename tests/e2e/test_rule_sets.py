"""Rule sets through the contract, with every service running as its own
process and an operator's rules folder (XF_RULES_DIR) the tests write into:
one bureau's broken file is that bureau's problem alone, a file broken after
it was read good is replaced by its last good copy (across a restart too),
and how far back a secretary may date a record is rule-set data."""
import sqlite3
import textwrap

import pytest
import requests
from kombu import Connection

from tests.e2e.conftest import Tree, _platform, admin, eventually, token
from tests.e2e.test_bulk import HEADER, csv_file
from tests.e2e.test_flow import COMPLIANCE, points
from tools.client import GraphQLFailed

TODAY = "2018-06-30"           # the platform's XF_TODAY: 400 days back is 2017-05-26
SCORING_QUEUE = "evt-activity-activity_recorded--scoring.on_activity_recorded"


@pytest.fixture(scope="module")
def rules_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("operator-rules")
    for kind in ("points", "quota", "records"):
        (folder / kind).mkdir()
    return folder


@pytest.fixture(scope="module")
def platform(rules_dir, tmp_path_factory):
    yield from _platform("sqlite", tmp_path_factory, extra_env={
        "XF_RULES_DIR": str(rules_dir), "XF_RULES_CHECK_INTERVAL": "0.5", "XF_TODAY": TODAY})


@pytest.fixture(scope="module")
def client(platform):
    return admin(platform)


def write(rules_dir, kind, bureau_id, text):
    (rules_dir / kind / f"{bureau_id}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return rules_dir / kind / f"{bureau_id}.yaml"


def metrics_of(platform, service):
    url = f"http://127.0.0.1:{platform.service_port(service)}/metrics"
    return requests.get(url, timeout=10).text


def error_gauge(kind, bureau_id):
    return f'xianfeng_rule_set_errors{{bureau="{bureau_id}",kind="{kind}"}} 1.0'


def parked(platform, bureau_id):
    """How many events wait in scoring's parking queue for ``bureau_id``;
    None when there is no such queue."""
    with Connection(platform.amqp_uri) as conn:
        try:
            _, count, _ = conn.default_channel.queue_declare(
                f"parked.{SCORING_QUEUE}.{bureau_id}", passive=True)
        except Exception:
            return None
        return count


def activity_day(org, held_on, present, theme="学党章"):
    return {"orgId": org, "kind": "ACTIVITY_DAY", "theme": theme, "heldOn": held_on,
            "attendance": [{"memberId": m, "status": "PRESENT"} for m in present]}


def _equal(actual, expected):
    assert actual == expected, (actual, expected)


def _has(text, part):
    assert part in text, part


# -- points ---------------------------------------------------------------------------

def test_a_broken_bureau_point_file_parks_that_bureau_and_no_other(platform, client,
                                                                   rules_dir):
    tree = Tree(client, "-points")
    a1 = tree.a[0]
    # tried: a bureau file that is not YAML at all, there before bureau one's first event
    path = write(rules_dir, "points", tree.bureau1, "kind: points\nversions: [\n  - {\n")
    client.record_activities([activity_day(tree.branch_a, f"2017-06-0{d}", tree.a)
                              for d in (3, 4, 5)])
    client.record_activity(tree.branch_c, "ACTIVITY_DAY", "学党章", "2017-06-03",
                           [{"memberId": tree.c[0], "status": "PRESENT"}])

    # bureau two's points post by the shipped rules, while bureau one's events wait
    eventually(lambda: _equal(points(client, tree.c[0])["total"], 2.0), timeout=60,
               what="bureau two's points")
    eventually(lambda: _equal(parked(platform, tree.bureau1), 3), timeout=60,
               what="bureau one's three events parked")
    assert points(client, a1)["total"] == 0.0
    assert error_gauge("points", tree.bureau1) in metrics_of(platform, "scoring")
    log = (platform.logs / "scoring.log").read_text(errors="replace")
    assert f"rejected the points rule set {path}" in log and "not valid YAML" in log

    # fixed: bureau one's own rules (5 points a day) apply to the events that waited
    write(rules_dir, "points", tree.bureau1, """\
        kind: points
        versions:
          - version: 1
            effective_from: 2017-01-01
            category_dimensions: {organisational-life: DISCIPLINE}
            rules:
              - key: attend-activity-day
                category: organisational-life
                points: 5
                cap: 100
                when: {event: activity_recorded, kinds: [ACTIVITY_DAY], status: PRESENT}
    """)
    eventually(lambda: _equal(points(client, a1)["total"], 15.0), timeout=60,
               what="bureau one's parked events posted once the file was fixed")
    eventually(lambda: _equal(parked(platform, tree.bureau1), None), timeout=30,
               what="the emptied parking queue removed")
    assert error_gauge("points", tree.bureau1) not in metrics_of(platform, "scoring")
    assert points(client, tree.c[0])["total"] == 2.0


# -- quotas ---------------------------------------------------------------------------

def required_a1(client, org, period="2017-06"):
    """{branch id: what A1 requires of it} for every branch under ``org``."""
    results = client.run(COMPLIANCE, {"org": org, "period": period})["compliance"]["results"]
    return {r["subjectId"]: r["required"] for r in results if r["rule"] == "A1"}


def kept_copy(platform, bureau_id):
    """The text of the bureau's quota file that supervision keeps, or None."""
    path = platform.database_urls["supervision"][len("sqlite:///"):]
    with sqlite3.connect(path) as conn:
        row = conn.execute("SELECT text FROM kept_rule_sets WHERE kind = 'quota' AND name = ?",
                           (bureau_id,)).fetchone()
    return row[0] if row else None


def test_a_broken_bureau_quota_file_keeps_its_last_good_copy_across_a_restart(
        platform, client, rules_dir):
    tree = Tree(client, "-quota")
    everyone = {tree.branch_a, tree.branch_b, tree.branch_c}
    eventually(lambda: _equal(set(required_a1(client, tree.city)), everyone),
               what="supervision knows the branches")
    write(rules_dir, "quota", tree.bureau1, """\
        kind: quota
        versions:
          - version: 1
            effective_from: 2017-01-01
            rules:
              - {key: A1, subject: branch, period: month,
                 counts: {activity_kinds: [ACTIVITY_DAY]}, minimum: 3}
    """)
    expected = {tree.branch_a: 3, tree.branch_b: 3, tree.branch_c: 2}
    eventually(lambda: _equal(required_a1(client, tree.city), expected),
               what="bureau one's own quota file in force")

    # tried: a rule whose minimum is 0, which the quota rules refuse
    write(rules_dir, "quota", tree.bureau1, """\
        kind: quota
        versions:
          - version: 1
            effective_from: 2017-01-01
            rules:
              - {key: A1, subject: branch, period: month,
                 counts: {activity_kinds: [ACTIVITY_DAY]}, minimum: 0}
    """)
    assert required_a1(client, tree.city) == expected      # the city's compliance answers
    gauge = error_gauge("quota", tree.bureau1)
    eventually(lambda: _has(metrics_of(platform, "supervision"), gauge),
               what="the broken quota file reported")
    eventually(lambda: _has(kept_copy(platform, tree.bureau1) or "", "minimum: 3"),
               what="the good copy kept")
    platform.stop_service("supervision")
    platform.start_service("supervision")
    eventually(lambda: _equal(required_a1(client, tree.city), expected),
               what="the kept copy in force after a restart")
    assert error_gauge("quota", tree.bureau1) in metrics_of(platform, "supervision")


# -- backdating -----------------------------------------------------------------------

def refused(call):
    with pytest.raises(GraphQLFailed) as err:
        call()
    assert err.value.codes == ["FORBIDDEN"], err.value.errors
    return err.value.errors[0]


def test_a_record_older_than_the_bureau_allows_needs_an_admin(client, rules_dir):
    """recordActivity, recordActivities, importActivities, transferMember."""
    tree = Tree(client, "-backdating")
    secretary = token(tree.branch_a, ("secretary",))
    limit_day, too_old = "2017-05-26", "2017-05-25"     # 400 and 401 days before TODAY
    activities = """query($org: ID!) { activities(orgId: $org, from: "2000-01-01",
        to: "2030-12-31") { heldOn } }"""

    def held(org):
        return sorted(a["heldOn"] for a in client.run(activities, {"org": org})["activities"])

    error = refused(lambda: client.run(
        """mutation($i: ActivityInput!) { recordActivity(input: $i) { id } }""",
        {"i": activity_day(tree.branch_a, too_old, tree.a[:1])}, token=secretary))
    assert "400 days" in error["message"] and "admin" in error["message"]
    assert error["extensions"]["field"] == "heldOn"
    error = refused(lambda: client.record_activities(
        [activity_day(tree.branch_a, limit_day, tree.a[:1]),
         activity_day(tree.branch_a, too_old, tree.a[:1])], token=secretary))
    assert error["extensions"]["field"] == "inputs[1].heldOn" and "400 days" in error["message"]
    paper = [HEADER, ["第一支部", "ACTIVITY_DAY", "补录 学党史", limit_day, "甲1", "", "", ""],
             ["第一支部", "ACTIVITY_DAY", "补录 学党章", too_old, "甲1", "", "", ""]]
    error = refused(lambda: client.import_activities(tree.bureau1, csv_file(paper),
                                                     token=token(tree.bureau1, ("secretary",))))
    assert "row 3 (2017-05-25)" in error["message"] and "400 days" in error["message"]
    assert held(tree.city) == []

    # within the limit a secretary records; beyond it an admin does
    client.record_activities([activity_day(tree.branch_a, limit_day, tree.a[:1])],
                             token=secretary)
    client.record_activities([activity_day(tree.branch_a, too_old, tree.a[:1])])
    assert client.import_activities(tree.bureau1, csv_file(paper))["created"] == 2
    assert held(tree.city) == [too_old, too_old, limit_day, limit_day]

    # a transfer is a dated record too
    transfer = """mutation($m: ID!, $b: ID!, $on: Date) { transferMember(memberId: $m,
        branchId: $b, on: $on) { branch { id } } }"""
    bureau_secretary = token(tree.bureau1, ("secretary",))
    error = refused(lambda: client.run(transfer, {"m": tree.a[1], "b": tree.branch_b,
                                                  "on": too_old}, token=bureau_secretary))
    assert error["extensions"]["field"] == "on" and "400 days" in error["message"]
    moved = client.run(transfer, {"m": tree.a[1], "b": tree.branch_b, "on": limit_day},
                       token=bureau_secretary)
    assert moved["transferMember"]["branch"]["id"] == tree.branch_b

    # the limit is the bureau's rule-set data: bureau two allows 30 days
    write(rules_dir, "records", tree.bureau2, """\
        kind: records
        versions:
          - {version: 1, effective_from: 2017-01-01, backdating_days: 30}
    """)
    error = refused(lambda: client.record_activities(
        [activity_day(tree.branch_c, "2018-05-30", tree.c)],
        token=token(tree.branch_c, ("secretary",))))
    assert "30 days" in error["message"]
    assert len(client.record_activities([activity_day(tree.branch_c, "2018-05-31", tree.c)],
                                        token=token(tree.branch_c, ("secretary",)))) == 1
