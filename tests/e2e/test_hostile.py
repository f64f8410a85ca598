"""Hostile and malformed requests against the whole platform, on PostgreSQL
(where a NUL in a string used to reach the database): refused before
anything runs, as BAD_INPUT or 401, never INTERNAL or HTTP 500, while the
platform goes on answering everyone else; then a seeded schemathesis run
over the whole schema, which fails on any 5xx or INTERNAL."""
import concurrent.futures

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from shared import clock
from tests.e2e.conftest import Tree, admin, token
from tools.client import Client

# A few hundred examples: about half a minute of a loaded two-core machine.
FUZZ_EXAMPLES = 200
FUZZ_SEED = 20170603

ACTIVITIES = """query($org: ID!) { activities(orgId: $org, from: "2000-01-01", to: "2030-12-31") {
    id theme } }"""
MEMBERS = """query($org: ID!) { organization(id: $org) { members { id name } } }"""
RECORD = "mutation($i: ActivityInput!) { recordActivity(input: $i) { id } }"
REGISTER = "mutation($i: MemberInput!) { registerMember(input: $i) { id } }"
NORMAL = """query($id: ID!) { organization(id: $id) { name children { name children { name
    members { name } } } } }"""


@pytest.fixture(scope="module")
def platform(postgresql_platform):
    # the run's plain platform on PostgreSQL (the default limits): what the
    # fuzzing below writes is in this module's tree or in organisations of
    # its own making, which no other module looks at
    return postgresql_platform


@pytest.fixture(scope="module")
def world(platform):
    client = admin(platform)
    return client, Tree(client, "-hostile")


def activity(tree, **changes):
    data = {"orgId": tree.branch_a, "kind": "ACTIVITY_DAY", "theme": "学党章",
            "heldOn": "2017-06-03",
            "attendance": [{"memberId": tree.a[0], "status": "PRESENT"}]}
    data.update(changes)
    return data


def codes(body):
    return [(e.get("extensions") or {}).get("code") for e in body.get("errors") or []]


def metric(platform, name, **labels):
    """A sample of the gateway's metrics, summed over the other labels."""
    text = requests.get(platform.metrics_url, timeout=10).text
    return sum(s.value for family in text_string_to_metric_families(text)
               for s in family.samples
               if s.name == name and labels.items() <= s.labels.items())


def rpc_calls(platform):
    return metric(platform, "xianfeng_gateway_rpc_duration_seconds_count")


def hostile_queries(tree):
    branch = (f'organization(id: "{tree.city}") {{ children {{ children {{ children {{ '
              "members { name points(year: 2017) { total byCategory { points } } } } } } }")
    fragments = " ".join(
        f"fragment F{i} on Organization {{ "
        + " ".join(f"p{j}: parent {{ ...F{i + 1} }}" for j in range(10)) + " }"
        for i in range(20))
    fifteen_kb = []
    for n in range(10):
        text, i = "{ ", 0
        while len(text) < 15_000:
            text += f"q{n}x{i}: {branch} "
            i += 1
        fifteen_kb.append(text + "}")
    return {
        "500 aliases over the tree": "{ " + " ".join(f"a{i}: organizations {{ children {{ "
                                                     "children { members { name } } } }"
                                                     for i in range(500)) + " }",
        "a fragment bomb": f"{{ organizations {{ ...F0 }} }} {fragments} "
                           "fragment F20 on Organization { id }",
        "children nested six deep": "{ organizations { " + "children { " * 6
                                    + "members { name } " + "} " * 6 + "} }",
        **{f"15 KB query {n + 1} of 10": q for n, q in enumerate(fifteen_kb)},
    }


