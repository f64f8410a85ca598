"""The practice quotas (services/supervision/domain/practice.py), pure:
households contacted (A5) and paired with a county-level cadre (A5-PAIR),
the branch secretary's talks with every member (A6) and with the bureau
secretary (A6-SEC), committee pairs that talked twice (A6-COM) and pledges
(A8); each thing counted once per subject and period whatever the order of
the facts, roles judged on the fact's day, the dynamic minimums of A6 and
A6-COM on the judging day, and the rule file's errors."""
import datetime as dt
import random

import pytest

from services.supervision.domain import QUOTA_RULES, Member, parse_rule_set, role_history
from services.supervision.domain.practice import (HouseholdFact, PledgeFact, TalkFact,
                                                  every_member_required, every_pair_required,
                                                  marks, pair, required, tally)
from services.supervision.domain.quotas import status
from shared.periods import KINDS, Period
from shared.rules import Version
from shared.vocabulary import MET, MISSED, PENDING

D = dt.date
BRANCH = ("city", "bureau", "committee", "branch")
OTHER_BRANCH = ("city", "bureau", "committee", "other")
COMMITTEE = BRANCH[:3]
_ids = iter(range(10**6))


@pytest.fixture
def rules(monkeypatch):
    monkeypatch.delenv("XF_RULES_DIR", raising=False)
    return QUOTA_RULES.for_day("b", D(2018, 1, 1))


def sets_of(rules):
    return {kind: rules for kind in KINDS}


def person(id, roles=(), branch=BRANCH):
    """``roles``: [(since, [role, ...])], the member's roles by day."""
    return Member(id, "bureau", branch, role_history([(D(1, 1, 1), ["member"])] + list(roles)))


def talk(a, b, day, org=BRANCH):
    return TalkFact(f"t{next(_ids)}", org, "INDIVIDUAL", day, (a, b))


def contact(household, member, day, in_difficulty=False, cadre=None):
    return HouseholdFact(f"c{next(_ids)}", household, member, BRANCH, day, in_difficulty, cadre)


def counts(rules, facts, people=()):
    """{(rule, subject, period label): actual} from scratch."""
    found, _ = tally(lambda f: sets_of(rules), facts, {p.id: p for p in people})
    return {k: v[0] for k, v in found.items()}


def applied_one_by_one(rules, facts, people=()):
    """What the supervision service does as each fact arrives: mark each
    thing, and move a count when a thing is marked exactly ``times`` times."""
    people = {p.id: p for p in people}
    times, out = {}, {}
    by_key = {r.key: r for r in rules.rules}
    for fact in facts:
        for m in marks(sets_of(rules), fact, people):
            key = (m.rule, m.subject_id, m.period.label, m.thing)
            times[key] = times.get(key, 0) + 1
            if times[key] == by_key[m.rule].times:
                out[key[:3]] = out.get(key[:3], 0) + 1
    return out


SEC = person("sec", [(D(2018, 1, 1), ["secretary"])])
ANN, BOB = person("ann"), person("bob")
STRANGER = person("zed", branch=OTHER_BRANCH)
BOSS = person("boss", [(D(2018, 1, 1), ["bureau_secretary"])], branch=OTHER_BRANCH)


# -- A5: households contacted ---------------------------------------------------------

def test_a_household_registered_and_visited_in_a_year_counts_once(rules):
    facts = [contact("h1", "ann", D(2018, 2, 1)), contact("h1", "ann", D(2018, 3, 1)),
             contact("h1", "ann", D(2018, 9, 1)), contact("h2", "ann", D(2018, 5, 1))]
    assert counts(rules, facts)[("A5", "ann", "2018")] == 2


def test_a_household_counts_again_in_the_next_year_it_is_contacted(rules):
    facts = [contact("h1", "ann", D(2018, 2, 1)), contact("h1", "ann", D(2019, 1, 3))]
    found = counts(rules, facts)
    assert found[("A5", "ann", "2018")] == 1 and found[("A5", "ann", "2019")] == 1


def test_a5_needs_three_households():
    assert status(3, 2, closed=False) == PENDING
    assert status(3, 3, closed=True) == MET


# -- A5-PAIR: households in difficulty paired with a county-level cadre --------------------

CADRE = person("cad", [(D(2018, 4, 1), ["county_cadre"])])


def test_a_paired_household_in_difficulty_counts_for_the_cadre(rules):
    facts = [contact("h1", "ann", D(2018, 5, 1), True, "cad"),
             contact("h1", "ann", D(2018, 6, 1), True, "cad")]
    found = counts(rules, facts, [CADRE])
    assert found[("A5-PAIR", "cad", "2018")] == 1
    assert found[("A5", "ann", "2018")] == 1  # and for the member who contacts it


def test_a_household_not_in_difficulty_or_not_paired_does_not_count_for_a_cadre(rules):
    facts = [contact("h1", "ann", D(2018, 5, 1), False, "cad"),
             contact("h2", "ann", D(2018, 5, 1), True, None)]
    assert not any(k[0] == "A5-PAIR" for k in counts(rules, facts, [CADRE]))


