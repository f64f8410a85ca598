"""Quotas (量化指标): which subjects a rule applies to, which (rule, subject,
period) counts a fact moves, and the status of a count.

Pure: no database, no broker. Two views of the same rules:

- ``increments`` says, for one fact, which quota counts it adds to: what the
  supervision service applies as each fact arrives (its quota state);
- ``evaluate`` counts a whole period from scratch over every fact: the
  reference the incremental state is checked against, and what a rule-set
  change is re-derived by.

Subjects are organisations (a quota counts the activities of its kinds held
by the subject or inside it, or the plans it filed), members (the
activities they attended, present or as a guest; their self-study plan) or
members by the role they hold on the day (the lectures they gave, the
meetings they attended as a guest, where their post says).

The facts: an activity held (ActivityFact), an annual plan filed (PlanFact),
a self-study plan filed (SelfStudyFact), a party-spirit check-up recorded
(CheckupFact), a rectification campaign item made (CampaignFact,
domain/rectification.py) and a thought survey opened (SurveyFact,
domain/survey.py). Each says which day places it in periods
(``period_day``) and which day is held against a rule's deadline
(``told_on``).
"""
import datetime as dt
from dataclasses import dataclass

from services.supervision.domain import practice
from services.supervision.domain.people import Member
from services.supervision.domain.rectification import CampaignFact
from services.supervision.domain.quota_rules import (GUEST_AT, LECTURE_GIVEN,
                                                     PARTY_SPIRIT_CHECKUP, PLAN_FILED,
                                                     RECTIFICATION_CAMPAIGN,
                                                     SELF_STUDY_PLAN_FILED, SUBJECT_ORG_KINDS,
                                                     SUBJECT_ROLES, SURVEY_OPENED)
from services.supervision.domain.survey import SurveyFact
from shared.periods import KINDS as PERIOD_KINDS, Period
from shared.vocabulary import (BRANCH, GROUP, MET, MISSED, ORG_KINDS, PARTY_LECTURE,
                               PENDING)

__all__ = ["CampaignFact", "Member"]


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
    present: tuple = ()  # the members who attended
    speaker_id: str | None = None
    guests: tuple = ()   # members from outside who took part: present too

    @property
    def period_day(self):
        return self.held_on

    @property
    def told_on(self):
        return self.held_on

    @property
    def attendees(self):
        return tuple(dict.fromkeys(self.present + self.guests))

    @property
    def branch_id(self):
        """The branch the activity was held in (by it or by one of its groups)."""
        return self.org_path[3] if len(self.org_path) > 3 else None

    @property
    def place(self):
        return self.org_path


class _YearFiling:
    """A plan filed for a ``year`` on ``filed_on``: it counts in that year,
    told on the day it was filed."""

    @property
    def period_day(self):
        return dt.date(self.year, 1, 1)

    @property
    def told_on(self):
        return self.filed_on


@dataclass(frozen=True)
class PlanFact(_YearFiling):
    org_id: str
    org_path: tuple
    year: int
    kind: str            # STUDY | MEETINGS
    filed_on: dt.date    # the first filing; a refiling keeps it

    @property
    def place(self):
        return self.org_path


@dataclass(frozen=True)
class _MemberFiling(_YearFiling):
    """A member's own filing of ``year``, placed by the member's branch."""
    member_id: str
    year: int
    filed_on: dt.date
    branch_path: tuple = ()  # where the member is placed if not known yet

    @property
    def place(self):
        return self.branch_path


@dataclass(frozen=True)
class SelfStudyFact(_MemberFiling):
    """A member's self-study plan (自学备案) of ``year``, filed on ``filed_on``."""


@dataclass(frozen=True)
class CheckupFact(_MemberFiling):
    """A member's party-spirit check-up (党性教育体检) of ``year``, told once
    (a later one replaces it and is not a second); ``filed_on``: the day the
    first was recorded."""


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


