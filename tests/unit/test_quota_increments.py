"""The incremental quota rules (services/supervision/domain/quotas.py
``increments``) agree with counting from scratch (``evaluate``): a recorded
year of a random city, applied fact by fact, gives every count of every
period that the full evaluation gives, member-level quotas included."""
import datetime as dt
import random

import pytest

from services.supervision.domain import (ActivityFact, Member, Org, evaluate, increments,
                                         parse_rule_set, touched_subjects)
from shared.periods import KINDS, MONTH, QUARTER, YEAR, Period
from shared.rules import Version
from shared.vocabulary import (ACTIVITY_DAY, ACTIVITY_KINDS, BRANCH, BUREAU, CITY, COMMITTEE,
                               GROUP, GROUP_MEETING)

D = dt.date
SHIPPED = [
    {"key": "A1", "subject": "branch", "period": "month",
     "counts": {"activity_kinds": ["ACTIVITY_DAY"]}, "minimum": 2},
    {"key": "A2-GM", "subject": "branch", "period": "quarter",
     "counts": {"activity_kinds": ["GENERAL_MEETING"]}, "minimum": 1},
    {"key": "A2-GR", "subject": "group_or_branch", "period": "month",
     "counts": {"activity_kinds": ["GROUP_MEETING"]}, "minimum": 1},
    {"key": "A4", "subject": "branch", "period": "year",
     "counts": {"activity_kinds": ["VOLUNTEER_SERVICE"]}, "minimum": 2},
    {"key": "A7-DL", "subject": "committee", "period": "year",
     "counts": {"activity_kinds": ["DEMOCRATIC_LIFE_MEETING"]}, "minimum": 1},
    {"key": "S2", "subject": "committee", "period": "month",
     "counts": {"activity_kinds": ["CENTRAL_GROUP_STUDY"]}, "minimum": 1},
    {"key": "S6", "subject": "bureau", "period": "year",
     "counts": {"activity_kinds": ["WINTER_TRAINING"]}, "minimum": 1},
    # member-level: activity days and lectures attended, present
    {"key": "M-DAYS", "subject": "member", "period": "year",
     "counts": {"activity_kinds": ["ACTIVITY_DAY", "PARTY_LECTURE"]}, "minimum": 12},
    {"key": "M-MONTH", "subject": "member", "period": "month",
     "counts": {"activity_kinds": ["ACTIVITY_DAY"]}, "minimum": 1},
]
RULES = parse_rule_set(Version("test", 1, D(2017, 1, 1), {"rules": SHIPPED}))
BY_KIND = {kind: RULES for kind in KINDS}


def org(id, kind, parent=None, bureau=None):
    path = (parent.path if parent else ()) + (id,)
    return Org(id, kind, parent.id if parent else None, bureau or id, path, D(2017, 1, 1))


def random_city(rng, bureaus=3):
    city = org("c", CITY)
    tree, members = [city], []
    for b in range(bureaus):
        bureau = org(f"b{b}", BUREAU, city)
        committee = org(f"b{b}k", COMMITTEE, bureau, bureau.id)
        tree += [bureau, committee]
        for r in range(rng.randint(1, 4)):
            branch = org(f"b{b}r{r}", BRANCH, committee, bureau.id)
            tree.append(branch)
            for g in range(rng.choice([0, 0, 2])):
                tree.append(org(f"{branch.id}g{g}", GROUP, branch, bureau.id))
            for m in range(rng.randint(2, 6)):
                members.append(Member(f"{branch.id}m{m}", bureau.id, branch.path))
    return tree, members


def random_year(rng, tree, members, n=600):
    holders = [o for o in tree if o.kind in (BRANCH, GROUP, COMMITTEE, BUREAU)]
    facts = []
    for i in range(n):
        holder = rng.choice(holders)
        kind = rng.choice(ACTIVITY_KINDS)
        day = D(2017, 1, 1) + dt.timedelta(days=rng.randrange(365))
        eligible = [m.id for m in members if holder.id in m.branch_path]
        present = tuple(m for m in eligible if rng.random() < 0.7)
        facts.append(ActivityFact(f"a{i}", holder.path, kind, day, present))
    return facts


def ancestors(fact, tree):
    by_id = {o.id: o for o in tree}
    return [by_id[i] for i in fact.org_path]


