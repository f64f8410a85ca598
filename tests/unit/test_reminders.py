"""Reminder talks (约谈提醒, domain/reminders.py): who answers for a miss,
how a quarter's misses are counted, the threshold from the rule set, and the
day a talk may be recorded."""
import datetime as dt
import itertools

import pytest

from services.supervision.domain.reminders import (Miss, check_talk_day, labels_within,
                                                   parse_quarter, proposals)
from services.supervision.domain.supervision_rules import SupervisionRules
from shared.errors import BadInput
from shared.periods import parse_period

Q2 = parse_quarter("2017-Q2")
BRANCH = ("city", "bureau", "committee", "branch")
OTHER = ("city", "bureau", "committee", "other")


def rules(reminder_min_missed=2):
    return SupervisionRules(1, escalate_after_days=15, reminder_min_missed=reminder_min_missed,
                            negative_list_missed_per_year=3, negative_list_on_escalation=True,
                            survey_min_responses=5)


def miss(rule, period, path=BRANCH, member=None, bureau="bureau"):
    if member:
        return Miss(rule, member, period, True, bureau, path + (member,), 1, 0)
    return Miss(rule, path[-1], period, False, bureau, path, 1, 0)


def proposed(misses, quarter=Q2, threshold=2):
    return [(p.org_id, [(m.rule, m.period, m.subject_id) for m in p.missed])
            for p in proposals(misses, quarter, lambda bureau: rules(threshold))]


def test_two_misses_in_a_quarter_propose_a_talk():
    assert proposed([miss("A1", "2017-04"), miss("A2-CM", "2017-05")]) == [
        ("branch", [("A1", "2017-04", "branch"), ("A2-CM", "2017-05", "branch")])]


def test_one_miss_in_a_quarter_proposes_nothing():
    assert proposed([miss("A1", "2017-04")]) == []


def test_the_same_rule_missed_in_two_months_is_two_misses():
    assert [o for o, _ in proposed([miss("A1", "2017-04"), miss("A1", "2017-06")])] == ["branch"]


def test_the_quarters_own_quota_counts_with_its_months():
    assert [o for o, _ in proposed([miss("A2-GM", "2017-Q2"), miss("A1", "2017-06")])] == [
        "branch"]


@pytest.mark.parametrize("outside", ["2017-03", "2017-07", "2017-Q1", "2017", "2016-05"])
def test_a_miss_outside_the_quarter_does_not_count(outside):
    assert proposed([miss("A1", "2017-04"), miss("A2-CM", outside)]) == []


def test_the_threshold_is_the_rule_sets():
    two = [miss("A1", "2017-04"), miss("A2-CM", "2017-05")]
    assert proposed(two, threshold=3) == []
    assert [o for o, _ in proposed(two[:1], threshold=1)] == ["branch"]


def test_each_organisation_is_judged_on_its_own_misses():
    got = proposed([miss("A1", "2017-04"), miss("A2-CM", "2017-05"), miss("A1", "2017-04", OTHER)])
    assert [o for o, _ in got] == ["branch"]


def test_a_members_miss_is_their_branchs_and_listed_with_it():
    got = proposed([miss("S4", "2017-05", member="m1"), miss("A1", "2017-04")])
    assert got == [("branch", [("A1", "2017-04", "branch"), ("S4", "2017-05", "m1")])]


def test_members_missing_the_same_quota_count_once_for_their_branch():
    same = [miss("P5", "2017-Q2", member=m) for m in ("m1", "m2", "m3")]
    assert proposed(same) == []
    got = proposed(same + [miss("A1", "2017-06")])
    assert [(o, len(listed)) for o, listed in got] == [("branch", 4)]


def test_a_party_groups_misses_are_the_groups():
    group = BRANCH + ("group",)
    got = proposed([miss("A2-GR", "2017-04", group), miss("A2-GR", "2017-05", group),
                    miss("A1", "2017-04")])
    assert [o for o, _ in got] == ["group"]


def test_each_bureau_by_its_own_rule_set():
    elsewhere = ("city", "bureau2", "committee2", "branch2")
    misses = [miss("A1", "2017-04"), miss("A2-CM", "2017-05"),
              miss("A1", "2017-04", elsewhere, bureau="bureau2")]
    got = proposals(misses, Q2, lambda b: rules(1 if b == "bureau2" else 3))
    assert [p.org_id for p in got] == ["branch2"]


def test_the_proposals_come_in_the_trees_order_whatever_the_misses_order():
    misses = [miss("A1", "2017-04", OTHER), miss("A2-CM", "2017-05", OTHER),
              miss("A1", "2017-04"), miss("A2-CM", "2017-06")]
    for order in itertools.permutations(misses):
        assert [o for o, _ in proposed(list(order))] == ["branch", "other"]


def test_a_quarter_holds_its_months_and_itself_and_a_year_everything_in_it():
    assert labels_within(Q2) == ["2017-04", "2017-05", "2017-06", "2017-Q2"]
    year = labels_within(parse_period("2017"))
    assert len(year) == 17 and year[0] == "2017-01" and year[-1] == "2017"
    assert {"2017-Q1", "2017-Q4", "2017-12"} <= set(year)


@pytest.mark.parametrize("text", ["2017-06", "2017", "2017-Q5", "Q2", None, "2017-H1"])
def test_a_quarter_is_written_like_2017_q2(text):
    with pytest.raises(BadInput) as caught:
        parse_quarter(text)
    assert caught.value.field == "quarter"


def test_a_talk_is_held_within_or_after_the_quarter_and_not_in_the_future():
    today = dt.date(2017, 7, 10)
    assert check_talk_day(dt.date(2017, 4, 1), Q2, today) == dt.date(2017, 4, 1)
    assert check_talk_day(today, Q2, today) == today
    for day, words in ((dt.date(2017, 7, 11), "future"), (dt.date(2017, 3, 31), "before")):
        with pytest.raises(BadInput) as caught:
            check_talk_day(day, Q2, today)
        assert caught.value.field == "heldOn" and words in caught.value.message
