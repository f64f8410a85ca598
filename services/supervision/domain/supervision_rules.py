"""Supervision's own rule set (督办, SPEC U2-U7), per bureau and versioned
(rules/supervision/default.yaml): when an unreported item escalates, how many
misses in a quarter propose a reminder talk, what puts an organisation or a
committee member on the negative list, and how many responses a survey needs
before its results are shown."""
from dataclasses import dataclass

from shared.rules import RuleSets

COUNTS = ("escalate_after_days", "reminder_min_missed", "negative_list_missed_per_year",
          "survey_min_responses")


@dataclass(frozen=True)
class SupervisionRules:
    version: int
    escalate_after_days: int            # 交办 → 责任追究 when not reported in time
    reminder_min_missed: int            # 约谈提醒: MISSED quotas in a quarter
    negative_list_missed_per_year: int  # 负面清单: MISSED quotas in a year
    negative_list_on_escalation: bool   # 负面清单: an ESCALATED item
    survey_min_responses: int           # 思想政治状况调查: results shown from this many


def _count(body, key):
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{key} must be a whole number, 1 or more, not {value!r}")
    return value


def parse_rule_set(version):
    body = version.body
    counts = {key: _count(body, key) for key in COUNTS}
    on_escalation = body.get("negative_list_on_escalation")
    if not isinstance(on_escalation, bool):
        raise ValueError("negative_list_on_escalation must be true or false, not "
                         f"{on_escalation!r}")
    return SupervisionRules(version.version, negative_list_on_escalation=on_escalation,
                            **counts)


SUPERVISION_RULES = RuleSets("supervision", parse_rule_set)
