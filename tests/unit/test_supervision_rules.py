"""Supervision's own rule set (rules/supervision/default.yaml, services/
supervision/domain/supervision_rules.py): the shipped numbers, and a bad
file refused with the key and what is allowed."""
import datetime as dt

import pytest

from services.supervision.domain.supervision_rules import SUPERVISION_RULES, parse_rule_set
from shared.rules import Version

GOOD = {"escalate_after_days": 15, "reminder_min_missed": 2,
        "negative_list_missed_per_year": 3, "negative_list_on_escalation": True,
        "survey_min_responses": 5}


def parsed(**body):
    return parse_rule_set(Version("test.yaml", 1, dt.date(2017, 1, 1), body))


def test_the_shipped_rule_set_is_the_seeds_numbers():
    rules = SUPERVISION_RULES.for_day("any-bureau", dt.date(2026, 6, 1))
    assert (rules.version, rules.escalate_after_days, rules.reminder_min_missed,
            rules.negative_list_missed_per_year, rules.negative_list_on_escalation,
            rules.survey_min_responses) == (1, 15, 2, 3, True, 5)


@pytest.mark.parametrize("key, value", [
    ("escalate_after_days", 0), ("escalate_after_days", 1.5), ("escalate_after_days", True),
    ("reminder_min_missed", -1), ("reminder_min_missed", "2"),
    ("negative_list_missed_per_year", None), ("survey_min_responses", 0),
    ("negative_list_on_escalation", "yes"), ("negative_list_on_escalation", 1),
])
def test_a_bad_value_names_its_key_and_what_is_allowed(key, value):
    with pytest.raises(ValueError) as err:
        parsed(**{**GOOD, key: value})
    assert key in str(err.value)
    assert "true or false" in str(err.value) or "1 or more" in str(err.value)


def test_a_missing_key_is_refused_by_name():
    body = dict(GOOD)
    del body["survey_min_responses"]
    with pytest.raises(ValueError, match="survey_min_responses"):
        parsed(**body)


def test_other_numbers_are_kept_as_given():
    rules = parsed(**{**GOOD, "escalate_after_days": 10, "negative_list_on_escalation": False})
    assert rules.escalate_after_days == 10 and rules.negative_list_on_escalation is False