def test_a_pairing_counts_only_while_the_cadre_holds_the_role(rules):
    before = contact("h1", "ann", D(2018, 3, 31), True, "cad")
    assert not any(k[0] == "A5-PAIR" for k in counts(rules, [before], [CADRE]))
    plain = person("cad")  # never a county-level cadre
    later = contact("h1", "ann", D(2018, 5, 1), True, "cad")
    assert not any(k[0] == "A5-PAIR" for k in counts(rules, [later], [plain]))
    # contacted before and after: the later contact counts it, once
    assert counts(rules, [before, later], [CADRE])[("A5-PAIR", "cad", "2018")] == 1


# -- A6: the branch secretary talks with every member --------------------------------------

def test_the_secretary_counts_each_member_once_whoever_initiated(rules):
    facts = [talk("sec", "ann", D(2018, 2, 1)), talk("ann", "sec", D(2018, 3, 1)),
             talk("bob", "sec", D(2018, 4, 1))]
    assert counts(rules, facts, [SEC, ANN, BOB])[("A6", "branch", "2018")] == 2


def test_talks_without_the_branch_secretary_do_not_count(rules):
    facts = [talk("ann", "bob", D(2018, 2, 1)),          # two members
             talk("sec", "zed", D(2018, 2, 1))]          # a member of another branch
    assert not any(k[0] == "A6" for k in counts(rules, facts, [SEC, ANN, BOB, STRANGER]))


def test_the_secretary_role_is_the_one_held_on_the_talks_day(rules):
    late = person("sec", [(D(2018, 6, 1), ["secretary"])])
    facts = [talk("sec", "ann", D(2018, 5, 31)), talk("sec", "bob", D(2018, 6, 1))]
    found = applied_one_by_one(rules, facts, [late, ANN, BOB])
    assert found[("A6", "branch", "2018")] == 1  # bob only


def test_a6_requires_every_member_but_the_secretary_on_the_judging_day():
    members = [SEC, ANN, BOB]
    assert every_member_required(members, D(2018, 12, 31)) == 2
    assert every_member_required(members, D(2017, 12, 31)) == 3  # no secretary yet
    assert every_member_required([SEC], D(2018, 12, 31)) == 0


def test_a_quota_of_nothing_required_is_met(rules):
    a6 = next(r for r in rules.rules if r.key == "A6")
    nothing = required(a6, [SEC], D(2018, 12, 31))
    assert nothing == 0
    assert status(nothing, 0, closed=True) == MET
    assert status(required(a6, [SEC, ANN], D(2018, 12, 31)), 0, closed=True) == MISSED


# -- A6-SEC: the branch secretary with the bureau secretary ---------------------------------

def test_each_talk_of_the_secretary_with_the_bureau_secretary_counts(rules):
    facts = [talk("sec", "boss", D(2018, 2, 1)), talk("boss", "sec", D(2018, 3, 1))]
    assert counts(rules, facts, [SEC, BOSS])[("A6-SEC", "branch", "2018")] == 2


def test_a6_sec_needs_the_talk_under_the_branch_and_both_roles_on_the_day(rules):
    facts = [talk("sec", "boss", D(2018, 2, 1), org=COMMITTEE),     # filed elsewhere
             talk("sec", "boss", D(2017, 12, 1)),                   # before both roles
             talk("ann", "boss", D(2018, 2, 1)),                    # not the secretary
             talk("sec", "boss", D(2018, 2, 1), org=OTHER_BRANCH)]  # not sec's branch
    assert not any(k[0] == "A6-SEC" for k in counts(rules, facts, [SEC, BOSS, ANN]))


# -- A6-COM: pairs of committee members that talked twice -----------------------------------

LEADERS = [person("l1", [(D(2018, 1, 1), ["bureau_secretary"])]),
           person("l2", [(D(2018, 1, 1), ["bureau_committee"])]),
           person("l3", [(D(2018, 1, 1), ["bureau_committee"])]),
           person("l4", [(D(2018, 7, 1), ["bureau_committee"])])]


def test_a_pair_counts_once_at_its_second_talk_whichever_way_round(rules):
    facts = [talk("l1", "l2", D(2018, 2, 1), COMMITTEE), talk("l2", "l1", D(2018, 3, 1), COMMITTEE),
             talk("l1", "l2", D(2018, 4, 1), COMMITTEE), talk("l1", "l3", D(2018, 4, 1), COMMITTEE)]
    assert counts(rules, facts, LEADERS)[("A6-COM", "committee", "2018")] == 1
    assert pair("l2", "l1") == pair("l1", "l2")


