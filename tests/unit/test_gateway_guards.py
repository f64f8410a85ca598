"""The gateway's guards, run in-process against the recording stand-in for
the services (tests/unit/test_gateway.py): hostile queries and bad text are
refused before any RPC, a query that runs too long is cancelled, expensive
requests are bounded per subject, /readyz asks the services at most once in
a while, and /metrics is not on the public port."""
import io
import json
import threading
import time

import pytest

from gateway import app as gateway_app
from gateway.app import READY_FOR, Gateway, checked
from gateway.auth import make_token
from gateway.limits import ExpensiveRequests, Limits
from tests.unit.test_gateway import SECRET, FakeServices

TREE = "organizations { children { children { members { name points(year: 2017) { total } } } } }"


def send(services, raw, sub="t", limits=None, gateway=None, path="/graphql", method="POST"):
    """(status, parsed answer, answer bytes) of one request."""
    gateway = gateway or Gateway(rpc=services, secret=SECRET, limits=limits)
    if isinstance(raw, dict):
        raw = json.dumps(raw).encode()
    environ = {"PATH_INFO": path, "REQUEST_METHOD": method,
               "HTTP_AUTHORIZATION": "Bearer " + make_token(SECRET, sub, "*", ("admin",)),
               "CONTENT_LENGTH": str(len(raw)), "wsgi.input": io.BytesIO(raw)}
    status = {}
    data = b"".join(gateway(environ, lambda s, h, e=None: status.setdefault("status", s)))
    return status["status"], json.loads(data) if data.startswith(b"{") else data, data


def codes(body):
    return [e["extensions"]["code"] for e in body["errors"]]


def fragment_bomb(levels=30, width=10):
    fragments = " ".join(
        f"fragment F{i} on Organization {{ "
        + " ".join(f"a{j}: parent {{ ...F{i + 1} }}" for j in range(width)) + " }"
        for i in range(levels))
    return (f"{{ organizations {{ ...F0 }} }} {fragments} "
            f"fragment F{levels} on Organization {{ id }}")


HOSTILE = {
    "500 aliases over the tree":
        "{ " + " ".join(f"a{i}: {TREE}" for i in range(500)) + " }",
    "60 aliases over the tree, under 10,000 characters":
        "{ " + " ".join(f"a{i}: {TREE}" for i in range(60)) + " }",
    "a fragment bomb": fragment_bomb(),
    "children nested eight deep":
        "{ organizations { " + "children { " * 8 + "members { name } " + "} " * 8 + "} }",
    "a 15 KB query": "{ " + " ".join(f"a{i}: organizations {{ id name }}"
                                     for i in range(500)) + " }",
    "the tree asked 40 times through fragments": "{ organizations { ...T } } fragment T on "
        "Organization { " + " ".join(f"c{i}: children {{ children {{ members {{ name }} }} }}"
                                     for i in range(40)) + " }",
}


@pytest.mark.parametrize("what", sorted(HOSTILE))
def test_a_hostile_query_is_refused_before_anything_runs(what):
    services = FakeServices(2, 2, 2)
    status, body, raw = send(services, {"query": HOSTILE[what]})
    assert status.startswith("200")
    assert body["data"] is None and set(codes(body)) == {"BAD_INPUT"}, body
    assert not services.calls, f"{what} reached the services: {services.calls}"
    assert len(raw) < 2000


def test_the_refusal_names_the_cost_and_the_limit():
    _, body, _ = send(FakeServices(1, 1, 1), {"query": HOSTILE["60 aliases over the tree, "
                                                                "under 10,000 characters"]})
    messages = " ".join(e["message"] for e in body["errors"])
    assert "query: the query costs 36,252,660" in messages
    assert "the limit is 200,000" in messages
    assert "60 aliased fields; at most 50" in messages


def test_a_query_too_deep_but_of_few_fields_is_told_it_is_too_deep_before_its_cost():
    nested = '{ organization(id: "city") { ' + "children { " * 16 + "id " + "} " * 18
    services = FakeServices(1, 1, 1)
    _, body, _ = send(services, {"query": nested})
    assert codes(body) == ["BAD_INPUT"] and "depth" in body["errors"][0]["message"]
    assert not services.calls


def test_a_chain_of_fragments_too_deep_to_follow_is_bad_input():
    query = "{ organizations { ...F0 } } " + " ".join(
        f"fragment F{i} on Organization {{ ...F{i + 1} }}" for i in range(400)) \
        + " fragment F400 on Organization { id }"
    found = checked(query, Limits(max_chars=10 ** 6))
    assert [e.extensions["code"] for e in found.errors] == ["BAD_INPUT"]


