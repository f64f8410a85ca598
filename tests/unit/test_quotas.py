"""Quota evaluation and period closing (services/supervision/domain.py)."""
import datetime as dt

import pytest

from services.supervision.domain import (QUOTA_RULES, ActivityFact, Org, QuotaResult,
                                         current_periods, due_for_auto_close, evaluate,
                                         parse_rule_set, subjects)
from shared.periods import Period, parse_period
from shared.rules import Version
from shared.vocabulary import (ACTIVITY_DAY, BRANCH, BUREAU, CENTRAL_GROUP_STUDY, CITY,
                               COMMITTEE, COMMITTEE_MEETING, DEMOCRATIC_LIFE_MEETING,
                               GENERAL_MEETING, GROUP, GROUP_MEETING, MET, MISSED,
                               ORG_LIFE_MEETING, PARTY_LECTURE, PENDING, VOLUNTEER_SERVICE,
                               WINTER_TRAINING)

D = dt.date
CREATED = D(2017, 1, 1)


@pytest.fixture
def rules(monkeypatch):
    """The shipped quota rule set, whatever an operator's folder may hold."""
    monkeypatch.delenv("XF_RULES_DIR", raising=False)
    return QUOTA_RULES.for_day("b", D(2017, 6, 1))


def org(id, kind, parent=None):
    path = (parent.path if parent else ()) + (id,)
    bureau = next((p for p in path if p.startswith("bureau")), "bureau")
    return Org(id, kind, parent.id if parent else None, bureau, path, CREATED)


CITY_ORG = org("city", CITY)
BUREAU_ORG = org("bureau", BUREAU, CITY_ORG)
COMMITTEE_ORG = org("committee", COMMITTEE, BUREAU_ORG)
BRANCH_ORG = org("branch", BRANCH, COMMITTEE_ORG)          # has a group
GROUP_ORG = org("group", GROUP, BRANCH_ORG)
LONE_BRANCH = org("lone", BRANCH, COMMITTEE_ORG)           # has no group
TREE = [CITY_ORG, BUREAU_ORG, COMMITTEE_ORG, BRANCH_ORG, GROUP_ORG, LONE_BRANCH]
SMALL_TREE = [CITY_ORG, BUREAU_ORG, COMMITTEE_ORG, LONE_BRANCH]

_ids = iter(range(10**6))


def fact(holder, kind, day):
    return ActivityFact(f"act{next(_ids)}", holder.path, kind, day)


def result(results, rule, subject):
    found = [r for r in results if r.rule == rule and r.subject_id == subject]
    assert len(found) == 1, (rule, subject, results)
    return found[0]


def quota(rule_set, orgs, facts, period_text, rule, subject, closed=frozenset()):
    return result(evaluate(rule_set, orgs, facts, parse_period(period_text), closed),
                  rule, subject)


# -- the shipped rule set ----------------------------------------------------------

