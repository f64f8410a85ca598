"""The gateway over the real broker, with several gunicorn worker processes:
a query costs at most one RPC per level however many nodes it has (counted by
the gateway's own metrics; an organisation a worker has fetched before costs
none, gateway/rpc.py KnownOrganizations), /metrics counts every worker's
requests whichever worker answers the scrape, and only bulk mutations may
send large bodies."""
import concurrent.futures
import json

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.conftest import ROOMY_WORKERS, admin, token

@pytest.fixture(scope="module")
def platform(roomy_platform):
    # several gateway workers (ROOMY_WORKERS); TREE asks for a whole city's
    # tree with every member's points: more than the default cost limit
    # allows at city size (gateway/limits.py), and the roomy platform's
    # limits are raised; these tests count RPCs on a city of a few dozen
    # members, their own
    return roomy_platform


def samples(platform, name):
    """{labels as a sorted tuple: value} of one sample name on /metrics."""
    text = requests.get(platform.metrics_url, timeout=10).text
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                found[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def rpc_calls(platform):
    """{"service.method": calls so far}, summed over outcomes."""
    calls = {}
    for labels, value in samples(platform, "xianfeng_gateway_rpc_duration_seconds_count").items():
        labels = dict(labels)
        key = f"{labels['service']}.{labels['method']}"
        calls[key] = calls.get(key, 0) + value
    return calls


def count_rpcs(platform, action):
    before = rpc_calls(platform)
    result = action()
    after = rpc_calls(platform)
    spent = {k: int(v - before.get(k, 0)) for k, v in after.items() if v != before.get(k, 0)}
    return spent, result


def at_most(spent, per_level):
    """Nothing asked beyond ``per_level``; each organisation look-up at most
    once a level (none when the worker knew them all), the rest exactly."""
    assert set(spent) <= set(per_level), spent
    for key, most in per_level.items():
        if key == "organization.get_organizations":
            assert spent.get(key, 0) <= most, (key, spent)
        else:
            assert spent.get(key, 0) == most, (key, spent)


def city(client, tag, bureaus, branches, members):
    """A city of ``bureaus`` bureaus, each with ``branches`` branches of
    ``members`` members (under the bureau directly: the levels of the query
    below are bureau, branch, member)."""
    city_id = client.create_org(f"市{tag}", "CITY")["id"]
    member_ids = []
    for b in range(bureaus):
        bureau = client.create_org(f"局{b}", "BUREAU", city_id)["id"]
        committee = client.create_org("局党委", "COMMITTEE", bureau)["id"]
        for r in range(branches):
            branch = client.create_org(f"第{r}支部", "BRANCH", committee)["id"]
            member_ids += [client.register_member(f"党员{b}-{r}-{m}", branch)["id"]
                           for m in range(members)]
    return city_id, member_ids


TREE = """query($id: ID!) { organization(id: $id) { name children { name children { name
    children { name members { name points(year: 2017) { total
    byCategory { category points } } } } } } } }"""
PER_LEVEL = {
    "organization.get_organizations": 1,   # the city itself
    "organization.children_of": 3,         # bureaus, committees, branches
    "organization.members_of_orgs": 1,     # the members of every branch
    "scoring.points_summaries": 1,         # the points of every member
}


@pytest.mark.parametrize("size", [(1, 2, 2), (3, 4, 5)], ids=["small", "larger"])
def test_a_tree_with_points_costs_one_rpc_per_level(platform, size):
    client = admin(platform)
    city_id, member_ids = city(client, f"-rpc-{size[0]}", *size)
    spent, data = count_rpcs(platform, lambda: client.run(TREE, {"id": city_id}))
    members = [m for bureau in data["organization"]["children"]
               for committee in bureau["children"] for branch in committee["children"]
               for m in branch["members"]]
    assert len(members) == len(member_ids)
    assert all(m["points"]["total"] == 0 for m in members)
    print(f"\n{len(member_ids)} members: {spent}")
    at_most(spent, PER_LEVEL)
    # asked again and again: a worker asks for the city once, then knows it
    runs = 3 * ROOMY_WORKERS
    asked = [count_rpcs(platform, lambda: client.run(TREE, {"id": city_id}))[0]
             .get("organization.get_organizations", 0) for _ in range(runs)]
    assert sum(asked) <= ROOMY_WORKERS - 1 < runs, asked


def test_activities_and_a_recorded_activity_fetch_people_in_one_rpc(platform):
    client = admin(platform)
    city_id, member_ids = city(client, "-acts", 1, 3, 4)
    branches = client.run("""query($id: ID!) { organization(id: $id) { children { children {
        children { id members { id } } } } } }""",
                          {"id": city_id})["organization"]["children"][0]["children"][0]["children"]
    answer = {}

    def record():
        branch = branches[0]
        answer["one"] = client.record_activity(
            branch["id"], "ACTIVITY_DAY", "学党章", "2017-06-03",
            [{"memberId": m["id"], "status": "PRESENT"} for m in branch["members"]])

    spent, _ = count_rpcs(platform, record)
    assert len(answer["one"]["attendance"]) == 4
    print(f"\nrecordActivity with 4 attendees: {spent}")
    at_most(spent, {"organization.get_organizations": 1, "activity.record_activity": 1,
                    "organization.get_members": 1})
    for branch in branches[1:]:
        client.record_activity(branch["id"], "ACTIVITY_DAY", "学党章", "2017-06-03",
                               [{"memberId": m["id"], "status": "PRESENT"}
                                for m in branch["members"]])
    spent, data = count_rpcs(platform, lambda: client.run("""query($id: ID!) {
        activities(orgId: $id, from: "2017-01-01", to: "2017-12-31") { theme
        org { name parent { name } } attendance { status member { name branch { name } } } } }""",
                                                          {"id": city_id}))
    assert len(data["activities"]) == 3
    print(f"activities of 3 branches, 12 attendees: {spent}")
    at_most(spent, {"activity.list_activities": 1,
                    # the city; the branches; the committee above them
                    "organization.get_organizations": 3,
                    "organization.get_members": 1})


def test_metrics_count_the_requests_of_every_worker(platform):
    client = admin(platform)
    query = json.dumps({"query": "{ organizations { id } }"})
    headers = {"Authorization": f"Bearer {token()}", "Content-Type": "application/json"}
    key = (("method", "POST"), ("path", "/graphql"), ("status", "200"))
    folder = platform.data_dir / "gateway-metrics"

    def one(_):
        # a connection of its own each time, so gunicorn may give it to any worker
        return requests.post(client.url, data=query, headers=headers, timeout=30).status_code

    before = samples(platform, "xianfeng_http_request_duration_seconds_count").get(key, 0)
    sent, rounds = 0, 0
    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        while len({p.stem.rsplit("_", 1)[-1] for p in folder.glob("histogram_*.db")}) < 2:
            assert rounds < 50, "every request went to one worker"
            statuses = list(pool.map(one, range(24)))
            assert statuses == [200] * 24
            sent += 24
            rounds += 1
    after = samples(platform, "xianfeng_http_request_duration_seconds_count").get(key, 0)
    assert after - before == sent


def test_only_bulk_mutations_may_send_more_than_a_megabyte(platform):
    client = admin(platform)
    padding = "x" * (1 << 20)
    response = client.post("""query($pad: String) { organizations { id } }""", {"pad": padding})
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_INPUT"
    body = client.post("""mutation($f: String!) { importActivities(orgId: "nowhere", file: $f) {
        created } }""", {"f": padding}).json()
    assert body["errors"][0]["extensions"] == {"code": "BAD_INPUT", "field": "orgId"}
