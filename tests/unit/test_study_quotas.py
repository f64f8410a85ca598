"""The study quotas (services/supervision/domain): plans filed by a deadline
(S1, A2-PLAN by Jan 31; S4 by Mar 31), lectures by post (S5-SEC at a branch
of the secretary's bureau, S5-COM at a contact branch) and leaders at a
contact branch's organisational life meeting as guests (A7-LEAD), each
judged by the roles and contacts held on the day; who the subjects are on
the judging day; the deadlines due; the rule file's errors; and counting
fact by fact agreeing with counting from scratch."""
import datetime as dt
import random

import pytest

from services.supervision.domain import (QUOTA_RULES, SINCE_EVER, ActivityFact, Member, Org,
                                         PlanFact, SelfStudyFact, due_deadlines, evaluate,
                                         increments, parse_rule_set, role_history, subjects)
from shared.periods import KINDS, Period, parse_period
from shared.rules import Version
from shared.vocabulary import (ACTIVITY_DAY, BRANCH, BUREAU, CITY, COMMITTEE, GROUP, MET,
                               MISSED, ORG_LIFE_MEETING, PARTY_LECTURE, PENDING)

D = dt.date
YEAR_2018 = parse_period("2018")


@pytest.fixture
def rules(monkeypatch):
    """The shipped quota rule set, whatever an operator's folder may hold."""
    monkeypatch.delenv("XF_RULES_DIR", raising=False)
    return QUOTA_RULES.for_day("b", D(2018, 1, 1))


def org(id, kind, parent=None):
    path = (parent.path if parent else ()) + (id,)
    return Org(id, kind, parent.id if parent else None, "bureau", path, D(2017, 1, 1))


CITY_ORG = org("city", CITY)
BUREAU_ORG = org("bureau", BUREAU, CITY_ORG)
OTHER_BUREAU = org("other", BUREAU, CITY_ORG)
COMMITTEE_ORG = org("committee", COMMITTEE, BUREAU_ORG)
BRANCH_A = org("branch-a", BRANCH, COMMITTEE_ORG)
BRANCH_B = org("branch-b", BRANCH, COMMITTEE_ORG)
GROUP_A = org("group-a", GROUP, BRANCH_A)
FAR_COMMITTEE = org("far-committee", COMMITTEE, OTHER_BUREAU)
FAR_BRANCH = org("far-branch", BRANCH, FAR_COMMITTEE)
TREE = [CITY_ORG, BUREAU_ORG, COMMITTEE_ORG, BRANCH_A, BRANCH_B, GROUP_A]

_ids = iter(range(10**6))


def person(id, roles=(), contacts=(), bureau="bureau", branch=BRANCH_A):
    """``roles``: [(since, [role, ...])]; ``contacts``: [(branch id, since)]."""
    return Member(id, bureau, branch.path, role_history(roles), tuple(contacts))


def lecture(holder, day, speaker, kind=PARTY_LECTURE):
    return ActivityFact(f"a{next(_ids)}", holder.path, kind, day, (), speaker)


def visit(holder, day, guests, present=(), kind=ORG_LIFE_MEETING):
    return ActivityFact(f"a{next(_ids)}", holder.path, kind, day, tuple(present), None,
                        tuple(guests))


def one(rules, period, rule, subject_id, facts, orgs=(), members=(), today=None):
    found = [r for r in evaluate(rules, list(orgs), facts, parse_period(period),
                                 members=list(members), today=today)
             if r.rule == rule and r.subject_id == subject_id]
    assert len(found) <= 1
    return found[0] if found else None


# -- plans filed by Jan 31 (S1, A2-PLAN) -------------------------------------------------

@pytest.mark.parametrize("filed_on, counted", [
    (D(2018, 1, 31), 1), (D(2018, 2, 1), 0), (D(2017, 12, 20), 1), (D(2018, 1, 1), 1)])