def test_shipped_rule_set_matches_the_spec(rules):
    enabled = {(r.key, r.subject, r.period, r.activity_kinds, r.minimum)
               for r in rules.active()}
    assert enabled == {
        ("A1", "branch", "month", (ACTIVITY_DAY,), 2),
        ("A2-GM", "branch", "quarter", (GENERAL_MEETING,), 1),
        ("A2-CM", "branch", "month", (COMMITTEE_MEETING,), 1),
        ("A2-GR", "group_or_branch", "month", (GROUP_MEETING,), 1),
        ("A2-PL", "branch", "year", (PARTY_LECTURE,), 1),
        ("A4", "branch", "year", (VOLUNTEER_SERVICE,), 2),
        ("A7-OL", "branch", "year", (ORG_LIFE_MEETING,), 1),
        ("A7-DL", "committee", "year", (DEMOCRATIC_LIFE_MEETING,), 1),
        ("S2", "committee", "month", (CENTRAL_GROUP_STUDY,), 1),
        ("S6", "bureau", "year", (WINTER_TRAINING,), 1),
        ("S1", "committee_or_branch", "year", (), 1),
        ("A2-PLAN", "branch", "year", (), 1),
        ("S4", "member", "year", (), 1),
        ("S5-SEC", "bureau_secretary", "year", (), 1),
        ("S5-COM", "committee_member", "year", (), 1),
        ("A7-LEAD", "bureau_leader", "year", (ORG_LIFE_MEETING,), 1),
        ("A5", "member", "year", (), 3),
        ("A5-PAIR", "county_cadre", "year", (), 1),
        ("A6", "branch", "year", (), None),
        ("A6-SEC", "branch", "year", (), 2),
        ("A6-COM", "committee", "year", (), None),
        ("A8", "member", "year", (), 1),
        ("P5", "member", "year", (), 1),
        ("U3", "branch", "year", (), 1),
        ("U7", "committee", "year", (), 1),
    }
    practice = {r.key: (r.fact, r.times, r.dynamic) for r in rules.active() if r.practice}
    assert practice == {
        "A5": ("household_contacted", 1, None),
        "A5-PAIR": ("paired_household_contacted", 1, None),
        "A6": ("secretary_talked_with_member", 1, "every_member"),
        "A6-SEC": ("secretary_talks_with_bureau_secretary", 1, None),
        "A6-COM": ("committee_pair_talked", 2, "every_pair"),
        "A8": ("pledge_made", 1, None),
    }
    facts = {r.key: (r.fact, r.plan, r.at, r.due) for r in rules.active()
             if r.fact and not r.practice}
    assert facts == {
        "S1": ("plan_filed", "STUDY", None, (1, 31)),
        "A2-PLAN": ("plan_filed", "MEETINGS", None, (1, 31)),
        "S4": ("self_study_plan_filed", None, None, (3, 31)),
        "S5-SEC": ("lecture_given", None, "bureau", None),
        "S5-COM": ("lecture_given", None, "contact_branch", None),
        "A7-LEAD": ("guest_at", None, "contact_branch", None),
        "P5": ("party_spirit_checkup", None, None, None),
        "U3": ("rectification_campaign", None, None, None),
        "U7": ("survey_opened", None, None, None),
    }
    disabled = {r.key for r in rules.rules if not r.enabled}
    assert disabled == set()


def test_active_filters_by_period_kind(rules):
    assert sorted(r.key for r in rules.active("month")) == ["A1", "A2-CM", "A2-GR", "S2"]
    assert sorted(r.key for r in rules.active("quarter")) == ["A2-GM"]
    assert sorted(r.key for r in rules.active("year")) == [
        "A2-PL", "A2-PLAN", "A4", "A5", "A5-PAIR", "A6", "A6-COM", "A6-SEC", "A7-DL",
        "A7-LEAD", "A7-OL", "A8", "P5", "S1", "S4", "S5-COM", "S5-SEC", "S6", "U3", "U7"]


# -- A1: activity days per branch per month ------------------------------------------

def test_a1_pending_with_one_day(rules):
    got = quota(rules, SMALL_TREE, [fact(LONE_BRANCH, ACTIVITY_DAY, D(2017, 6, 3))],
                "2017-06", "A1", "lone")
    assert got == QuotaResult("A1", "lone", "2017-06", 2, 1, PENDING)


def test_a1_met_with_two_days(rules):
    facts = [fact(LONE_BRANCH, ACTIVITY_DAY, D(2017, 6, 3)),
             fact(LONE_BRANCH, ACTIVITY_DAY, D(2017, 6, 17))]
    got = quota(rules, SMALL_TREE, facts, "2017-06", "A1", "lone")
    assert (got.required, got.actual, got.status) == (2, 2, MET)


def test_a1_met_stays_met_above_the_minimum(rules):
    facts = [fact(LONE_BRANCH, ACTIVITY_DAY, D(2017, 6, d)) for d in (1, 2, 3)]
    got = quota(rules, SMALL_TREE, facts, "2017-06", "A1", "lone")
    assert (got.actual, got.status) == (3, MET)


def test_a1_pending_with_none(rules):
    got = quota(rules, SMALL_TREE, [], "2017-06", "A1", "lone")
    assert (got.actual, got.status) == (0, PENDING)


def test_a1_missed_when_closed_and_short(rules):
    facts = [fact(LONE_BRANCH, ACTIVITY_DAY, D(2017, 6, 3))]
    got = quota(rules, SMALL_TREE, facts, "2017-06", "A1", "lone",
                closed={("A1", "lone", "2017-06")})
    assert (got.actual, got.status) == (1, MISSED)