def subjects(rule, orgs, members=(), day=None):
    """The organisations (or members) ``rule`` applies to, among ``orgs``
    (or ``members``); a role subject is a member holding the role on ``day``."""
    if rule.subject in SUBJECT_ORG_KINDS:
        kinds = SUBJECT_ORG_KINDS[rule.subject]
        return [o for o in orgs if o.kind in kinds]
    if rule.subject == "group_or_branch":
        with_groups = {o.parent_id for o in orgs if o.kind == GROUP}
        return [o for o in orgs if o.kind == GROUP
                or (o.kind == BRANCH and o.id not in with_groups)]
    if rule.subject == "member":
        return list(members)
    if rule.subject in SUBJECT_ROLES:
        return [m for m in members if m.holds(SUBJECT_ROLES[rule.subject], day)]
    return []


def _org_kind(path):
    return ORG_KINDS[len(path) - 1] if 0 < len(path) <= len(ORG_KINDS) else None


def _in_place(rule, member, fact):
    """Whether ``fact``, held where it was, counts for ``member`` in ``rule``:
    at a branch of their bureau, or at a branch they contact on the day."""
    branch = fact.branch_id
    if branch is None:
        return False
    if rule.at == "bureau":
        return fact.org_path[1] == member.bureau_id
    return member.contacts_on(fact.held_on, branch)


def _counts_by_role(rule, member, fact):
    """Whether ``member`` (with their history) earns ``rule`` by ``fact``,
    holding the rule's role on the day."""
    if not isinstance(fact, ActivityFact):
        return False
    if rule.fact == LECTURE_GIVEN:
        if fact.kind != PARTY_LECTURE or fact.speaker_id != member.id:
            return False
    elif rule.fact == GUEST_AT:
        if fact.kind not in rule.activity_kinds or member.id not in fact.guests:
            return False
    else:
        return False
    return member.holds(SUBJECT_ROLES[rule.subject], fact.held_on) \
        and _in_place(rule, member, fact)


def _on_time(rule, fact, period):
    deadline = rule.deadline(period)
    return deadline is None or fact.told_on <= deadline


def counts_for(rule, subject, fact):
    """Whether ``fact`` adds one to ``subject``'s count of ``rule`` (in the
    period holding the fact, if told by the rule's deadline)."""
    if rule.by_role:
        return _counts_by_role(rule, subject, fact)
    if rule.fact == PLAN_FILED:
        return isinstance(fact, PlanFact) and fact.kind == rule.plan \
            and fact.org_id == subject.id
    if rule.fact == SELF_STUDY_PLAN_FILED:
        return isinstance(fact, SelfStudyFact) and fact.member_id == subject.id
    if rule.fact == PARTY_SPIRIT_CHECKUP:
        return isinstance(fact, CheckupFact) and fact.member_id == subject.id
    if rule.fact == RECTIFICATION_CAMPAIGN:
        return isinstance(fact, CampaignFact) and fact.org_id == subject.id
    if rule.fact == SURVEY_OPENED:
        return isinstance(fact, SurveyFact) and fact.committee_id == subject.id
    if not isinstance(fact, ActivityFact) or fact.kind not in rule.activity_kinds:
        return False
    if rule.per_member:
        return subject.id in fact.attendees
    return subject.id in fact.org_path


def count(rule, subject, period, facts):
    return sum(1 for f in facts if not practice.is_practice(f) and period.contains(f.period_day)
               and _on_time(rule, f, period) and counts_for(rule, subject, f))