def test_hostile_queries_are_refused_before_they_run_and_others_are_answered(platform, world):
    client, tree = world
    hostile = hostile_queries(tree)
    bearer = token(sub="attacker")

    def attack(query):
        return requests.post(client.url, json={"query": query}, timeout=120,
                             headers={"Authorization": f"Bearer {bearer}"})

    # alone, they reach no service at all
    before = rpc_calls(platform)
    refused = metric(platform, "xianfeng_gateway_refused_total", reason="limits")
    with concurrent.futures.ThreadPoolExecutor(len(hostile)) as pool:
        answers = dict(zip(hostile, pool.map(attack, hostile.values())))
    for what, response in answers.items():
        assert response.status_code == 200, what
        assert set(codes(response.json())) == {"BAD_INPUT"}, (what, response.text[:500])
        assert response.json()["data"] is None
    assert rpc_calls(platform) == before
    assert metric(platform, "xianfeng_gateway_refused_total",
                  reason="limits") - refused == len(hostile)

    # all at once again, while a person asks for a bureau's tree: they get it
    expected = client.run(NORMAL, {"id": tree.bureau1})
    with concurrent.futures.ThreadPoolExecutor(len(hostile) + 4) as pool:
        attacks = [pool.submit(attack, q) for q in hostile.values()]
        normal = [pool.submit(client.run, NORMAL, {"id": tree.bureau1}) for _ in range(4)]
        assert [f.result() for f in normal] == [expected] * 4
        assert all(set(codes(f.result().json())) == {"BAD_INPUT"} for f in attacks)
    members = {m["name"] for c in expected["organization"]["children"]
               for b in c["children"] for m in b["members"]}
    assert members == {"甲1", "甲2", "甲3", "甲4", "乙1", "乙2"}


BAD_TEXT = {
    "a NUL in an activity's theme": lambda t: {
        "query": RECORD, "variables": {"i": activity(t, theme="学\x00党章")}},
    "a NUL escaped in the query's own string": lambda t: {
        "query": f'mutation {{ recordActivity(input: {{orgId: "{t.branch_a}", '
                 'kind: ACTIVITY_DAY, theme: "学\\u0000", heldOn: "2017-06-03", '
                 'attendance: []}) { id } }'},
    "a NUL in a new member's name": lambda t: {
        "query": REGISTER, "variables": {"i": {"name": "甲\x00", "branchId": t.branch_a}}},
    "a NUL in an id looked up": lambda t: {
        "query": "query($id: ID!) { organization(id: $id) { id } }",
        "variables": {"id": t.branch_a + "\x00"}},
    "a lone surrogate in an excuse": lambda t: {
        "query": RECORD, "variables": {"i": activity(t, attendance=[
            {"memberId": t.a[0], "status": "EXCUSED", "reason": "病\ud800"}])}},
    "a lone surrogate in a new member's name": lambda t: {
        "query": REGISTER, "variables": {"i": {"name": "\udfff", "branchId": t.branch_a}}},
    "a lone surrogate in operationName": lambda t: {
        "query": "query Q { __typename }", "operationName": "Q\ud800"},
}


@pytest.mark.parametrize("what", sorted(BAD_TEXT))
def test_a_nul_or_a_lone_surrogate_is_bad_input_and_stores_nothing(world, what):
    client, tree = world
    # requests writes the lone surrogate as the JSON escape "\ud800"
    response = client.session.post(client.url, json=BAD_TEXT[what](tree), timeout=30,
                                   headers={"Authorization": f"Bearer {client.token}"})
    assert response.status_code == 200, (what, response.status_code, response.text[:300])
    assert codes(response.json()) == ["BAD_INPUT"], (what, response.text[:300])
    assert client.run(ACTIVITIES, {"org": tree.city})["activities"] == []
    assert len(client.run(MEMBERS, {"org": tree.branch_a})["organization"]["members"]) == 4


def test_a_token_subject_of_128_characters_records_and_a_longer_one_is_401(world):
    client, tree = world
    longest = Client(client.url.rsplit("/", 1)[0], token(sub="s" * 128, roles=("secretary",)))
    # a secretary records within the backdating limit (shared/backdating.py)
    recent = clock.today().isoformat()
    recorded = longest.run(RECORD, {"i": activity(tree, heldOn=recent)})
    assert recorded["recordActivity"]["id"]
    for what, sub in (("129 characters", "s" * 129), ("a NUL", "sub\x00"),
                      ("a lone surrogate", "sub\ud800")):
        response = client.post(RECORD, {"i": activity(tree)}, token=token(sub=sub))
        assert response.status_code == 401, what
        assert codes(response.json()) == ["UNAUTHENTICATED"]
    assert len(client.run(ACTIVITIES, {"org": tree.city})["activities"]) == 1