def test_a_query_of_a_usual_size_is_measured_once():
    calls = []
    measure = gateway_app.measure
    gateway_app._check_remembered.cache_clear()
    try:
        gateway_app.measure = lambda *args: calls.append(1) or measure(*args)
        services = FakeServices(1, 1, 1)
        for _ in range(3):
            status, body, _ = send(services, {"query": '{ organization(id: "city") { id } }'})
            assert "errors" not in body
        assert len(calls) == 1
    finally:
        gateway_app.measure = measure


# -- bad text --------------------------------------------------------------------

RECORD = "mutation($i: ActivityInput!) { recordActivity(input: $i) { id } }"


def activity(**changes):
    data = {"orgId": "bureau0-branch0", "kind": "ACTIVITY_DAY", "theme": "学党章",
            "heldOn": "2017-06-03",
            "attendance": [{"memberId": "bureau0-branch0-m0", "status": "PRESENT"}]}
    data.update(changes)
    return data


BAD_TEXT = {
    "a NUL in a theme": {"query": RECORD, "variables": {"i": activity(theme="学\x00党章")}},
    "a lone surrogate in a reason": {"query": RECORD, "variables": {"i": activity(attendance=[
        {"memberId": "m", "status": "EXCUSED", "reason": "\ud800"}])}},
    "a lone surrogate in operationName": {"query": "query Q { organizations { id } }",
                                          "operationName": "\udc00"},
    "a NUL escaped in the query's own string": {
        "query": 'mutation { recordActivity(input: {orgId: "bureau0-branch0", kind: ACTIVITY_DAY, '
                 'theme: "学\\u0000", heldOn: "2017-06-03", attendance: []}) { id } }'},
    "a NUL in a variable's name": {"query": "{ organizations { id } }",
                                   "variables": {"x\x00": 1}},
}


@pytest.mark.parametrize("what", sorted(BAD_TEXT))
def test_a_nul_or_a_lone_surrogate_is_bad_input_before_any_rpc(what):
    services = FakeServices(1, 1, 1)
    status, body, raw = send(services, BAD_TEXT[what])
    assert status.startswith("200"), status
    assert codes(body) == ["BAD_INPUT"], body
    assert not services.calls
    raw.decode("utf-8")  # the answer is UTF-8, whatever was sent


def test_a_surrogate_sent_as_raw_bytes_is_bad_input():
    services = FakeServices(1, 1, 1)
    status, body, _ = send(services, b'{"query": "{ organizations { id } }", '
                                     b'"operationName": "\xed\xa0\x80"}')
    assert codes(body) == ["BAD_INPUT"]


@pytest.mark.parametrize("what, raw", [
    ("JSON nested 100,000 deep", b'{"query": "{ a }", "variables": ' + b"[" * 100_000
     + b"]" * 100_000 + b"}"),
    ("operationName a number", b'{"query": "{ organizations { id } }", "operationName": 7}'),
])
def test_a_body_that_is_not_a_request_is_a_400_not_a_500(what, raw):
    status, body, _ = send(FakeServices(1, 1, 1), raw)
    assert status.startswith("400"), what
    assert codes(body) == ["BAD_INPUT"]


