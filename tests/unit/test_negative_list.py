"""The negative list (负面清单, domain/negative_list.py): the thresholds from
the rule set (3 MISSED in a year vs 2), escalation on and off, committee
members by their own quotas, manual entries beside automatic ones."""
import datetime as dt

import pytest

from services.supervision.domain import Member, role_history
from services.supervision.domain.negative_list import (COMMITTEE_ROLES, Escalated,
                                                       automatic_entries, check_reason,
                                                       check_year, held_in_year, listing,
                                                       manual_entries)
from services.supervision.domain.reminders import Miss
from services.supervision.domain.supervision_rules import SupervisionRules
from shared.errors import BadInput

BRANCH = ("city", "bureau", "committee", "branch")


def rules(per_year=3, on_escalation=True):
    return SupervisionRules(1, escalate_after_days=15, reminder_min_missed=2,
                            negative_list_missed_per_year=per_year,
                            negative_list_on_escalation=on_escalation, survey_min_responses=5)


def miss(rule, period, path=BRANCH, member=None):
    if member:
        return Miss(rule, member, period, True, "bureau", path + (member,), 1, 0)
    return Miss(rule, path[-1], period, False, "bureau", path, 1, 0)


def escalated(rule="A1", period="2017-03", path=BRANCH):
    return Escalated(path[-1], path, "bureau", rule, period)


def entries(misses=(), items=(), committee=(), year=2017, **kw):
    return [(e.subject_id, list(e.reasons), e.manual) for e in automatic_entries(
        year, misses, items, set(committee), lambda bureau: rules(**kw))]


THREE = [miss("A1", "2017-01"), miss("A2-GM", "2017-Q2"), miss("A4", "2017")]


def test_three_misses_in_a_year_put_the_branch_on_the_list():
    assert entries(THREE) == [("branch", ["3 quotas MISSED"], False)]


def test_two_misses_in_a_year_do_not():
    assert entries(THREE[:2]) == []


def test_the_threshold_is_the_rule_sets():
    assert entries(THREE, per_year=4) == []
    assert entries(THREE[:2], per_year=2) == [("branch", ["2 quotas MISSED"], False)]


def test_misses_of_another_year_do_not_count():
    assert entries(THREE[:2] + [miss("A1", "2016-12")]) == []
    assert entries(THREE, year=2018) == []


def test_a_members_misses_count_for_their_branch_once_per_rule_and_period():
    misses = THREE[:2] + [miss("S4", "2017", member=m) for m in ("m1", "m2")]
    assert entries(misses) == [("branch", ["3 quotas MISSED"], False)]


def test_an_escalated_item_puts_its_organisation_on_the_list_when_the_rule_set_says_so():
    assert entries(items=[escalated()]) == [("branch", ["item A1 2017-03 ESCALATED"], False)]
    assert entries(items=[escalated()], on_escalation=False) == []


def test_an_item_of_another_year_does_not_count():
    assert entries(items=[escalated(period="2016")]) == []


def test_misses_and_escalations_are_the_reasons_of_one_entry():
    got = entries(THREE, [escalated("A2-CM", "2017-05"), escalated("A1", "2017-02")])
    assert got == [("branch", ["3 quotas MISSED", "item A1 2017-02 ESCALATED",
                               "item A2-CM 2017-05 ESCALATED"], False)]


def test_a_committee_member_with_three_misses_of_their_own_is_listed():
    own = [miss(r, "2017", member="lead") for r in ("S5-COM", "A7-LEAD", "P5")]
    got = entries(own, committee=["lead"])
    assert ("lead", ["3 quotas MISSED"], False) in got
    # the member's misses are their branch's to answer for too (as its items)
    assert ("branch", ["3 quotas MISSED"], False) in got


def test_a_member_not_on_a_committee_is_not_listed_by_name():
    own = [miss(r, "2017", member="m1") for r in ("S4", "A5", "P5")]
    assert [s for s, _, _ in entries(own)] == ["branch"]


def test_a_committee_member_with_two_misses_is_not_listed():
    own = [miss(r, "2017", member="lead") for r in ("S5-COM", "A7-LEAD")]
    assert entries(own, committee=["lead"]) == []


def test_a_seat_on_a_committee_on_any_day_of_the_year_counts():
    def member(*history):
        return Member("lead", "bureau", BRANCH, role_history(history))
    since_ever = dt.date(1, 1, 1)
    assert held_in_year(member((since_ever, ["bureau_committee"])), COMMITTEE_ROLES, 2017)
    assert held_in_year(member((since_ever, []), (dt.date(2017, 11, 3), ["bureau_secretary"])),
                        COMMITTEE_ROLES, 2017)
    assert held_in_year(member((since_ever, ["bureau_committee"]), (dt.date(2017, 2, 1), [])),
                        COMMITTEE_ROLES, 2017)
    assert not held_in_year(member((since_ever, ["bureau_committee"]), (dt.date(2016, 2, 1), [])),
                            COMMITTEE_ROLES, 2017)
    assert not held_in_year(member((since_ever, []), (dt.date(2018, 1, 1), ["bureau_committee"])),
                            COMMITTEE_ROLES, 2017)
    assert not held_in_year(member((since_ever, ["secretary"])), COMMITTEE_ROLES, 2017)


def test_manual_entries_gather_their_reasons_and_stand_beside_the_automatic_one():
    manual = manual_entries(2017, [("branch", BRANCH, "台账缺失"), ("branch", BRANCH, "整改不力")])
    automatic = automatic_entries(2017, THREE, [], set(), lambda b: rules())
    assert [(e.subject_id, e.reasons, e.manual) for e in listing(manual, automatic)] == [
        ("branch", ("3 quotas MISSED",), False), ("branch", ("台账缺失", "整改不力"), True)]


@pytest.mark.parametrize("reason", ["", "   ", None, "x" * 501])
def test_a_reason_is_needed_and_not_too_long(reason):
    with pytest.raises(BadInput) as caught:
        check_reason(reason)
    assert caught.value.field == "reason"


def test_a_reason_is_kept_without_surrounding_blanks_and_a_future_year_is_refused():
    assert check_reason("  台账缺失 ") == "台账缺失"
    assert check_year(2017, dt.date(2017, 1, 1)) == 2017
    with pytest.raises(BadInput) as caught:
        check_year(2018, dt.date(2017, 12, 31))
    assert caught.value.field == "year"