def test_a1_met_when_closed_and_enough(rules):
    facts = [fact(LONE_BRANCH, ACTIVITY_DAY, D(2017, 6, 3)),
             fact(LONE_BRANCH, ACTIVITY_DAY, D(2017, 6, 4))]
    got = quota(rules, SMALL_TREE, facts, "2017-06", "A1", "lone",
                closed={("A1", "lone", "2017-06")})
    assert got.status == MET


@pytest.mark.parametrize("closed", [
    {("A1", "lone", "2017-05")},       # another period
    {("A1", "other", "2017-06")},      # another subject
    {("A2-CM", "lone", "2017-06")},    # another rule
])
def test_closing_is_per_rule_subject_and_period(rules, closed):
    got = quota(rules, SMALL_TREE, [], "2017-06", "A1", "lone", closed=closed)
    assert got.status == PENDING


def test_activity_day_on_march_31_counts_for_march_not_april(rules):
    facts = [fact(LONE_BRANCH, ACTIVITY_DAY, D(2017, 3, 31)),
             fact(LONE_BRANCH, ACTIVITY_DAY, D(2017, 3, 1))]
    assert quota(rules, SMALL_TREE, facts, "2017-03", "A1", "lone").actual == 2
    assert quota(rules, SMALL_TREE, facts, "2017-04", "A1", "lone").actual == 0


def test_activity_day_on_april_1_counts_for_april(rules):
    facts = [fact(LONE_BRANCH, ACTIVITY_DAY, D(2017, 4, 1))]
    assert quota(rules, SMALL_TREE, facts, "2017-03", "A1", "lone").actual == 0
    assert quota(rules, SMALL_TREE, facts, "2017-04", "A1", "lone").actual == 1


def test_leap_day_counts_for_february(rules):
    facts = [fact(LONE_BRANCH, ACTIVITY_DAY, D(2020, 2, 29)),
             fact(LONE_BRANCH, ACTIVITY_DAY, D(2020, 2, 1))]
    assert quota(rules, SMALL_TREE, facts, "2020-02", "A1", "lone").status == MET
    assert quota(rules, SMALL_TREE, facts, "2020-03", "A1", "lone").actual == 0


def test_only_the_counted_kind_counts(rules):
    facts = [fact(LONE_BRANCH, GENERAL_MEETING, D(2017, 6, 3)),
             fact(LONE_BRANCH, VOLUNTEER_SERVICE, D(2017, 6, 4)),
             fact(LONE_BRANCH, ACTIVITY_DAY, D(2017, 6, 5))]
    assert quota(rules, SMALL_TREE, facts, "2017-06", "A1", "lone").actual == 1


def test_another_branchs_activities_do_not_count(rules):
    facts = [fact(BRANCH_ORG, ACTIVITY_DAY, D(2017, 6, 3)),
             fact(BRANCH_ORG, ACTIVITY_DAY, D(2017, 6, 4))]
    results = evaluate(rules, TREE, facts, parse_period("2017-06"))
    assert result(results, "A1", "branch").status == MET
    assert result(results, "A1", "lone").actual == 0


def test_group_activities_count_toward_the_branch(rules):
    facts = [fact(GROUP_ORG, ACTIVITY_DAY, D(2017, 6, 3)),
             fact(BRANCH_ORG, ACTIVITY_DAY, D(2017, 6, 10))]
    got = quota(rules, TREE, facts, "2017-06", "A1", "branch")
    assert (got.actual, got.status) == (2, MET)


def test_subject_matching_is_by_path_element_not_substring(rules):
    branch1 = org("b1", BRANCH, COMMITTEE_ORG)
    branch12 = org("b12", BRANCH, COMMITTEE_ORG)
    facts = [fact(branch12, ACTIVITY_DAY, D(2017, 6, 3))]
    got = quota(rules, [COMMITTEE_ORG, branch1, branch12], facts, "2017-06", "A1", "b1")
    assert got.actual == 0


# -- A2-GM: general meetings per quarter ----------------------------------------------------

def test_general_meeting_on_march_31_counts_for_q1(rules):
    facts = [fact(LONE_BRANCH, GENERAL_MEETING, D(2017, 3, 31))]
    assert quota(rules, SMALL_TREE, facts, "2017-Q1", "A2-GM", "lone").status == MET
    assert quota(rules, SMALL_TREE, facts, "2017-Q2", "A2-GM", "lone").status == PENDING


