"""Every bad input to recordActivity is refused with BAD_INPUT, says what was
wrong, and stores nothing: no activity, no points, no count."""
import pytest

from tests.e2e.conftest import Tree, admin
from tools.client import GraphQLFailed

RECORD = """mutation($i: ActivityInput!) { recordActivity(input: $i) { id } }"""
ACTIVITIES = """query($org: ID!) { activities(orgId: $org, from: "2000-01-01", to: "2030-12-31") {
    id } }"""


@pytest.fixture(scope="module")
def world(platform):
    client = admin(platform)
    tree = Tree(client, "-bad")
    late = client.register_member("新党员", tree.branch_a, joinedOn="2017-07-01")["id"]
    return client, tree, late


def good(tree, **changes):
    data = {"orgId": tree.branch_a, "kind": "ACTIVITY_DAY", "theme": "学党章",
            "heldOn": "2017-06-03",
            "attendance": [{"memberId": tree.a[0], "status": "PRESENT"}]}
    data.update(changes)
    return data


CASES = {
    "unknown branch": (lambda t, late: good(t, orgId="no-such-branch"), "no-such-branch"),
    "attendee of another branch": (
        lambda t, late: good(t, attendance=[{"memberId": t.b[0], "status": "PRESENT"}]), None),
    "attendee of another bureau": (
        lambda t, late: good(t, attendance=[{"memberId": t.c[0], "status": "PRESENT"}]), None),
    "attendee who joined after the day": (
        lambda t, late: good(t, attendance=[{"memberId": late, "status": "PRESENT"}]),
        "2017-06-03"),
    "unknown member": (
        lambda t, late: good(t, attendance=[{"memberId": "nobody", "status": "PRESENT"}]),
        "nobody"),
    "member listed twice": (lambda t, late: good(t, attendance=[
        {"memberId": t.a[0], "status": "PRESENT"}, {"memberId": t.a[0], "status": "ABSENT"}]),
        "more than once"),
    "impossible date": (lambda t, late: good(t, heldOn="2017-02-30"), "2017-02-30"),
    "not a date": (lambda t, late: good(t, heldOn="last Tuesday"), "YYYY-MM-DD"),
    "future date": (lambda t, late: good(t, heldOn="2999-01-01"), "future"),
    "unknown kind": (lambda t, late: good(t, kind="PICNIC"), "PICNIC"),
    "empty theme": (lambda t, late: good(t, theme=""), "theme"),
    "blank theme": (lambda t, late: good(t, theme="   "), "theme"),
    "excused without a reason": (lambda t, late: good(t, attendance=[
        {"memberId": t.a[0], "status": "EXCUSED"}]), "reason"),
    "committee activity held by a branch": (
        lambda t, late: good(t, kind="CENTRAL_GROUP_STUDY"), "committee"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_refused_and_nothing_is_stored(world, case):
    client, tree, late = world
    build, words = CASES[case]
    with pytest.raises(GraphQLFailed) as err:
        client.run(RECORD, {"i": build(tree, late)})
    assert err.value.codes == ["BAD_INPUT"], err.value.errors
    if words:
        assert words in err.value.errors[0]["message"]
    assert client.run(ACTIVITIES, {"org": tree.city})["activities"] == []


def test_after_all_refusals_a_good_record_is_the_only_one(world):
    client, tree, _late = world
    client.run(RECORD, {"i": good(tree)})
    assert len(client.run(ACTIVITIES, {"org": tree.city})["activities"]) == 1


def test_membership_is_judged_on_the_day_the_activity_was_held(world):
    """A member transferred from A to B on Jun 15: A's activity of Jun 10 may
    list them, A's of Jun 20 may not; B's the other way round."""
    client, _tree, _late = world
    tree = Tree(client, "-transfer")
    mover = tree.a[0]
    moved = client.run("""mutation($m: ID!, $b: ID!) { transferMember(memberId: $m, branchId: $b,
        on: "2017-06-15") { branch { id } } }""", {"m": mover, "b": tree.branch_b})
    assert moved["transferMember"]["branch"]["id"] == tree.branch_b

    def record(branch, held_on):
        return client.run(RECORD, {"i": {
            "orgId": branch, "kind": "ACTIVITY_DAY", "theme": "学", "heldOn": held_on,
            "attendance": [{"memberId": mover, "status": "PRESENT"}]}})

    assert record(tree.branch_a, "2017-06-10")["recordActivity"]["id"]
    assert record(tree.branch_b, "2017-06-20")["recordActivity"]["id"]
    for branch, held_on in ((tree.branch_a, "2017-06-20"), (tree.branch_b, "2017-06-10"),
                            (tree.branch_a, "2017-06-15")):
        with pytest.raises(GraphQLFailed) as err:
            record(branch, held_on)
        assert err.value.codes == ["BAD_INPUT"] and mover in err.value.errors[0]["message"]
    assert len(client.run(ACTIVITIES, {"org": tree.city})["activities"]) == 2

    transfer = """mutation($m: ID!, $b: ID!, $on: Date) { transferMember(memberId: $m,
        branchId: $b, on: $on) { id } }"""
    for variables, field in (
            ({"m": mover, "b": tree.branch_a, "on": "2999-01-01"}, "on"),
            ({"m": mover, "b": tree.committee1, "on": "2017-07-01"}, "branchId"),
            ({"m": "nobody", "b": tree.branch_a, "on": "2017-07-01"}, "memberId"),
            ({"m": mover, "b": tree.branch_b, "on": "2017-07-01"}, "branchId")):
        with pytest.raises(GraphQLFailed) as err:
            client.run(transfer, variables)
        assert err.value.codes == ["BAD_INPUT"], err.value.errors
        assert err.value.errors[0]["extensions"]["field"] == field