def test_a_pair_counts_only_talks_while_both_hold_a_committee_role(rules):
    facts = [talk("l1", "l4", D(2018, 6, 1), COMMITTEE), talk("l4", "l1", D(2018, 7, 1), COMMITTEE)]
    assert counts(rules, facts, LEADERS)[("A6-COM", "committee", "2018")] == 0  # marked once
    facts.append(talk("l4", "l1", D(2018, 8, 1), COMMITTEE))
    assert counts(rules, facts, LEADERS)[("A6-COM", "committee", "2018")] == 1


def test_a6_com_requires_every_pair_of_leaders_on_the_judging_day():
    assert every_pair_required(LEADERS, D(2018, 6, 30)) == 3
    assert every_pair_required(LEADERS, D(2018, 12, 31)) == 6
    assert every_pair_required(LEADERS[:1], D(2018, 12, 31)) == 0
    assert every_pair_required([], D(2018, 12, 31)) == 0


# -- A8: pledges ------------------------------------------------------------------------

def test_a_pledge_counts_in_its_year_each_once(rules):
    facts = [PledgeFact("p1", "ann", BRANCH, 2018, D(2017, 12, 20)),
             PledgeFact("p2", "ann", BRANCH, 2018, D(2018, 1, 5))]
    found = counts(rules, facts)
    assert found[("A8", "ann", "2018")] == 2 and ("A8", "ann", "2017") not in found


# -- fact by fact == from scratch ------------------------------------------------------------

def test_counting_fact_by_fact_in_any_order_agrees_with_counting_from_scratch(rules):
    rng = random.Random(8)
    people = [SEC, ANN, BOB, STRANGER, BOSS, CADRE] + LEADERS
    ids = [p.id for p in people]
    facts = []
    for _ in range(300):
        day = D(2018, 1, 1) + dt.timedelta(days=rng.randrange(500))
        a, b = rng.sample(ids, 2)
        facts.append(talk(a, b, day, rng.choice([BRANCH, COMMITTEE, OTHER_BRANCH])))
        facts.append(contact(f"h{rng.randrange(8)}", rng.choice(ids), day, rng.random() < .5,
                             rng.choice(["cad", None])))
        facts.append(PledgeFact(f"p{next(_ids)}", rng.choice(ids), BRANCH, day.year, day))
    scratch = counts(rules, facts, people)
    for _ in range(3):
        rng.shuffle(facts)
        assert applied_one_by_one(rules, facts, people) == {k: v for k, v in scratch.items() if v}
    assert {k[0] for k in scratch} == {"A5", "A5-PAIR", "A6", "A6-SEC", "A6-COM", "A8"}


# -- the rule file ---------------------------------------------------------------------------

def parse(*rules):
    return parse_rule_set(Version("test.yaml", 2, D(2018, 1, 1), {"rules": list(rules)}))


def rule(fact, subject, minimum=1, **counts):
    return {"key": "X", "subject": subject, "period": "year", "minimum": minimum,
            "counts": {"fact": fact, **counts}}


@pytest.mark.parametrize("raw, message", [
    (rule("pledge_made", "member", times=2), "only household_contacted"),
    (rule("committee_pair_talked", "committee", times=0), "times must be a whole number"),
    (rule("committee_pair_talked", "committee", times=True), "times must be a whole number"),
    (rule("household_contacted", "member", minimum="every_pair"),
     "every_pair goes with 'counts: {fact: committee_pair_talked}' only"),
    (rule("household_contacted", "member", minimum="all"), "neither a whole number nor"),
    (rule("household_contacted", "branch"), "household_contacted counts for the subjects "
                                            "member, not branch"),
    (rule("paired_household_contacted", "member"), "for the subjects county_cadre"),
    (rule("lecture_given", "county_cadre", at="bureau"), "not county_cadre"),
    (rule("secretary_talked_with_member", "branch", minimum=0), "at least 1"),
    ({"key": "X", "subject": "branch", "period": "year", "minimum": 1, "counts":
      {"activity_kinds": ["ACTIVITY_DAY"], "times": 2}}, "only household_contacted"),
])
def test_a_practice_rule_that_cannot_count_is_refused_with_a_reason(raw, message):
    with pytest.raises(ValueError, match=r"rule X") as err:
        parse(raw)
    assert message in str(err.value)


def test_a_dynamic_minimum_and_times_parse():
    parsed = parse(rule("committee_pair_talked", "committee", minimum="every_pair", times=3))
    x = parsed.rules[0]
    assert (x.minimum, x.dynamic, x.times, x.practice) == (None, "every_pair", 3, True)
    y = parse(rule("household_contacted", "member", minimum=4)).rules[0]
    assert (y.minimum, y.dynamic, y.times) == (4, None, 1)


def test_a_period_holds_its_marks(rules):
    m = marks(sets_of(rules), PledgeFact("p", "ann", BRANCH, 2018, D(2018, 3, 1)))
    assert [(x.rule, x.period, x.place) for x in m] == [
        ("A8", Period.containing(D(2018, 1, 1), "year"), BRANCH + ("ann",))]