def test_general_meeting_on_april_1_counts_for_q2(rules):
    facts = [fact(LONE_BRANCH, GENERAL_MEETING, D(2017, 4, 1))]
    assert quota(rules, SMALL_TREE, facts, "2017-Q1", "A2-GM", "lone").actual == 0
    got = quota(rules, SMALL_TREE, facts, "2017-Q2", "A2-GM", "lone")
    assert (got.period, got.actual, got.status) == ("2017-Q2", 1, MET)


@pytest.mark.parametrize("day, quarter", [
    (D(2017, 6, 30), "2017-Q2"), (D(2017, 7, 1), "2017-Q3"),
    (D(2017, 9, 30), "2017-Q3"), (D(2017, 10, 1), "2017-Q4"),
    (D(2017, 12, 31), "2017-Q4"), (D(2018, 1, 1), "2018-Q1"),
])
def test_general_meeting_counts_in_its_quarter_only(rules, day, quarter):
    facts = [fact(LONE_BRANCH, GENERAL_MEETING, day)]
    target = parse_period(quarter)
    for q in (target, Period.containing(target.start - dt.timedelta(days=1), "quarter"),
              target.next()):
        expected = 1 if q == target else 0
        assert quota(rules, SMALL_TREE, facts, q.label, "A2-GM", "lone").actual == expected


def test_quarter_evaluation_has_only_quarter_rules(rules):
    results = evaluate(rules, SMALL_TREE, [], parse_period("2017-Q2"))
    assert [(r.rule, r.subject_id) for r in results] == [("A2-GM", "lone")]


# -- yearly rules ------------------------------------------------------------------------------

def test_december_31_counts_for_that_year_not_the_next(rules):
    facts = [fact(LONE_BRANCH, PARTY_LECTURE, D(2017, 12, 31)),
             fact(LONE_BRANCH, VOLUNTEER_SERVICE, D(2017, 12, 31)),
             fact(LONE_BRANCH, VOLUNTEER_SERVICE, D(2017, 1, 1))]
    in_2017 = evaluate(rules, SMALL_TREE, facts, parse_period("2017"))
    in_2018 = evaluate(rules, SMALL_TREE, facts, parse_period("2018"))
    assert result(in_2017, "A2-PL", "lone").status == MET
    assert result(in_2017, "A4", "lone").actual == 2
    assert result(in_2017, "A4", "lone").status == MET
    assert result(in_2018, "A2-PL", "lone").actual == 0
    assert result(in_2018, "A4", "lone").actual == 0


def test_a4_needs_two_volunteer_services(rules):
    facts = [fact(LONE_BRANCH, VOLUNTEER_SERVICE, D(2017, 5, 1))]
    got = quota(rules, SMALL_TREE, facts, "2017", "A4", "lone")
    assert (got.required, got.actual, got.status) == (2, 1, PENDING)


def test_year_evaluation_lists_every_yearly_subject(rules):
    results = evaluate(rules, TREE, [], parse_period("2017"))
    assert sorted((r.rule, r.subject_id) for r in results) == sorted([
        ("A2-PL", "branch"), ("A4", "branch"), ("A7-OL", "branch"),
        ("A2-PL", "lone"), ("A4", "lone"), ("A7-OL", "lone"),
        ("A7-DL", "committee"), ("S6", "bureau"),
        ("S1", "branch"), ("S1", "lone"), ("S1", "committee"),
        ("A2-PLAN", "branch"), ("A2-PLAN", "lone"),
        ("A6", "branch"), ("A6", "lone"), ("A6-SEC", "branch"), ("A6-SEC", "lone"),
        ("A6-COM", "committee"), ("U3", "branch"), ("U3", "lone"), ("U7", "committee"),
    ])  # no members given: no member or role subjects
    assert all(r.period == "2017" for r in results)
    # nobody to talk with: A6 and A6-COM require nothing, and are met
    assert {(r.rule, r.required, r.status) for r in results if r.rule in ("A6", "A6-COM")} \
        == {("A6", 0, MET), ("A6-COM", 0, MET)}
    assert all(r.status == PENDING for r in results if r.rule not in ("A6", "A6-COM"))


