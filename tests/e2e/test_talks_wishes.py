"""Talks, minutes and wishes through the front door: a branch secretary
records a talk and lists it, a talk with oneself writes nothing; minutes of
a general meeting with the secretary speaking first are refused and the
right order accepted; a wish is posted, claimed by a member's own token,
fulfilled, and the claimer earns "micro-wish fulfilled"; a claim on the
fulfilled wish is CONFLICT; a viewer writes nothing."""
import pytest

from shared import clock
from tests.e2e.conftest import admin, eventually, refused, token
from tools.client import GraphQLFailed

TALK = """mutation($i: TalkInput!) { recordTalk(input: $i) {
    id kind heldOn notes org { id } participants { id } } }"""
TALKS = """query($o: ID!, $y: Int!) { talks(orgId: $o, year: $y) { id participants { id } } }"""
MINUTES = """mutation($a: ID!, $i: MinutesInput!) { recordMinutes(activityId: $a, input: $i) {
    id minutes { topic speakers { id } decisions } } }"""
POST = """mutation($i: WishInput!) { postWish(input: $i) { id state kind title requester
    postedOn branch { id } } }"""
CLAIM = """mutation($w: ID!, $m: ID!) { claimWish(id: $w, memberId: $m) {
    id state claimedBy { id } } }"""
FULFIL = """mutation($w: ID!, $on: Date!) { fulfilWish(id: $w, on: $on, note: "送到了") {
    id state fulfilledOn note claimedBy { id } } }"""
WISHES = """query($o: ID!, $s: WishState) { wishes(orgId: $o, state: $s) { id state } }"""
POINTS = """query($m: ID!, $y: Int!) { member(id: $m) { points(year: $y) {
    entries { rule } } } }"""



@pytest.fixture(scope="module")
def world(platform):
    client = admin(platform)
    city = client.create_org("实践市", "CITY")["id"]
    bureau = client.create_org("科技局", "BUREAU", city)["id"]
    committee = client.create_org("局党委", "COMMITTEE", bureau)["id"]
    branch = client.create_org("第一支部", "BRANCH", committee)["id"]
    return {"client": client, "branch": branch,
            "secretary": client.register_member("书记", branch, ["secretary"])["id"],
            "committee_member": client.register_member("委员", branch,
                                                       ["branch_committee"])["id"],
            "member": client.register_member("党员", branch)["id"],
            "today": clock.today().isoformat(), "year": clock.today().year,
            "writer": token(branch, ("secretary",), sub="secretary-1"),
            "viewer": token(branch, ("viewer",), sub="viewer-1")}


def test_a_talk_is_recorded_and_listed_and_one_with_oneself_writes_nothing(world):
    client, sec, me = world["client"], world["secretary"], world["member"]
    talk = {"orgId": world["branch"], "kind": "INDIVIDUAL", "heldOn": world["today"],
            "participantIds": [sec, me], "notes": "谈思想"}
    recorded = client.run(TALK, {"i": talk}, token=world["writer"])["recordTalk"]
    assert [p["id"] for p in recorded["participants"]] == [sec, me]
    assert (recorded["kind"], recorded["notes"]) == ("INDIVIDUAL", "谈思想")
    listed = client.run(TALKS, {"o": world["branch"], "y": world["year"]})["talks"]
    assert [t["id"] for t in listed] == [recorded["id"]]

    assert refused(client, TALK, {"i": {**talk, "participantIds": [me, me]}},
                   world["writer"]) == ["BAD_INPUT"]
    assert refused(client, TALK, {"i": talk}, world["viewer"]) == ["FORBIDDEN"]
    assert len(client.run(TALKS, {"o": world["branch"], "y": world["year"]})["talks"]) == 1


def test_minutes_with_the_secretary_first_are_refused_and_the_right_order_kept(world):
    client, sec, com, me = (world["client"], world["secretary"], world["committee_member"],
                            world["member"])
    meeting = client.record_activity(world["branch"], "GENERAL_MEETING", "发展党员",
                                     world["today"], [{"memberId": m, "status": "PRESENT"}
                                                      for m in (sec, com, me)])["id"]
    first = {"topic": "确定发展对象", "speakerIds": [sec, com, me], "decisions": ["同意"]}
    with pytest.raises(GraphQLFailed) as err:
        client.run(MINUTES, {"a": meeting, "i": first}, token=world["writer"])
    assert err.value.codes == ["BAD_INPUT"] and "书记" in str(err.value)
    assert refused(client, MINUTES, {"a": meeting, "i": {**first, "speakerIds": [com, me, sec]}},
                   world["viewer"]) == ["FORBIDDEN"]
    kept = client.run(MINUTES, {"a": meeting, "i": {**first, "speakerIds": [com, me, sec]}},
                      token=world["writer"])["recordMinutes"]["minutes"]
    assert [s["id"] for s in kept["speakers"]] == [com, me, sec]
    assert (kept["topic"], kept["decisions"]) == ("确定发展对象", ["同意"])


def test_a_wish_claimed_by_a_member_and_fulfilled_earns_the_claimer_points(world):
    client, me = world["client"], world["member"]
    wish = client.run(POST, {"i": {"branchId": world["branch"], "kind": "MICRO_WISH",
                                   "title": "一个书包", "requester": "小明",
                                   "contact": "13800000000"}},
                      token=world["writer"])["postWish"]
    assert wish["state"] == "OPEN" and wish["branch"]["id"] == world["branch"]
    assert refused(client, POST, {"i": {"branchId": world["branch"], "kind": "MICRO_WISH",
                                        "title": "t", "requester": "r"}},
                   world["viewer"]) == ["FORBIDDEN"]
    assert refused(client, CLAIM, {"w": wish["id"], "m": me}, world["viewer"]) == ["FORBIDDEN"]
    own = token(world["branch"], ("member",), sub=me)
    claimed = client.run(CLAIM, {"w": wish["id"], "m": me}, token=own)["claimWish"]
    assert (claimed["state"], claimed["claimedBy"]["id"]) == ("CLAIMED", me)
    done = client.run(FULFIL, {"w": wish["id"], "on": world["today"]},
                      token=world["writer"])["fulfilWish"]
    assert (done["state"], done["fulfilledOn"], done["note"]) == \
        ("FULFILLED", world["today"], "送到了")
    assert refused(client, CLAIM, {"w": wish["id"], "m": world["secretary"]},
                   world["writer"]) == ["CONFLICT"]
    assert [w["id"] for w in client.run(WISHES, {"o": world["branch"], "s": "FULFILLED"},
                                        token=world["viewer"])["wishes"]] == [wish["id"]]
    # the viewer's post wrote nothing
    assert len(client.run(WISHES, {"o": world["branch"], "s": None})["wishes"]) == 1

    def earned():
        entries = client.run(POINTS, {"m": me, "y": world["year"]})["member"]["points"]["entries"]
        assert "micro-wish-fulfilled" in [e["rule"] for e in entries]
    eventually(earned, what="the claimer's micro-wish points")