def test_a_branch_plan_counts_when_filed_by_january_31(rules, filed_on, counted):
    facts = [PlanFact("branch-a", BRANCH_A.path, 2018, "STUDY", filed_on),
             PlanFact("branch-a", BRANCH_A.path, 2018, "MEETINGS", filed_on)]
    for rule in ("S1", "A2-PLAN"):
        got = one(rules, "2018", rule, "branch-a", facts, TREE)
        assert (got.actual, got.status) == (counted, MET if counted else PENDING), rule


def test_a_plan_counts_for_its_own_year_and_kind_only(rules):
    facts = [PlanFact("branch-a", BRANCH_A.path, 2019, "STUDY", D(2018, 1, 10)),
             PlanFact("branch-a", BRANCH_A.path, 2018, "MEETINGS", D(2018, 1, 10))]
    assert one(rules, "2018", "S1", "branch-a", facts, TREE).actual == 0
    assert one(rules, "2018", "A2-PLAN", "branch-a", facts, TREE).actual == 1
    assert one(rules, "2018", "A2-PLAN", "branch-b", facts, TREE).actual == 0


def test_a_committee_files_a_study_plan_but_has_no_meetings_plan_quota(rules):
    facts = [PlanFact("committee", COMMITTEE_ORG.path, 2018, "STUDY", D(2018, 1, 31))]
    assert one(rules, "2018", "S1", "committee", facts, TREE).status == MET
    assert one(rules, "2018", "A2-PLAN", "committee", facts, TREE) is None
    # and a committee's plan is not its branches'
    assert one(rules, "2018", "S1", "branch-a", facts, TREE).actual == 0


def test_a_late_plan_adds_nothing_fact_by_fact(rules):
    by_kind = {kind: rules for kind in KINDS}
    on_time = PlanFact("branch-a", BRANCH_A.path, 2018, "STUDY", D(2018, 1, 31))
    late = PlanFact("branch-a", BRANCH_A.path, 2018, "STUDY", D(2018, 2, 1))
    assert [(i.rule, i.subject_id, i.period.label) for i in increments(by_kind, on_time)] == [
        ("S1", "branch-a", "2018")]
    assert increments(by_kind, late) == []


# -- the self-study plan by Mar 31 (S4) -------------------------------------------------

@pytest.mark.parametrize("filed_on, status", [
    (D(2018, 3, 31), MET), (D(2018, 4, 1), PENDING), (D(2018, 2, 1), MET)])
def test_a_self_study_plan_counts_when_filed_by_march_31(rules, filed_on, status):
    members = [person("m1"), person("m2")]
    facts = [SelfStudyFact("m1", 2018, filed_on)]
    assert one(rules, "2018", "S4", "m1", facts, TREE, members).status == status
    assert one(rules, "2018", "S4", "m2", facts, TREE, members).actual == 0


def test_a_self_study_plan_of_another_year_does_not_count(rules):
    facts = [SelfStudyFact("m1", 2017, D(2017, 3, 1))]
    assert one(rules, "2018", "S4", "m1", facts, TREE, [person("m1")]).actual == 0


def test_a_closed_self_study_quota_unmet_is_missed(rules):
    got = [r for r in evaluate(rules, TREE, [], YEAR_2018, members=[person("m1")],
                               closed={("S4", "m1", "2018")}) if r.rule == "S4"]
    assert [(g.subject_id, g.status) for g in got] == [("m1", MISSED)]


# -- lectures by post (S5-SEC, S5-COM) ----------------------------------------------------

SECRETARY = person("sec", [(SINCE_EVER, ["member"]), (D(2018, 3, 1), ["bureau_secretary"])])


def test_the_secretary_lecturing_at_a_branch_of_the_bureau_meets_s5_sec(rules):
    facts = [lecture(BRANCH_B, D(2018, 3, 1), "sec")]
    got = one(rules, "2018", "S5-SEC", "sec", facts, TREE, [SECRETARY])
    assert (got.actual, got.status) == (1, MET)