def test_results_sorted_by_subject_then_rule(rules):
    results = evaluate(rules, TREE, [], parse_period("2017-06"))
    pairs = [(r.subject_id, r.rule) for r in results]
    assert pairs == sorted(pairs)


# -- A2-GR: groups, or branches without groups --------------------------------------------------

def test_a2_gr_applies_to_groups_and_branches_without_groups(rules):
    results = evaluate(rules, TREE, [], parse_period("2017-06"))
    assert sorted(r.subject_id for r in results if r.rule == "A2-GR") == ["group", "lone"]


def test_a_branch_with_a_group_is_not_itself_an_a2_gr_subject(rules):
    results = evaluate(rules, TREE, [fact(BRANCH_ORG, GROUP_MEETING, D(2017, 6, 1))],
                       parse_period("2017-06"))
    assert [r for r in results if r.rule == "A2-GR" and r.subject_id == "branch"] == []
    assert result(results, "A2-CM", "branch").status == PENDING   # still a branch subject


def test_group_meeting_of_a_group_meets_a2_gr(rules):
    facts = [fact(GROUP_ORG, GROUP_MEETING, D(2017, 6, 8))]
    got = quota(rules, TREE, facts, "2017-06", "A2-GR", "group")
    assert (got.actual, got.status) == (1, MET)


def test_group_meeting_of_a_lone_branch_meets_its_a2_gr(rules):
    facts = [fact(LONE_BRANCH, GROUP_MEETING, D(2017, 6, 8))]
    assert quota(rules, TREE, facts, "2017-06", "A2-GR", "lone").status == MET


def test_every_group_is_its_own_subject(rules):
    second = org("group2", GROUP, BRANCH_ORG)
    facts = [fact(GROUP_ORG, GROUP_MEETING, D(2017, 6, 8))]
    results = evaluate(rules, TREE + [second], facts, parse_period("2017-06"))
    assert result(results, "A2-GR", "group").status == MET
    assert result(results, "A2-GR", "group2").status == PENDING


def test_subjects_of_group_or_branch(rules):
    rule = rules.rules[[r.key for r in rules.rules].index("A2-GR")]
    assert sorted(o.id for o in subjects(rule, TREE)) == ["group", "lone"]
    assert sorted(o.id for o in subjects(rule, SMALL_TREE)) == ["lone"]


# -- committee and bureau rules ----------------------------------------------------------------

def test_s2_applies_to_the_committee(rules):
    facts = [fact(COMMITTEE_ORG, CENTRAL_GROUP_STUDY, D(2017, 6, 20))]
    results = evaluate(rules, TREE, facts, parse_period("2017-06"))
    s2 = [r for r in results if r.rule == "S2"]
    assert [(r.subject_id, r.actual, r.status) for r in s2] == [("committee", 1, MET)]


def test_s2_pending_in_a_month_without_study(rules):
    facts = [fact(COMMITTEE_ORG, CENTRAL_GROUP_STUDY, D(2017, 6, 20))]
    got = quota(rules, TREE, facts, "2017-07", "S2", "committee")
    assert (got.actual, got.status) == (0, PENDING)


def test_s6_applies_to_the_bureau_counting_the_committees_training(rules):
    facts = [fact(COMMITTEE_ORG, WINTER_TRAINING, D(2017, 1, 10))]
    results = evaluate(rules, TREE, facts, parse_period("2017"))
    s6 = [r for r in results if r.rule == "S6"]
    assert [(r.subject_id, r.actual, r.status) for r in s6] == [("bureau", 1, MET)]


def test_a7_dl_applies_to_the_committee(rules):
    facts = [fact(COMMITTEE_ORG, DEMOCRATIC_LIFE_MEETING, D(2017, 12, 31))]
    got = quota(rules, TREE, facts, "2017", "A7-DL", "committee")
    assert (got.actual, got.status) == (1, MET)


def test_no_quota_for_the_city(rules):
    for text in ("2017-06", "2017-Q2", "2017"):
        results = evaluate(rules, TREE, [], parse_period(text))
        assert "city" not in {r.subject_id for r in results}