def test_lists_longer_than_their_bound_are_refused_with_a_short_answer(world):
    client, tree = world
    lines = [{"memberId": f"nobody-{i}", "status": "PRESENT"} for i in range(501)]
    response = client.post(RECORD, {"i": activity(tree, attendance=lines)})
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "BAD_INPUT", "field": "input.attendance"}
    assert "501 attendance lines; at most 500" in error["message"]
    assert len(response.content) < 1000
    response = client.post(REGISTER, {"i": {"name": "丁", "branchId": tree.branch_a,
                                            "roles": ["member"] * 11}})
    assert codes(response.json()) == ["BAD_INPUT"]
    assert response.json()["errors"][0]["extensions"]["field"] == "input.roles"
    assert len(client.run(MEMBERS, {"org": tree.branch_a})["organization"]["members"]) == 4


def test_metrics_are_on_their_own_port_and_readyz_asks_the_services_once_in_a_while(platform):
    assert requests.get(f"{platform.url}/metrics", timeout=10).status_code == 404
    before = rpc_calls(platform)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda _: requests.get(f"{platform.url}/readyz",
                                                        timeout=60).status_code, range(60)))
    assert statuses == [200] * 60
    # one RPC per service per request would be 360; each worker process asks
    # the six services at most once every two seconds
    assert rpc_calls(platform) - before < 180


def test_a_seeded_schemathesis_run_finds_no_5xx_and_no_internal_error(platform, world):
    """Queries and mutations drawn from the schema, valid and not. Ids are
    often those of a real tree, or one with something after it, so that
    input gets past the look-ups to the services and the database; text is
    drawn with the characters that matter where it is stored or matched
    (NUL, LIKE's % and _, quotes, a backslash, a character beyond the BMP,
    a combining mark) among the others."""
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, seed, settings
    from hypothesis import strategies as st
    from schemathesis import GenerationMode
    from schemathesis.graphql import nodes
    from schemathesis.specs.graphql.scalars import CUSTOM_SCALARS

    _, tree = world
    known = [tree.city, tree.bureau1, tree.committee1, tree.branch_a, tree.branch_b,
             tree.bureau2, tree.branch_c, *tree.a, *tree.b, *tree.c]
    edge = st.sampled_from(["\x00", "%", "_", "'", '"', "\\", "\n", "\u200b", "\U00020000",
                            "\u0301"])
    text = st.lists(st.one_of(edge, st.characters(codec="utf-8")), max_size=12).map("".join)
    real = st.sampled_from(known)
    scalars = {"ID": st.one_of(real, st.tuples(real, text).map("".join), text).map(nodes.String),
               "String": text.map(nodes.String)}
    headers = {"Authorization": f"Bearer {token(sub='fuzzer')}"}
    schema = schemathesis.graphql.from_url(f"{platform.url}/graphql", headers=headers,
                                           timeout=60)
    failures, sent = [], []

    @seed(FUZZ_SEED)
    @settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=st.one_of(schema.as_strategy(),
                          schema.as_strategy(generation_mode=GenerationMode.NEGATIVE)))
    def fuzz(case):
        response = case.call(headers=headers, timeout=60)
        sent.append(case.operation.label)
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code >= 500 or "INTERNAL" in codes(body):
            failures.append(f"{case.body!r}\n  -> {response.status_code} "
                            f"{response.text[:300]}")

    saved = dict(CUSTOM_SCALARS)
    CUSTOM_SCALARS.update(scalars)  # schemathesis keeps custom scalars in one registry
    try:
        fuzz()
    finally:
        CUSTOM_SCALARS.clear()
        CUSTOM_SCALARS.update(saved)
    assert len(set(sent)) >= 10, f"too few operations were tried: {set(sent)}"
    assert not failures, f"{len(failures)} of {len(sent)} requests failed:\n" + \
        "\n".join(failures[:5])
