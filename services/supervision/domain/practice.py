"""Members' practice quotas (issue 8), pure: households contacted (A5, 党员联户)
and paired (A5-PAIR, 结对帮扶), heart-to-heart talks (A6, A6-SEC, A6-COM,
谈心谈话) and pledges made (A8, 亮诺).

Each of these counts distinct *things* per subject and period, not facts: a
household (however often registered and visited in the year), a member the
branch secretary talked with, a talk, a pair of committee members, a pledge.
A fact yields *marks* (rule, subject, period, thing); a thing counts once it
has been marked ``rule.times`` times (a pair's second talk), and never again.
The supervision service keeps the marks (quota_marks) so each count moves
once as facts arrive, in any order; ``tally`` counts the same from scratch.

Roles are those held on the fact's day; a member's branch is the one the
read model holds (their current branch).

Some minimums depend on who is there on the judging day (``required``):
A6's is the branch's members other than its secretary, A6-COM's the number
of pairs of the committee's leaders. A quota of 0 required is MET.
"""
import datetime as dt
from dataclasses import dataclass

from services.supervision.domain.quota_rules import (BUREAU_SECRETARY, COMMITTEE_LEADERS,
                                                     COMMITTEE_PAIR_TALKED, EVERY_MEMBER,
                                                     EVERY_PAIR, HOUSEHOLD_CONTACTED,
                                                     PAIRED_HOUSEHOLD_CONTACTED, PLEDGE_MADE,
                                                     SECRETARY,
                                                     SECRETARY_TALKED_WITH_MEMBER,
                                                     SECRETARY_TALKS_WITH_BUREAU_SECRETARY,
                                                     SUBJECT_ROLES)
from shared.periods import KINDS as PERIOD_KINDS, Period

BRANCH_DEPTH, COMMITTEE_DEPTH = 4, 3  # city / bureau / committee / branch


@dataclass(frozen=True)
class TalkFact:
    """A talk (谈心谈话) between two members, filed under an organisation."""
    talk_id: str
    org_path: tuple
    kind: str
    held_on: dt.date
    participants: tuple  # (initiator, other)

    @property
    def period_day(self):
        return self.held_on

    @property
    def told_on(self):
        return self.held_on


@dataclass(frozen=True)
class HouseholdFact:
    """A household registered or visited by the member who contacts it."""
    contact_id: str      # the visit's id, or the registration's
    household_id: str
    member_id: str
    branch_path: tuple   # the member's branch
    on: dt.date
    in_difficulty: bool = False
    paired_cadre_id: str | None = None

    @property
    def period_day(self):
        return self.on

    @property
    def told_on(self):
        return self.on


@dataclass(frozen=True)
class PledgeFact:
    pledge_id: str
    member_id: str
    branch_path: tuple
    year: int
    made_on: dt.date

    @property
    def period_day(self):
        return dt.date(self.year, 1, 1)

    @property
    def told_on(self):
        return self.made_on


@dataclass(frozen=True)
class Mark:
    """``fact`` marks ``thing`` once for ``subject_id``'s count of ``rule``."""
    rule: str
    subject_id: str
    member: bool         # the subject is a member
    period: Period
    thing: str
    place: tuple         # the subject's path (a member's: their branch's, then their id)


def pair(a, b):
    """A pair of members, the same whichever way round."""
    return " ".join(sorted((a, b)))


def _on_time(rule, fact, period):
    deadline = rule.deadline(period)
    return deadline is None or fact.told_on <= deadline


def _branch_of(member):
    return member.branch_path[-1] if len(member.branch_path) >= BRANCH_DEPTH else None


def _household_marks(rule, fact, period, people):
    if rule.fact == HOUSEHOLD_CONTACTED:
        return [Mark(rule.key, fact.member_id, True, period, fact.household_id,
                     tuple(fact.branch_path) + (fact.member_id,))]
    if rule.fact == PAIRED_HOUSEHOLD_CONTACTED and fact.in_difficulty and fact.paired_cadre_id:
        cadre = people.get(fact.paired_cadre_id)
        if cadre and cadre.holds(SUBJECT_ROLES[rule.subject], fact.on):
            return [Mark(rule.key, cadre.id, True, period, fact.household_id,
                         tuple(cadre.branch_path) + (cadre.id,))]
    return []