def test_disabled_rules_never_appear(rules):
    seen = set()
    for text in ("2017-06", "2017-Q2", "2017"):
        seen |= {r.rule for r in evaluate(rules, TREE, [], parse_period(text))}
    # organisations' quotas only: no member is given (S4, A5, A8, P5 need one)
    assert seen == {"A1", "A2-GM", "A2-CM", "A2-GR", "A2-PL", "A4", "A7-OL", "A7-DL",
                    "S2", "S6", "S1", "A2-PLAN", "A6", "A6-SEC", "A6-COM", "U3", "U7"}


# -- custom rule sets -------------------------------------------------------------------------

def version(rules, number=1):
    return Version("test.yaml", number, D(2017, 1, 1), {"rules": rules})


def test_a_bureau_may_raise_a_minimum():
    custom = parse_rule_set(version([
        {"key": "A1", "subject": "branch", "period": "month",
         "counts": {"activity_kinds": [ACTIVITY_DAY]}, "minimum": 3}]))
    facts = [fact(LONE_BRANCH, ACTIVITY_DAY, D(2017, 6, d)) for d in (1, 2)]
    got = quota(custom, SMALL_TREE, facts, "2017-06", "A1", "lone")
    assert (got.required, got.actual, got.status) == (3, 2, PENDING)


def test_a_rule_may_count_several_kinds():
    custom = parse_rule_set(version([
        {"key": "X", "subject": "branch", "period": "month",
         "counts": {"activity_kinds": [ACTIVITY_DAY, VOLUNTEER_SERVICE]}, "minimum": 2}]))
    facts = [fact(LONE_BRANCH, ACTIVITY_DAY, D(2017, 6, 1)),
             fact(LONE_BRANCH, VOLUNTEER_SERVICE, D(2017, 6, 2))]
    assert quota(custom, SMALL_TREE, facts, "2017-06", "X", "lone").status == MET


def test_title_defaults_to_the_key():
    custom = parse_rule_set(version([
        {"key": "X", "subject": "branch", "period": "year",
         "counts": {"activity_kinds": [ACTIVITY_DAY]}, "minimum": 1}], number=4))
    assert custom.version == 4
    assert custom.rules[0].title == "X"
    assert custom.rules[0].enabled is True


def test_a_disabled_rule_may_count_a_fact_and_have_no_number():
    custom = parse_rule_set(version([
        {"key": "A6", "subject": "branch", "period": "year",
         "counts": {"fact": "talks"}, "minimum": "every_member", "enabled": False}]))
    assert custom.rules[0].enabled is False
    assert custom.rules[0].minimum is None
    assert custom.active() == []


@pytest.mark.parametrize("raw, fragment", [
    ({"key": "X", "subject": "branch", "period": "year", "counts": {"fact": "talks"},
      "minimum": 1}, "enabled: false"),
    ({"key": "X", "subject": "branch", "period": "year", "counts": {}, "minimum": 1},
     "enabled: false"),
    ({"key": "X", "subject": "branch", "period": "year", "minimum": 1}, "enabled: false"),
    ({"key": "X", "subject": "bureau_secretary", "period": "year",
      "counts": {"activity_kinds": [ACTIVITY_DAY]}, "minimum": 1}, "enabled: false"),
    ({"key": "X", "subject": "branch", "period": "week",
      "counts": {"activity_kinds": [ACTIVITY_DAY]}, "minimum": 1}, "period must be one of"),
    ({"key": "X", "subject": "cell", "period": "year",
      "counts": {"activity_kinds": [ACTIVITY_DAY]}, "minimum": 1}, "subject must be one of"),
    ({"key": "X", "subject": "branch", "period": "year",
      "counts": {"activity_kinds": ["PICNIC"]}, "minimum": 1}, "PICNIC"),
    ({"key": "X", "subject": "branch", "period": "year",
      "counts": {"activity_kinds": [ACTIVITY_DAY]}, "minimum": 0}, "minimum"),
    ({"key": "X", "subject": "branch", "period": "year",
      "counts": {"activity_kinds": [ACTIVITY_DAY]}, "minimum": "two"}, "minimum"),
    ({"key": "X", "subject": "branch", "period": "year",
      "counts": {"activity_kinds": [ACTIVITY_DAY]}, "minimum": True}, "minimum"),
    ({"key": "X", "subject": "branch", "period": "year",
      "counts": {"activity_kinds": [ACTIVITY_DAY]}}, "minimum"),
    ({"subject": "branch", "period": "year",
      "counts": {"activity_kinds": [ACTIVITY_DAY]}, "minimum": 1}, "key"),
])
def test_bad_quota_rules_say_what_is_wrong(raw, fragment):
    with pytest.raises(ValueError) as err:
        parse_rule_set(version([raw]))
    assert fragment in str(err.value)


