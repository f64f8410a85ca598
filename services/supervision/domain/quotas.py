"""Quotas (量化指标): which subjects a rule applies to, which (rule, subject,
period) counts a fact moves, and the status of a count.

Pure: no database, no broker. Two views of the same rules:

- ``increments`` says, for one fact, which quota counts it adds to: what the
  supervision service applies as each fact arrives (its quota state);
- ``evaluate`` counts a whole period from scratch over every fact: the
  reference the incremental state is checked against, and what a rule-set
  change is re-derived by.

Subjects are organisations (a quota counts the activities of its kinds held
by the subject or inside it) or members (a quota counts the activities of
its kinds the member attended, present).
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
# what may be switched on today: a subject whose facts the platform records
COUNTABLE_SUBJECTS = ORG_SUBJECTS | {"member"}
SUBJECT_ORG_KIND = {"branch": BRANCH, "committee": COMMITTEE, "bureau": BUREAU}


@dataclass(frozen=True)
class QuotaRule:
    key: str
    title: str
    subject: str
    period: str
    activity_kinds: tuple
    minimum: int | None
    enabled: bool

    @property
    def per_member(self):
        return self.subject == "member"


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
class Member:
    id: str
    bureau_id: str
    branch_path: tuple   # the path of the member's branch


@dataclass(frozen=True)
class ActivityFact:
    activity_id: str
    org_path: tuple      # the holding organisation's path
    kind: str
    held_on: dt.date
    present: tuple = ()  # the members who attended


@dataclass(frozen=True)
class Increment:
    """One fact adds one to this (rule, subject, period) count."""
    rule: str
    subject_id: str
    member: bool         # the subject is a member, not an organisation
    period: Period
    required: int


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
            if not kinds or subject not in COUNTABLE_SUBJECTS:
                raise ValueError(
                    f"rule {key}: only quotas that count activities (of an organisation, "
                    "or attended by a member) can be enabled yet; set 'enabled: false'")
            if isinstance(minimum, bool) or not isinstance(minimum, int) or minimum < 1:
                raise ValueError(f"rule {key}: minimum must be a whole number of at least 1")
        rules.append(QuotaRule(key, str(raw.get("title", key)), subject, period, kinds,
                               minimum if isinstance(minimum, int) else None, bool(enabled)))
    return QuotaRuleSet(version.version, tuple(rules))


QUOTA_RULES = RuleSets("quota", parse_rule_set)


def subjects(rule, orgs, members=()):
    """The organisations (or members) ``rule`` applies to, among ``orgs``
    (or ``members``)."""
    if rule.subject in SUBJECT_ORG_KIND:
        return [o for o in orgs if o.kind == SUBJECT_ORG_KIND[rule.subject]]
    if rule.subject == "group_or_branch":
        with_groups = {o.parent_id for o in orgs if o.kind == GROUP}
        return [o for o in orgs if o.kind == GROUP
                or (o.kind == BRANCH and o.id not in with_groups)]
    if rule.subject == "member":
        return list(members)
    return []


def counts_for(rule, subject, fact):
    if fact.kind not in rule.activity_kinds:
        return False
    if rule.per_member:
        return subject.id in fact.present
    return subject.id in fact.org_path


def count(rule, subject, period, facts):
    return sum(1 for f in facts if period.contains(f.held_on) and counts_for(rule, subject, f))


def touched_subjects(rule, fact, ancestors, branch_has_groups):
    """The ids of the subjects whose count of ``rule`` ``fact`` adds one to.
    ``ancestors`` are the organisations on the fact's path (top first) that
    are known; ``branch_has_groups`` says whether the branch on that path has
    party groups."""
    if fact.kind not in rule.activity_kinds:
        return []
    if rule.per_member:
        return list(dict.fromkeys(fact.present))
    if rule.subject in SUBJECT_ORG_KIND:
        kind = SUBJECT_ORG_KIND[rule.subject]
        return [o.id for o in ancestors if o.kind == kind]
    if rule.subject == "group_or_branch":
        groups = [o.id for o in ancestors if o.kind == GROUP]
        if groups:
            return groups
        if branch_has_groups:
            return []  # held by a branch with groups: no group's meeting
        return [o.id for o in ancestors if o.kind == BRANCH]
    return []


def increments(rule_sets, fact, ancestors, branch_has_groups):
    """Every count ``fact`` adds one to. ``rule_sets`` maps a period kind to
    the rule set in force on the first day of the period of that kind that
    holds the fact (history is judged by the rules of its time)."""
    out = []
    for kind in PERIOD_KINDS:
        period = Period.containing(fact.held_on, kind)
        for rule in rule_sets[kind].active(kind):
            for subject_id in touched_subjects(rule, fact, ancestors, branch_has_groups):
                out.append(Increment(rule.key, subject_id, rule.per_member, period,
                                     rule.minimum))
    return out


def status(required, actual, closed):
    if actual >= required:
        return MET
    return MISSED if closed else PENDING


def evaluate(rule_set, orgs, facts, period, closed=frozenset(), members=()):
    """Every enabled quota of ``period``'s kind for every subject in ``orgs``
    (and ``members``), counted from scratch. ``closed`` holds the (rule,
    subject id, period label) triples closed."""
    results = []
    for rule in rule_set.active(period.kind):
        for subject in subjects(rule, orgs, members):
            actual = count(rule, subject, period, facts)
            is_closed = (rule.key, subject.id, period.label) in closed
            results.append(QuotaResult(rule.key, subject.id, period.label, rule.minimum,
                                       actual, status(rule.minimum, actual, is_closed)))
    results.sort(key=lambda r: (r.subject_id, r.rule))
    return results