def test_a_lecture_before_the_secretary_took_office_does_not_count(rules):
    facts = [lecture(BRANCH_B, D(2018, 2, 28), "sec")]
    assert one(rules, "2018", "S5-SEC", "sec", facts, TREE, [SECRETARY]).actual == 0


def test_a_lecture_after_the_role_ended_does_not_count(rules):
    former = person("sec", [(SINCE_EVER, ["bureau_secretary"]), (D(2018, 6, 1), ["member"])])
    facts = [lecture(BRANCH_B, D(2018, 5, 31), "sec"), lecture(BRANCH_B, D(2018, 6, 1), "sec")]
    # judged at the year's end, a former secretary is no subject any more ...
    assert one(rules, "2018", "S5-SEC", "sec", facts, TREE, [former]) is None
    # ... but in a period judged while in office the first lecture is theirs
    got = one(rules, "2018", "S5-SEC", "sec", facts, TREE, [former], today=D(2018, 5, 31))
    assert got.actual == 1


def test_a_lecture_on_december_31_counts_for_that_year(rules):
    facts = [lecture(BRANCH_A, D(2018, 12, 31), "sec")]
    assert one(rules, "2018", "S5-SEC", "sec", facts, TREE, [SECRETARY]).status == MET
    assert one(rules, "2019", "S5-SEC", "sec", facts, TREE, [SECRETARY]).actual == 0


def test_s5_sec_needs_a_branch_of_the_secretarys_own_bureau(rules):
    facts = [lecture(FAR_BRANCH, D(2018, 5, 1), "sec"),      # another bureau
             lecture(COMMITTEE_ORG, D(2018, 5, 2), "sec"),   # not held by a branch
             lecture(BRANCH_A, D(2018, 5, 3), "someone"),    # another speaker
             lecture(BRANCH_A, D(2018, 5, 4), "sec", kind=ACTIVITY_DAY)]  # no lecture
    assert one(rules, "2018", "S5-SEC", "sec", facts, TREE, [SECRETARY]).actual == 0
    by_group = [lecture(GROUP_A, D(2018, 5, 5), "sec")]     # inside a branch
    assert one(rules, "2018", "S5-SEC", "sec", by_group, TREE, [SECRETARY]).actual == 1


def committee_member(contacts=(("branch-b", D(2018, 4, 1)),), since=SINCE_EVER):
    return person("com", [(since, ["bureau_committee"])], contacts)


def test_s5_com_counts_a_lecture_at_a_branch_contacted_on_the_day(rules):
    com = committee_member()
    facts = [lecture(BRANCH_B, D(2018, 4, 1), "com")]
    assert one(rules, "2018", "S5-COM", "com", facts, TREE, [com]).status == MET


def test_s5_com_does_not_count_before_the_contact_began_or_at_another_branch(rules):
    com = committee_member()
    facts = [lecture(BRANCH_B, D(2018, 3, 31), "com"), lecture(BRANCH_A, D(2018, 5, 1), "com")]
    assert one(rules, "2018", "S5-COM", "com", facts, TREE, [com]).actual == 0


def test_s5_com_needs_the_committee_role_on_the_day(rules):
    com = committee_member(since=D(2018, 6, 1))
    facts = [lecture(BRANCH_B, D(2018, 5, 1), "com"), lecture(BRANCH_B, D(2018, 6, 1), "com")]
    assert one(rules, "2018", "S5-COM", "com", facts, TREE, [com]).actual == 1
    # the secretary's lectures are S5-SEC's, not S5-COM's
    assert one(rules, "2018", "S5-COM", "sec", facts, TREE, [SECRETARY]) is None


# -- leaders at a contact branch's organisational life meeting (A7-LEAD) ------------------

