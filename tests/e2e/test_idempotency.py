"""Nothing twice: an activity is stored once however its request is repeated,
by the broker redelivering it after the activity service died between its
commit and its ack, or by a client retrying after UNAVAILABLE; the same key
with another body is CONFLICT. Through the contract over HTTP, with the
services as processes (only those the activity and its points need)."""
import os
import signal
import threading

import pytest

from shared.idempotency import KILL_AFTER_COMMIT, field_key
from tests.e2e.conftest import _platform, admin, eventually

CRASH_KEY = "crash-between-commit-and-ack"
# short, so that an answer lost with a service comes back as UNAVAILABLE soon;
# long enough for this module's few requests on a busy machine
RPC_TIMEOUT = "6"

RECORD = """mutation($i: ActivityInput!) { recordActivity(input: $i) {
    id theme heldOn attendance { member { id } status } } }"""
ACTIVITIES = """query($org: ID!) { activities(orgId: $org, from: "2017-01-01", to: "2017-12-31") {
    id theme } }"""
POINTS = """query($id: ID!) { member(id: $id) { points(year: 2017) { total entries {
    sourceEvent } } } }"""


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    # the activity service kills itself right after committing the request
    # with CRASH_KEY: the test-only hook of shared/idempotency.py
    starting = _platform("sqlite", tmp_path_factory, extra_env={
        KILL_AFTER_COMMIT: field_key(CRASH_KEY, "recordActivity"),
        "XF_RPC_TIMEOUT": RPC_TIMEOUT}, services=("organization", "activity", "scoring"))
    platform = next(starting)
    try:
        client = admin(platform)
        city = client.create_org("市", "CITY")["id"]
        bureau = client.create_org("科技局", "BUREAU", city)["id"]
        committee = client.create_org("局党委", "COMMITTEE", bureau)["id"]
        branch = client.create_org("第一支部", "BRANCH", committee)["id"]
        members = [client.register_member(f"甲{i}", branch)["id"] for i in range(3)]
        yield platform, client, branch, members
    finally:
        starting.close()


def day(branch, member, theme):
    return {"orgId": branch, "kind": "ACTIVITY_DAY", "theme": theme, "heldOn": "2017-06-03",
            "attendance": [{"memberId": member, "status": "PRESENT"}]}


def send(client, data, key):
    response = client.post(RECORD, {"i": data}, headers={"Idempotency-Key": key})
    assert response.status_code == 200, response.text
    return response.json()


def codes(body):
    return [e["extensions"]["code"] for e in body.get("errors", [])]


def stored(client, branch, theme):
    return [a["id"] for a in client.run(ACTIVITIES, {"org": branch})["activities"]
            if a["theme"] == theme]


def test_kill_9_between_commit_and_ack_then_a_retry_with_the_key_stores_one_activity(world):
    platform, client, branch, (member, *_) = world
    data = day(branch, member, "断电之后")
    service = platform.procs["activity"]
    first = {}
    sender = threading.Thread(target=lambda: first.update(send(client, data, CRASH_KEY)))
    sender.start()

    def killed():
        assert service.poll() is not None
    eventually(killed, timeout=60, what="the activity service killed after its commit")
    assert service.returncode == -signal.SIGKILL
    platform.start_service("activity")
    sender.join(timeout=120)
    # the broker redelivers the unacked request to the restarted service,
    # which answers it from the stored key if the gateway still waits;
    # else the first answer was UNAVAILABLE
    if codes(first):
        assert codes(first) == ["UNAVAILABLE"], first
    retry = send(client, data, CRASH_KEY)
    assert not codes(retry), retry
    recorded = retry["data"]["recordActivity"]
    assert stored(client, branch, "断电之后") == [recorded["id"]]
    if not codes(first):
        assert first["data"]["recordActivity"] == recorded
    assert recorded["theme"] == "断电之后"

    def posted():
        assert client.run(POINTS, {"id": member})["member"]["points"]["entries"]
    eventually(posted, timeout=60, what="the activity's points")
    points = client.run(POINTS, {"id": member})["member"]["points"]
    assert len(points["entries"]) == 1 and points["total"] == 2.0


def test_a_retry_with_the_key_after_unavailable_stores_one_activity(world):
    """The service held the request too long (here: stopped) and the
    gateway answered UNAVAILABLE; the service then carried it out late, and
    the client's retry gets that activity instead of recording another."""
    platform, client, branch, (_, member, _) = world
    data = day(branch, member, "超时之后")
    service = platform.procs["activity"]
    os.kill(service.pid, signal.SIGSTOP)
    try:
        first = send(client, data, "slow-1")
    finally:
        os.kill(service.pid, signal.SIGCONT)
    assert codes(first) == ["UNAVAILABLE"], first

    def carried_out_late():
        assert stored(client, branch, "超时之后")
    eventually(carried_out_late, timeout=60, what="the held request carried out")
    retry = send(client, data, "slow-1")
    assert not codes(retry), retry
    assert stored(client, branch, "超时之后") == [retry["data"]["recordActivity"]["id"]]


def test_the_same_key_with_another_body_is_conflict_and_writes_nothing(world):
    _, client, branch, (_, _, member) = world
    first = send(client, day(branch, member, "第一次"), "reused")
    assert not codes(first), first
    again = send(client, day(branch, member, "第二次"), "reused")
    assert codes(again) == ["CONFLICT"]
    assert "already used for another request" in again["errors"][0]["message"]
    assert again["data"] is None
    assert stored(client, branch, "第一次") == [first["data"]["recordActivity"]["id"]]
    assert stored(client, branch, "第二次") == []
