"""The gateway keeps the organisations it fetched (they never change once
created): each caller gets a copy, and past its size the oldest go."""
from gateway.rpc import KnownOrganizations


def org(i):
    return {"id": f"o{i}", "name": f"支部{i}", "path": ["city", f"o{i}"]}


def test_a_fetched_organisation_is_known_and_each_caller_gets_a_copy():
    known = KnownOrganizations()
    known.add([org(1)])
    first = known.get("o1")
    first["name"] = "changed by a resolver"
    assert known.get("o1")["name"] == "支部1"
    assert known.get("o2") is None


def test_past_its_size_the_oldest_are_let_go_and_the_newest_kept():
    known = KnownOrganizations(size=10)
    known.add([org(i) for i in range(10)])
    known.add([org(10), org(11)])
    assert known.get("o0") is None and known.get("o6") is None
    assert all(known.get(f"o{i}") for i in (7, 8, 9, 10, 11))
    assert len(known._known) <= 10