def _talk_marks(rule, fact, period, people):
    if len(set(fact.participants)) != 2:
        return []
    a, b = (people.get(m) for m in fact.participants)
    if a is None or b is None:
        return []
    day = fact.held_on
    out = []
    if rule.fact == SECRETARY_TALKED_WITH_MEMBER:
        # either may have initiated: the secretary of the other's branch
        for head, member in ((a, b), (b, a)):
            branch = _branch_of(head)
            if branch and branch == _branch_of(member) and head.holds({SECRETARY}, day):
                out.append(Mark(rule.key, branch, False, period, member.id,
                                tuple(head.branch_path)))
    elif rule.fact == SECRETARY_TALKS_WITH_BUREAU_SECRETARY:
        if len(fact.org_path) != BRANCH_DEPTH:
            return []  # filed under the branch only
        branch = fact.org_path[-1]
        for head, top in ((a, b), (b, a)):
            if _branch_of(head) == branch and head.holds({SECRETARY}, day) \
                    and top.holds({BUREAU_SECRETARY}, day):
                return [Mark(rule.key, branch, False, period, fact.talk_id,
                             tuple(fact.org_path))]
    elif rule.fact == COMMITTEE_PAIR_TALKED:
        if len(fact.org_path) < COMMITTEE_DEPTH:
            return []
        if a.holds(COMMITTEE_LEADERS, day) and b.holds(COMMITTEE_LEADERS, day):
            committee = fact.org_path[COMMITTEE_DEPTH - 1]
            out.append(Mark(rule.key, committee, False, period, pair(a.id, b.id),
                            tuple(fact.org_path[:COMMITTEE_DEPTH])))
    return out


def _rule_marks(rule, fact, period, people):
    if isinstance(fact, HouseholdFact):
        return _household_marks(rule, fact, period, people)
    if isinstance(fact, TalkFact):
        return _talk_marks(rule, fact, period, people)
    if isinstance(fact, PledgeFact) and rule.fact == PLEDGE_MADE:
        return [Mark(rule.key, fact.member_id, True, period, fact.pledge_id,
                     tuple(fact.branch_path) + (fact.member_id,))]
    return []


def marks(rule_sets, fact, people=None):
    """Every mark ``fact`` makes. ``rule_sets`` maps a period kind to the rule
    set in force on the first day of the period holding the fact; ``people``
    holds the fact's members (and a household's cadre) with their roles by
    day and their branch."""
    people = people or {}
    out = []
    for kind in PERIOD_KINDS:
        period = Period.containing(fact.period_day, kind)
        for rule in rule_sets[kind].active(kind):
            if rule.practice and _on_time(rule, fact, period):
                out.extend(_rule_marks(rule, fact, period, people))
    return out


def is_practice(fact):
    return isinstance(fact, (TalkFact, HouseholdFact, PledgeFact))


def people_of(fact):
    """The members whose roles and branch the marks of ``fact`` depend on."""
    if isinstance(fact, TalkFact):
        return set(fact.participants)
    if isinstance(fact, HouseholdFact) and fact.in_difficulty and fact.paired_cadre_id:
        return {fact.paired_cadre_id}
    return set()


def tally(rule_sets_of, facts, people=None):
    """The counts from scratch, whatever order the facts come in:
    {(rule, subject, period label): (actual, a mark of it, the rule)} for
    every subject a fact marked, and {(rule, subject, period label, thing):
    times marked}. ``rule_sets_of(fact)`` gives the rule sets by period kind
    in force for a fact."""
    times, counts = {}, {}
    for fact in facts:
        sets = rule_sets_of(fact)
        for mark in marks(sets, fact, people):
            rule = next(r for r in sets[mark.period.kind].rules if r.key == mark.rule)
            key = (mark.rule, mark.subject_id, mark.period.label, mark.thing)
            times[key] = times.get(key, 0) + 1
            actual = counts.get(key[:3], (0,))[0]
            counts[key[:3]] = (actual + (times[key] == rule.times), mark, rule)
    return counts, times


# -- who is there on the judging day ----------------------------------------------

def every_member_required(members, day):
    """A6: the branch's members other than whoever holds its secretary role
    on ``day`` (domain.Member with roles by day)."""
    return sum(1 for m in members if not m.holds({SECRETARY}, day))


def every_pair_required(leaders, day):
    """A6-COM: the number of pairs of the members holding a committee role
    (bureau_committee or bureau_secretary) on ``day``."""
    n = sum(1 for m in leaders if m.holds(COMMITTEE_LEADERS, day))
    return n * (n - 1) // 2


def members_of(org, members):
    """The members placed under the organisation ``org`` (a branch's own, a
    committee's in its branches)."""
    depth = len(org.path)
    return [m for m in members if tuple(m.branch_path[:depth]) == tuple(org.path)]


def required(rule, members=(), day=None):
    """What ``rule`` requires of a subject whose members (a branch's, or a
    committee's leaders) are ``members``."""
    if rule.dynamic == EVERY_MEMBER:
        return every_member_required(members, day)
    if rule.dynamic == EVERY_PAIR:
        return every_pair_required(members, day)
    return rule.minimum
