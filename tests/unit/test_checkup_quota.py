"""Quota P5 (党性教育体检): a member's check-up of the year, counted from the
fact scoring tells (services/supervision/domain), fact by fact and from
scratch alike; a year check-up only."""
import datetime as dt

import pytest

from services.supervision.domain import (CheckupFact, SelfStudyFact, evaluate, increments,
                                         parse_rule_set)
from shared.periods import KINDS
from shared.rules import Version
from shared.vocabulary import MET, MISSED, PENDING
from tests.unit.test_study_quotas import TREE, YEAR_2018, one, person, rules  # noqa: F401

D = dt.date


def test_a_check_up_of_the_year_meets_p5_for_that_member_only(rules):
    members = [person("m1"), person("m2")]
    facts = [CheckupFact("m1", 2018, D(2018, 11, 5))]
    got = one(rules, "2018", "P5", "m1", facts, TREE, members)
    assert (got.required, got.actual, got.status) == (1, 1, MET)
    other = one(rules, "2018", "P5", "m2", facts, TREE, members)
    assert (other.actual, other.status) == (0, PENDING)


def test_a_check_up_of_another_year_or_another_fact_does_not_count(rules):
    facts = [CheckupFact("m1", 2017, D(2018, 1, 5)), SelfStudyFact("m1", 2018, D(2018, 1, 5))]
    got = one(rules, "2018", "P5", "m1", facts, TREE, [person("m1")])
    assert got.actual == 0


def test_a_closed_year_without_a_check_up_is_missed(rules):
    got = [r for r in evaluate(rules, TREE, [], YEAR_2018, members=[person("m1")],
                               closed={("P5", "m1", "2018")}) if r.rule == "P5"]
    assert [(g.subject_id, g.status) for g in got] == [("m1", MISSED)]


def test_fact_by_fact_the_check_up_adds_one_to_its_members_year(rules):
    by_kind = {kind: rules for kind in KINDS}
    fact = CheckupFact("m1", 2018, D(2019, 1, 10))  # recorded after the year: still its own
    got = [(i.rule, i.subject_id, i.period.label, i.member) for i in increments(by_kind, fact)
           if i.rule == "P5"]
    assert got == [("P5", "m1", "2018", True)]


def test_p5_counts_for_a_year_only():
    with pytest.raises(ValueError) as refused:
        parse_rule_set(Version("test.yaml", 1, D(2017, 1, 1), {"rules": [
            {"key": "P5", "subject": "member", "period": "quarter",
             "counts": {"fact": "party_spirit_checkup"}, "minimum": 1}]}))
    assert "a check-up is for a year" in str(refused.value)