def has_groups(fact, tree):
    branch = [o for o in ancestors(fact, tree) if o.kind == BRANCH]
    return bool(branch) and any(o.parent_id == branch[0].id and o.kind == GROUP for o in tree)


@pytest.mark.parametrize("seed", range(8))
def test_a_year_applied_fact_by_fact_equals_counting_it_from_scratch(seed):
    rng = random.Random(seed)
    tree, members = random_city(rng)
    facts = random_year(rng, tree, members)
    state = {}
    for fact in facts:
        for inc in increments(BY_KIND, fact, ancestors(fact, tree), has_groups(fact, tree)):
            key = (inc.rule, inc.subject_id, inc.period.label)
            state[key] = state.get(key, 0) + 1
    periods = [Period(D(2017, m, 1), MONTH) for m in range(1, 13)] \
        + [Period(D(2017, m, 1), QUARTER) for m in (1, 4, 7, 10)] + [Period(D(2017, 1, 1), YEAR)]
    compared = 0
    for period in periods:
        for result in evaluate(RULES, tree, facts, period, members=members):
            assert state.get((result.rule, result.subject_id, period.label), 0) == result.actual, \
                (result, period)
            compared += 1
    assert compared > 100
    # and nothing counted for a subject the full evaluation does not know
    subjects = {(r.rule, r.subject_id, p.label) for p in periods
                for r in evaluate(RULES, tree, facts, p, members=members)}
    assert set(state) <= subjects


BRANCH_ORG = org("r", BRANCH, org("k", COMMITTEE, org("b", BUREAU, org("c", CITY))), "b")
GROUP_ORG = org("g", GROUP, BRANCH_ORG, "b")


def rule(key):
    return next(r for r in RULES.rules if r.key == key)


def test_a_group_meeting_held_by_a_group_counts_for_the_group_only():
    fact = ActivityFact("a", GROUP_ORG.path, GROUP_MEETING, D(2017, 6, 1))
    chain = [BRANCH_ORG, GROUP_ORG]
    assert touched_subjects(rule("A2-GR"), fact, chain, branch_has_groups=True) == ["g"]


def test_a_group_meeting_held_by_a_branch_with_groups_counts_for_no_one():
    fact = ActivityFact("a", BRANCH_ORG.path, GROUP_MEETING, D(2017, 6, 1))
    assert touched_subjects(rule("A2-GR"), fact, [BRANCH_ORG], branch_has_groups=True) == []
    assert touched_subjects(rule("A2-GR"), fact, [BRANCH_ORG], branch_has_groups=False) == ["r"]


def test_a_member_counts_once_however_often_listed_and_only_when_present():
    fact = ActivityFact("a", BRANCH_ORG.path, ACTIVITY_DAY, D(2017, 6, 1), ("m1", "m1", "m2"))
    assert touched_subjects(rule("M-MONTH"), fact, [BRANCH_ORG], False) == ["m1", "m2"]
    absent = ActivityFact("b", BRANCH_ORG.path, ACTIVITY_DAY, D(2017, 6, 1), ())
    assert touched_subjects(rule("M-MONTH"), absent, [BRANCH_ORG], False) == []


def test_increments_name_the_period_of_each_kind_and_its_minimum():
    fact = ActivityFact("a", BRANCH_ORG.path, ACTIVITY_DAY, D(2017, 3, 31), ("m1",))
    got = {(i.rule, i.subject_id, i.period.label, i.required, i.member)
           for i in increments(BY_KIND, fact, [BRANCH_ORG], False)}
    assert got == {("A1", "r", "2017-03", 2, False), ("M-MONTH", "m1", "2017-03", 1, True),
                   ("M-DAYS", "m1", "2017", 12, True)}


def test_each_period_kind_is_judged_by_the_rule_set_of_its_own_first_day():
    later = parse_rule_set(Version("test", 2, D(2017, 3, 1), {"rules": [
        {**SHIPPED[0], "minimum": 3}]}))
    fact = ActivityFact("a", BRANCH_ORG.path, ACTIVITY_DAY, D(2017, 3, 5))
    by_kind = {MONTH: later, QUARTER: RULES, YEAR: RULES}
    got = {(i.rule, i.period.label, i.required)
           for i in increments(by_kind, fact, [BRANCH_ORG], False) if i.rule == "A1"}
    assert got == {("A1", "2017-03", 3)}