def touched_subjects(rule, fact, ancestors, branch_has_groups, people=None):
    """The ids of the subjects whose count of ``rule`` ``fact`` adds one to.
    ``ancestors`` are the organisations on the fact's path (top first) that
    are known; ``branch_has_groups`` says whether the branch on that path has
    party groups; ``people`` holds the speaker and guests known, with their
    roles and contacts (for the role subjects)."""
    if rule.by_role:
        if not isinstance(fact, ActivityFact):
            return []
        candidates = [fact.speaker_id] if rule.fact == LECTURE_GIVEN else fact.guests
        return [m for m in dict.fromkeys(candidates) if m and m in (people or {})
                and _counts_by_role(rule, people[m], fact)]
    if rule.fact == PLAN_FILED:
        if isinstance(fact, PlanFact) and fact.kind == rule.plan \
                and _org_kind(fact.org_path) in SUBJECT_ORG_KINDS[rule.subject]:
            return [fact.org_id]
        return []
    if rule.fact == SELF_STUDY_PLAN_FILED:
        return [fact.member_id] if isinstance(fact, SelfStudyFact) else []
    if rule.fact == PARTY_SPIRIT_CHECKUP:
        return [fact.member_id] if isinstance(fact, CheckupFact) else []
    if rule.fact == RECTIFICATION_CAMPAIGN:
        return [fact.org_id] if isinstance(fact, CampaignFact) and fact.is_branch else []
    if rule.fact == SURVEY_OPENED:
        return [fact.committee_id] if isinstance(fact, SurveyFact) else []
    if not isinstance(fact, ActivityFact) or fact.kind not in rule.activity_kinds:
        return []
    if rule.per_member:
        return list(fact.attendees)
    if rule.subject in SUBJECT_ORG_KINDS:
        kinds = SUBJECT_ORG_KINDS[rule.subject]
        return [o.id for o in ancestors if o.kind in kinds]
    if rule.subject == "group_or_branch":
        groups = [o.id for o in ancestors if o.kind == GROUP]
        if groups:
            return groups
        if branch_has_groups:
            return []  # held by a branch with groups: no group's meeting
        return [o.id for o in ancestors if o.kind == BRANCH]
    return []


def increments(rule_sets, fact, ancestors=(), branch_has_groups=False, people=None,
               only=None):
    """Every count ``fact`` adds one to. ``rule_sets`` maps a period kind to
    the rule set in force on the first day of the period of that kind that
    holds the fact (history is judged by the rules of its time). ``only``
    keeps the rules it accepts (e.g. the role quotas, when one member's are
    counted again)."""
    out = []
    for kind in PERIOD_KINDS:
        period = Period.containing(fact.period_day, kind)
        for rule in rule_sets[kind].active(kind):
            if (only is not None and not only(rule)) or not _on_time(rule, fact, period):
                continue
            for subject_id in touched_subjects(rule, fact, ancestors, branch_has_groups,
                                               people):
                out.append(Increment(rule.key, subject_id, rule.per_member, period,
                                     rule.minimum))
    return out


def status(required, actual, closed):
    if actual >= required:
        return MET
    return MISSED if closed else PENDING


def evaluate(rule_set, orgs, facts, period, closed=frozenset(), members=(), today=None):
    """Every enabled quota of ``period``'s kind for every subject in ``orgs``
    (and ``members``), counted from scratch. ``closed`` holds the (rule,
    subject id, period label) triples closed; ``today`` (the period's end
    if not given) says which day the roles of a period not over are judged
    on. The practice quotas count the things their facts mark
    (practice.tally), against a minimum that may depend on the members
    there on the judging day."""
    results = []
    members = list(members)
    marked, _ = practice.tally(lambda f: {k: rule_set for k in PERIOD_KINDS},
                               [f for f in facts if practice.is_practice(f)],
                               {m.id: m for m in members})
    for rule in rule_set.active(period.kind):
        day = rule.judging_day(period, today or period.end)
        for subject in subjects(rule, orgs, members, day):
            if rule.practice:
                actual = marked.get((rule.key, subject.id, period.label), (0,))[0]
                those = practice.members_of(subject, members) if rule.dynamic else ()
                required = practice.required(rule, those, day)
            else:
                actual = count(rule, subject, period, facts)
                required = rule.minimum
            is_closed = (rule.key, subject.id, period.label) in closed
            results.append(QuotaResult(rule.key, subject.id, period.label, required,
                                       actual, status(required, actual, is_closed)))
    results.sort(key=lambda r: (r.subject_id, r.rule))
    return results