def test_enabling_a_rule_that_counts_no_activity_kinds_is_refused():
    with pytest.raises(ValueError) as err:
        parse_rule_set(version([{"key": "A6", "subject": "branch", "period": "year",
                                 "counts": {"fact": "heart_to_heart_talks"}, "minimum": 1,
                                 "enabled": True}]))
    assert "A6" in str(err.value)


def test_duplicate_quota_key_is_refused():
    raw = {"key": "A1", "subject": "branch", "period": "month",
           "counts": {"activity_kinds": [ACTIVITY_DAY]}, "minimum": 2}
    with pytest.raises(ValueError) as err:
        parse_rule_set(version([raw, dict(raw)]))
    assert "rules[1]" in str(err.value) and "unique" in str(err.value)


def test_a_non_mapping_rule_is_a_value_error():
    with pytest.raises(ValueError) as err:
        parse_rule_set(version(["A1"]))
    assert "rules[0]" in str(err.value)


def test_counts_written_as_a_word_is_a_value_error():
    with pytest.raises(ValueError) as err:
        parse_rule_set(version([{"key": "A1", "subject": "branch", "period": "month",
                                 "counts": ACTIVITY_DAY, "minimum": 2}]))
    assert "A1" in str(err.value) and "counts" in str(err.value)


# -- due_for_auto_close -------------------------------------------------------------------------

def labels(periods):
    return [p.label for p in periods]


def test_new_year_closes_the_last_months_quarter_and_year():
    due = due_for_auto_close(D(2018, 1, 1), D(2017, 11, 15), set())
    assert labels(due) == ["2017-11", "2017-12", "2017-Q4", "2017"]


def test_nothing_is_due_within_the_first_period():
    assert due_for_auto_close(D(2017, 6, 30), D(2017, 6, 1), set()) == []


def test_a_month_is_due_the_day_after_it_ends():
    assert labels(due_for_auto_close(D(2017, 6, 1), D(2017, 5, 1), set())) == ["2017-05"]
    assert labels(due_for_auto_close(D(2017, 7, 1), D(2017, 6, 1), set())) == [
        "2017-06", "2017-Q2"]
    assert labels(due_for_auto_close(D(2017, 3, 31), D(2017, 3, 1), set())) == []
    assert labels(due_for_auto_close(D(2017, 4, 1), D(2017, 3, 1), set())) == [
        "2017-03", "2017-Q1"]


def test_only_ended_periods_are_due():
    due = due_for_auto_close(D(2017, 8, 15), D(2017, 2, 10), set())
    assert labels(due) == ["2017-02", "2017-03", "2017-04", "2017-05", "2017-06",
                           "2017-07", "2017-Q1", "2017-Q2"]
    assert all(p.has_ended(D(2017, 8, 15)) for p in due)


def test_already_closed_labels_are_skipped():
    done = {"2017-11", "2017-Q4"}
    due = due_for_auto_close(D(2018, 1, 1), D(2017, 11, 15), done)
    assert labels(due) == ["2017-12", "2017"]


def test_everything_closed_leaves_nothing_due():
    done = {"2017-11", "2017-12", "2017-Q4", "2017"}
    assert due_for_auto_close(D(2018, 1, 1), D(2017, 11, 15), done) == []


def test_due_periods_span_years():
    due = due_for_auto_close(D(2019, 2, 1), D(2017, 12, 31), set())
    assert labels(due)[:2] == ["2017-12", "2018-01"]
    assert labels(due)[-4:] == ["2018-Q3", "2018-Q4", "2017", "2018"]
    assert len([p for p in due if p.kind == "month"]) == 14


def test_current_periods():
    assert labels(current_periods(D(2017, 12, 31))) == ["2017-12", "2017-Q4", "2017"]
    assert labels(current_periods(D(2018, 1, 1))) == ["2018-01", "2018-Q1", "2018"]
