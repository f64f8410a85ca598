"""Quota evaluation (量化指标) and period closing (督办).

Pure: ``evaluate`` is a function of (rule set, organisations, activity facts,
period, closed quotas). Subjects are organisations; a quota counts the
activities of its kinds held by the subject or by an organisation inside it.
"""
import datetime as dt
from dataclasses import dataclass

from shared.periods import KINDS as PERIOD_KINDS, Period
from shared.rules import RuleSets
from shared.vocabulary import (ACTIVITY_KINDS, BRANCH, BUREAU, COMMITTEE, GROUP, MET,
                               MISSED, PENDING)

SUBJECTS = ("branch", "group_or_branch", "committee", "bureau", "member",
            "bureau_secretary", "committee_member")
ORG_SUBJECTS = {"branch", "group_or_branch", "committee", "bureau"}


@dataclass(frozen=True)
class QuotaRule:
    key: str
    title: str
    subject: str
    period: str
    activity_kinds: tuple
    minimum: int | None
    enabled: bool


@dataclass(frozen=True)
class QuotaRuleSet:
    version: int
    rules: tuple

    def active(self, period_kind=None):
        return [r for r in self.rules if r.enabled
                and (period_kind is None or r.period == period_kind)]


@dataclass(frozen=True)
class Org:
    id: str
    kind: str
    parent_id: str | None
    bureau_id: str
    path: tuple          # ancestor ids from the top, ending with the org's own
    created_on: dt.date


@dataclass(frozen=True)
class ActivityFact:
    activity_id: str
    org_path: tuple      # the holding organisation's path
    kind: str
    held_on: dt.date


@dataclass(frozen=True)
class QuotaResult:
    rule: str
    subject_id: str
    period: str
    required: int
    actual: int
    status: str


def parse_rule_set(version):
    rules, seen = [], set()
    for i, raw in enumerate(version.body.get("rules") or []):
        if not isinstance(raw, dict):
            raise ValueError(f"rules[{i}]: must be a mapping with key, subject, period, counts")
        key = raw.get("key")
        if not key or key in seen:
            raise ValueError(f"rules[{i}]: needs a unique 'key'")
        seen.add(key)
        subject = raw.get("subject")
        if subject not in SUBJECTS:
            raise ValueError(f"rule {key}: subject must be one of {SUBJECTS}")
        period = raw.get("period")
        if period not in PERIOD_KINDS:
            raise ValueError(f"rule {key}: period must be one of {PERIOD_KINDS}")
        counts = raw.get("counts") or {}
        if not isinstance(counts, dict):
            raise ValueError(f"rule {key}: counts is a mapping, e.g. "
                             "'counts: {activity_kinds: [ACTIVITY_DAY]}'")
        kinds = tuple(counts.get("activity_kinds") or ())
        unknown = [k for k in kinds if k not in ACTIVITY_KINDS]
        if unknown:
            raise ValueError(f"rule {key}: unknown activity kinds {unknown}")
        enabled = raw.get("enabled", True)
        minimum = raw.get("minimum")
        if enabled:
            if not kinds or subject not in ORG_SUBJECTS:
                raise ValueError(
                    f"rule {key}: only quotas that count activities of an organisation "
                    "can be enabled yet; set 'enabled: false'")
            if isinstance(minimum, bool) or not isinstance(minimum, int) or minimum < 1:
                raise ValueError(f"rule {key}: minimum must be a whole number of at least 1")
        rules.append(QuotaRule(key, str(raw.get("title", key)), subject, period, kinds,
                               minimum if isinstance(minimum, int) else None, bool(enabled)))
    return QuotaRuleSet(version.version, tuple(rules))


QUOTA_RULES = RuleSets("quota", parse_rule_set)


def subjects(rule, orgs):
    """The organisations ``rule`` applies to, among ``orgs``."""
    if rule.subject == "branch":
        return [o for o in orgs if o.kind == BRANCH]
    if rule.subject == "committee":
        return [o for o in orgs if o.kind == COMMITTEE]
    if rule.subject == "bureau":
        return [o for o in orgs if o.kind == BUREAU]
    if rule.subject == "group_or_branch":
        with_groups = {o.parent_id for o in orgs if o.kind == GROUP}
        return [o for o in orgs if o.kind == GROUP
                or (o.kind == BRANCH and o.id not in with_groups)]
    return []


def count(rule, subject, period, facts):
    return sum(1 for f in facts
               if f.kind in rule.activity_kinds and subject.id in f.org_path
               and period.contains(f.held_on))


def status(required, actual, closed):
    if actual >= required:
        return MET
    return MISSED if closed else PENDING


def evaluate(rule_set, orgs, facts, period, closed=frozenset()):
    """Every enabled quota of ``period``'s kind for every subject in ``orgs``.
    ``closed`` holds the (rule, subject id, period label) triples closed."""
    results = []
    for rule in rule_set.active(period.kind):
        for subject in subjects(rule, orgs):
            actual = count(rule, subject, period, facts)
            is_closed = (rule.key, subject.id, period.label) in closed
            results.append(QuotaResult(rule.key, subject.id, period.label, rule.minimum,
                                       actual, status(rule.minimum, actual, is_closed)))
    results.sort(key=lambda r: (r.subject_id, r.rule))
    return results


def due_for_auto_close(today, earliest, already_closed):
    """The ended periods, of every kind, from the one containing ``earliest``
    up to the last that ended before ``today``, not yet closed automatically."""
    due = []
    for kind in PERIOD_KINDS:
        period = Period.containing(earliest, kind)
        while period.has_ended(today):
            if period.label not in already_closed:
                due.append(period)
            period = period.next()
    return due


def current_periods(today):
    return [Period.containing(today, kind) for kind in PERIOD_KINDS]
