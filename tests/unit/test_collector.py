"""shared/collector.py: the cyclic collector held while a long answer is
built, and shared/tree.py's remembered conversions the same reads use."""
import gc

import pytest

from shared import collector
from shared.tree import ids_of, path_of, remembered


@pytest.fixture(autouse=True)
def collector_enabled():
    gc.enable()
    yield
    gc.enable()


def test_a_pause_holds_the_collector_and_gives_it_back():
    with collector.paused():
        assert not gc.isenabled()
        assert collector.held() == 1
    assert gc.isenabled()
    assert collector.held() == 0


def test_overlapping_pauses_give_it_back_when_the_last_ends():
    first, second = collector.paused(), collector.paused()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert not gc.isenabled(), "the second pause is still open"
    second.__exit__(None, None, None)
    assert gc.isenabled()


def test_a_failure_inside_still_gives_it_back():
    with pytest.raises(ValueError):
        with collector.paused():
            raise ValueError("the read failed")
    assert gc.isenabled()
    assert collector.held() == 0


def test_a_collector_disabled_before_stays_disabled():
    gc.disable()
    with collector.paused():
        pass
    assert not gc.isenabled()


def test_cycles_made_during_a_pause_are_collected_after_it():
    class Node:
        pass

    with collector.paused():
        node = Node()
        node.me = node
        del node
        assert any(isinstance(o, Node) for o in gc.get_objects())
    gc.collect()
    assert not any(isinstance(o, Node) for o in gc.get_objects())


@pytest.mark.parametrize("path", ["/", "/city/", "/city/bu1/co1/br-7/", "/a/b/c/d/m9/"])
def test_ids_of_is_path_of_reversed(path):
    assert path_of(ids_of(path)) == path
    assert ids_of(path) == tuple(p for p in path.split("/") if p)


def test_remembered_gives_the_same_value_once_made():
    calls = []

    def convert(path):
        calls.append(path)
        return ids_of(path)

    ids = remembered(convert)
    first = ids("/city/bu1/")
    assert ids("/city/bu1/") is first
    assert ids("/city/bu2/") == ("city", "bu2")
    assert calls == ["/city/bu1/", "/city/bu2/"]