def test_a7_lead_counts_a_guest_at_a_contact_branch_meeting(rules):
    com = committee_member()
    sec = person("sec", [(SINCE_EVER, ["bureau_secretary"])], [("branch-a", D(2018, 1, 1))])
    facts = [visit(BRANCH_B, D(2018, 10, 1), ["com"]), visit(BRANCH_A, D(2018, 10, 2), ["sec"])]
    assert one(rules, "2018", "A7-LEAD", "com", facts, TREE, [com, sec]).status == MET
    assert one(rules, "2018", "A7-LEAD", "sec", facts, TREE, [com, sec]).status == MET


def test_a7_lead_wants_a_guest_at_an_org_life_meeting_of_a_contact_branch_in_office(rules):
    com = committee_member()
    facts = [visit(BRANCH_A, D(2018, 10, 1), ["com"]),                       # not contacted
             visit(BRANCH_B, D(2018, 3, 1), ["com"]),                        # before the contact
             visit(BRANCH_B, D(2018, 10, 3), [], present=["com"]),           # not as a guest
             visit(BRANCH_B, D(2018, 10, 4), ["com"], kind=ACTIVITY_DAY)]    # another kind
    assert one(rules, "2018", "A7-LEAD", "com", facts, TREE, [com]).actual == 0
    plain = person("com", [(SINCE_EVER, ["member"])], [("branch-b", D(2018, 1, 1))])
    assert one(rules, "2018", "A7-LEAD", "com", [visit(BRANCH_B, D(2018, 10, 1), ["com"])],
               TREE, [plain]) is None


def test_a_guest_counts_as_present_for_a_member_quota():
    custom = parse_rule_set(Version("t", 1, D(2017, 1, 1), {"rules": [
        {"key": "M", "subject": "member", "period": "year",
         "counts": {"activity_kinds": [ORG_LIFE_MEETING]}, "minimum": 1}]}))
    facts = [visit(BRANCH_B, D(2018, 10, 1), ["g"], present=["p"])]
    members = [person("g"), person("p"), person("x")]
    got = {r.subject_id: r.actual for r in evaluate(custom, TREE, facts, YEAR_2018,
                                                    members=members)}
    assert got == {"g": 1, "p": 1, "x": 0}


# -- subjects on the judging day --------------------------------------------------------------

def test_subjects_of_each_kind(rules):
    by_key = {r.key: r for r in rules.rules}
    sec = person("sec", [(SINCE_EVER, ["bureau_secretary"])])
    com = person("com", [(SINCE_EVER, ["bureau_committee", "secretary"])])
    plain = person("plain", [(SINCE_EVER, ["secretary"])])
    people = [sec, com, plain]
    day = D(2018, 12, 31)

    def ids(key):
        return sorted(s.id for s in subjects(by_key[key], TREE, people, day))
    assert ids("S1") == ["branch-a", "branch-b", "committee"]
    assert ids("A2-PLAN") == ["branch-a", "branch-b"]
    assert ids("S4") == ["com", "plain", "sec"]
    assert ids("S5-SEC") == ["sec"]
    assert ids("S5-COM") == ["com"]
    assert ids("A7-LEAD") == ["com", "sec"]


def test_roles_are_judged_at_the_period_end_or_today_while_it_runs(rules):
    by_key = {r.key: r for r in rules.rules}
    s5 = by_key["S5-COM"]
    assert s5.judging_day(YEAR_2018, D(2019, 5, 1)) == D(2018, 12, 31)
    assert s5.judging_day(YEAR_2018, D(2018, 5, 1)) == D(2018, 5, 1)
    assert s5.judging_day(YEAR_2018, D(2017, 5, 1)) == D(2018, 1, 1)
    s1 = by_key["S1"]
    assert s1.judging_day(YEAR_2018, D(2018, 6, 1)) == D(2018, 1, 31)
    assert s1.judging_day(YEAR_2018, D(2018, 1, 20)) == D(2018, 1, 20)
    leaving = person("com", [(SINCE_EVER, ["bureau_committee"]), (D(2018, 7, 1), [])])
    assert subjects(s5, TREE, [leaving], D(2018, 6, 30)) == [leaving]
    assert subjects(s5, TREE, [leaving], D(2018, 7, 1)) == []