def test_thirty_thousand_attendance_lines_get_a_short_answer_and_no_rpc():
    services = FakeServices(1, 1, 1)
    lines = [{"memberId": f"m{i}", "status": "PRESENT"} for i in range(30_000)]
    query = "mutation($i: [ActivityInput!]!) { recordActivities(inputs: $i) { id } }"
    status, body, raw = send(services, {"query": query,
                                        "variables": {"i": [activity(attendance=lines)]}})
    assert codes(body) == ["BAD_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == "inputs[0].attendance"
    assert "30,000 attendance lines; at most 500" in body["errors"][0]["message"]
    assert len(raw) < 1000 and not services.calls


def test_an_answer_lists_ten_bad_values_then_how_many_more():
    lines = [{"memberId": f"m{i}", "status": "LATE"} for i in range(400)]
    status, body, raw = send(FakeServices(1, 1, 1),
                             {"query": RECORD, "variables": {"i": activity(attendance=lines)}})
    assert len(body["errors"]) == 11 and set(codes(body)) == {"BAD_INPUT"}
    assert body["errors"][-1]["message"].startswith("and 390 more problems")
    assert len(raw) < 5000


def test_a_subject_longer_than_128_characters_is_401():
    services = FakeServices(1, 1, 1)
    status, body, _ = send(services, {"query": '{ organization(id: "city") { id } }'}, sub="s" * 129)
    assert status.startswith("401") and codes(body) == ["UNAUTHENTICATED"]
    status, body, _ = send(services, {"query": '{ organization(id: "city") { id } }'}, sub="s" * 128)
    assert status.startswith("200") and "errors" not in body


# -- time, and expensive requests ------------------------------------------------

class SlowServices(FakeServices):
    def children_of(self, ids):
        time.sleep(0.3)
        return super().children_of(ids)

    def record_activities(self, datas, actor, request=None, roles=None):
        time.sleep(0.3)
        return super().record_activities(datas, actor)


def test_a_query_that_runs_past_the_time_limit_is_cancelled_and_a_mutation_is_not():
    services = SlowServices(2, 2, 1)
    status, body, _ = send(services, {"query": '{ organization(id: "city") { children { '
                                               'children { children { name } } } } }'},
                           limits=Limits(request_timeout=0.2))
    assert body["data"] is None and codes(body) == ["UNAVAILABLE"], body
    assert "0.2 s" in body["errors"][0]["message"]
    # one level ran, then the request stopped: the levels below were never asked
    assert services.calls["organization.children_of"] == 1
    # a mutation may have been committed by then: it runs to its end (its
    # RPCs have their own timeouts)
    query = "mutation($i: [ActivityInput!]!) { recordActivities(inputs: $i) { id } }"
    _, body, _ = send(services, {"query": query, "variables": {"i": [activity()]}},
                      limits=Limits(request_timeout=0.2))
    assert "errors" not in body and len(body["data"]["recordActivities"]) == 1


class BlockingServices(FakeServices):
    """Holds every call until released."""

    def __init__(self):
        super().__init__(1, 1, 1)
        self.entered, self.release = threading.Event(), threading.Event()

    def call(self, service, method, *args):
        self.entered.set()
        assert self.release.wait(30)
        return super().call(service, method, *args)


def test_a_subject_with_expensive_requests_running_is_told_to_try_again():
    services = BlockingServices()
    limits = Limits(expensive_cost=20, max_expensive_per_subject=1)
    gateway = Gateway(rpc=services, secret=SECRET, limits=limits)
    expensive = {"query": '{ organization(id: "city") { children { name } } }'}  # costs 22
    first = {}
    runner = threading.Thread(target=lambda: first.setdefault(
        "answer", send(services, expensive, sub="busy", gateway=gateway)))
    runner.start()
    assert services.entered.wait(30)
    try:
        status, body, _ = send(services, expensive, sub="busy", gateway=gateway)
        assert codes(body) == ["UNAVAILABLE"] and "try again" in body["errors"][0]["message"]
    finally:
        services.release.set()
        runner.join(30)
    assert "errors" not in first["answer"][1]
    # the slot is free again once the first has answered; cheap requests never take one
    _, body, _ = send(services, expensive, sub="busy", gateway=gateway)
    assert "errors" not in body


def test_expensive_requests_are_counted_per_subject_and_freed_however_they_end():
    gate = ExpensiveRequests(2)
    with gate.admit("a") as one, gate.admit("a") as two, gate.admit("a") as three, \
            gate.admit("b") as other:
        assert (one, two, three, other) == (True, True, False, True)
    with pytest.raises(ZeroDivisionError):
        with gate.admit("a"):
            1 / 0
    with gate.admit("a") as one, gate.admit("a") as two:
        assert one and two


# -- /readyz and /metrics -------------------------------------------------------

class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class HealthyServices(FakeServices):
    def health(self):
        return "ok"


def test_a_flood_of_readyz_asks_each_service_once_in_a_while():
    services, clock = HealthyServices(1, 1, 1), Clock()
    gateway = Gateway(rpc=services, secret=SECRET, clock=clock)
    for _ in range(50):
        status, body, _ = send(services, b"", gateway=gateway, path="/readyz", method="GET")
        assert status.startswith("200") and set(body.values()) == {"ok"}
    assert sum(services.calls.values()) == 6
    clock.now += READY_FOR + 0.1
    send(services, b"", gateway=gateway, path="/readyz", method="GET")
    assert sum(services.calls.values()) == 12


def test_metrics_are_not_served_on_the_public_port():
    status, _, _ = send(FakeServices(1, 1, 1), b"", path="/metrics", method="GET")
    assert status.startswith("404")