def test_a_member_with_no_roles_told_holds_none():
    nobody = person("x")
    assert nobody.roles_on(D(2018, 1, 1)) == frozenset()
    assert not nobody.contacts_on(D(2018, 1, 1), "branch-a")


# -- deadlines due -------------------------------------------------------------------------------

def test_deadlines_are_due_the_day_after(rules):
    def due(today, done=()):
        return sorted((y, r.key) for y, r in due_deadlines(today, 2018, lambda y: rules,
                                                            set(done)))
    assert due(D(2018, 1, 31)) == []
    assert due(D(2018, 2, 1)) == [(2018, "A2-PLAN"), (2018, "S1")]
    assert due(D(2018, 3, 31)) == [(2018, "A2-PLAN"), (2018, "S1")]
    assert due(D(2018, 4, 1)) == [(2018, "A2-PLAN"), (2018, "S1"), (2018, "S4")]
    assert due(D(2018, 4, 1), {(2018, "S1"), (2018, "A2-PLAN")}) == [(2018, "S4")]
    assert due(D(2019, 2, 1), {(2018, "S1"), (2018, "A2-PLAN"), (2018, "S4")}) == [
        (2019, "A2-PLAN"), (2019, "S1")]


# -- the rule file ----------------------------------------------------------------------------

def version(rules):
    return Version("test.yaml", 1, D(2017, 1, 1), {"rules": rules})


def rule(**changes):
    raw = {"key": "X", "subject": "branch", "period": "year",
           "counts": {"fact": "plan_filed", "plan": "STUDY"}, "due": "01-31", "minimum": 1}
    raw.update(changes)
    return raw


def test_a_deadline_is_read_as_month_and_day():
    parsed = parse_rule_set(version([rule()])).rules[0]
    assert parsed.due == (1, 31)
    assert parsed.deadline(YEAR_2018) == D(2018, 1, 31)
    assert parse_rule_set(version([rule(due=None)])).rules[0].deadline(YEAR_2018) is None


@pytest.mark.parametrize("changes, fragments", [
    ({"counts": {"fact": "talks"}}, ["'talks'", "plan_filed", "enabled: false"]),
    ({"due": "31-01"}, ["'31-01'", "not a day of every year", "MM-DD"]),
    ({"due": "Jan 31"}, ["'Jan 31'", "MM-DD"]),
    ({"due": "02-29"}, ["'02-29'", "every year"]),
    ({"due": "01-31", "period": "month", "counts": {"activity_kinds": [ACTIVITY_DAY]}},
     ["outside", "period: year"]),
    ({"counts": {"fact": "plan_filed"}}, ["plan: STUDY", "plan: MEETINGS"]),
    ({"counts": {"fact": "plan_filed", "plan": "BUDGET"}}, ["plan: STUDY"]),
    ({"subject": "member"}, ["plan_filed counts for the subjects", "not member"]),
    ({"subject": "committee_member", "counts": {"fact": "lecture_given"}},
     ["'at: bureau'", "'at: contact_branch'"]),
    ({"subject": "committee_member", "counts": {"fact": "lecture_given", "at": "city"}},
     ["'at: bureau'"]),
    ({"subject": "bureau_leader", "counts": {"fact": "guest_at", "at": "contact_branch"}},
     ["activity_kinds"]),
    ({"subject": "bureau_leader", "counts": {"activity_kinds": [ORG_LIFE_MEETING]}},
     ["a fact"]),
    ({"subject": "member", "period": "quarter", "due": None,
      "counts": {"fact": "self_study_plan_filed"}}, ["period: year"]),
    ({"counts": {"fact": "plan_filed", "plan": "STUDY", "at": "bureau"}}, ["'at'"]),
])
def test_bad_study_rules_say_what_is_wrong(changes, fragments):
    with pytest.raises(ValueError) as err:
        parse_rule_set(version([rule(**changes)]))
    message = str(err.value)
    assert message.startswith("rule X:"), message
    for fragment in fragments:
        assert fragment in message, message


def test_a_disabled_rule_may_still_name_a_fact_not_counted_yet():
    parsed = parse_rule_set(version([rule(counts={"fact": "talks"}, enabled=False,
                                          minimum="every_member", due=None)]))
    assert parsed.active() == []


# -- fact by fact == from scratch ---------------------------------------------------------------

def test_counting_fact_by_fact_equals_counting_from_scratch(rules):
    """A random year of plans, self-study plans, lectures and guest visits by
    members whose roles and contacts change during it: the increments of
    each fact, summed, are the full evaluation's counts."""
    rng = random.Random(11)
    branches = [BRANCH_A, BRANCH_B, FAR_BRANCH]
    people = []
    for i in range(12):
        changes = [(SINCE_EVER, rng.choice([["member"], ["bureau_committee"],
                                            ["bureau_secretary"]]))]
        for _ in range(rng.randrange(3)):
            day = D(2018, 1, 1) + dt.timedelta(days=rng.randrange(365))
            changes.append((day, rng.choice([["member"], ["bureau_committee"],
                                             ["bureau_secretary", "bureau_committee"]])))
        contacts = [(b.id, D(2018, 1, 1) + dt.timedelta(days=rng.randrange(365)))
                    for b in rng.sample(branches, rng.randrange(3))]
        people.append(person(f"p{i}", changes, contacts,
                             bureau="other" if i % 5 == 0 else "bureau",
                             branch=FAR_BRANCH if i % 5 == 0 else rng.choice(branches[:2])))
    ids = [p.id for p in people]
    facts = []
    for _ in range(300):
        day = D(2018, 1, 1) + dt.timedelta(days=rng.randrange(365))
        holder = rng.choice(branches + [COMMITTEE_ORG, GROUP_A])
        pick = rng.random()
        if pick < 0.4:
            facts.append(lecture(holder, day, rng.choice(ids)))
        elif pick < 0.8:
            facts.append(visit(holder, day, rng.sample(ids, rng.randrange(1, 4)),
                               present=rng.sample(ids, 2)))
        elif pick < 0.9:
            filer = rng.choice([BRANCH_A, BRANCH_B, COMMITTEE_ORG])
            facts.append(PlanFact(filer.id, filer.path, 2018, rng.choice(["STUDY", "MEETINGS"]),
                                  D(2018, 1, 1) + dt.timedelta(days=rng.randrange(60))))
        else:
            facts.append(SelfStudyFact(rng.choice(ids), 2018,
                                       D(2018, 1, 1) + dt.timedelta(days=rng.randrange(150))))
    tree = TREE + [OTHER_BUREAU, FAR_COMMITTEE, FAR_BRANCH]
    by_kind = {kind: rules for kind in KINDS}
    known = {p.id: p for p in people}
    counted = {}
    for fact in facts:
        ancestors = [o for o in tree if o.id in fact.place] \
            if isinstance(fact, ActivityFact) else ()
        for inc in increments(by_kind, fact, ancestors, False, known):
            key = (inc.rule, inc.subject_id, inc.period.label)
            counted[key] = counted.get(key, 0) + 1
    compared = 0
    for label in ("2018", "2018-Q4", "2018-06"):
        period = parse_period(label)
        # judged while every role of the year is still open to be a subject
        for r in evaluate(rules, tree, facts, period, members=people, today=period.end):
            assert counted.get((r.rule, r.subject_id, r.period), 0) == r.actual, r
            compared += r.actual
    assert compared > 40
