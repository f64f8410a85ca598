"""Rectification lists (问题整改清单, U3), the pure rules
(services/supervision/domain/rectification.py): what an item needs, OVERDUE
read from (state, due, today) — not on the due day, from the day after —
every transition refused, and quota U3 counting campaign items of a branch
in the year they were made."""
import datetime as dt

import pytest

from services.supervision.domain import evaluate, increments, parse_rule_set
from services.supervision.domain import rectification as rules
from services.supervision.domain.rectification import CampaignFact
from shared.errors import BadInput, Conflict
from shared.periods import KINDS
from shared.rules import Version
from shared.vocabulary import BRANCH, BUREAU, CITY, CLOSED, COMMITTEE, GROUP, MET, MISSED, \
    OPEN, OVERDUE, PENDING
from tests.unit.test_study_quotas import BRANCH_A, BRANCH_B, COMMITTEE_ORG, TREE, YEAR_2018, \
    one, rules as quota_rules  # noqa: F401

D = dt.date
DUE = D(2018, 6, 30)
GOOD = {"org_id": "branch-a", "problem": " 学习不经常 ", "measures": ["每月集中学习", " 补课 "],
        "owner_id": "m1", "due": "2018-06-30", "campaign": True}


def draft(**changes):
    return rules.validate({**GOOD, **changes})


# -- what an item needs ---------------------------------------------------------------

def test_a_good_item_is_taken_with_its_texts_stripped():
    got = draft()
    assert got == rules.Draft("branch-a", "学习不经常", ("每月集中学习", "补课"), "m1", DUE, True)
    assert draft(campaign=None).campaign is False
    assert rules.validate({k: v for k, v in GOOD.items() if k != "campaign"}).campaign is False


@pytest.mark.parametrize("changes, field", [
    ({"problem": ""}, "problem"),
    ({"problem": "   "}, "problem"),
    ({"problem": None}, "problem"),
    ({"problem": "问" * (rules.MAX_TEXT + 1)}, "problem"),
    ({"measures": []}, "measures"),
    ({"measures": None}, "measures"),
    ({"measures": ["补课", "  "]}, "measures"),
    ({"measures": [""]}, "measures"),
    ({"measures": ["补课"] * (rules.MAX_MEASURES + 1)}, "measures"),
    ({"owner_id": ""}, "ownerId"),
    ({"owner_id": None}, "ownerId"),
    ({"org_id": " "}, "orgId"),
    ({"due": "2018-02-30"}, "due"),
    ({"due": "30/06/2018"}, "due"),
    ({"due": None}, "due"),
    ({"campaign": "yes"}, "campaign"),
])
def test_a_bad_input_is_refused_naming_its_field(changes, field):
    with pytest.raises(BadInput) as refused:
        draft(**changes)
    assert refused.value.field == field


def test_a_blank_measure_is_named_by_its_place():
    with pytest.raises(BadInput) as refused:
        draft(measures=["补课", " "])
    assert "measure 2" in refused.value.message


@pytest.mark.parametrize("kind", [BRANCH, COMMITTEE])
def test_a_branch_or_a_committee_keeps_a_list(kind):
    rules.check_org(kind)


@pytest.mark.parametrize("kind", [CITY, BUREAU, GROUP])
def test_no_other_organisation_keeps_one(kind):
    with pytest.raises(BadInput) as refused:
        rules.check_org(kind)
    assert refused.value.field == "orgId" and "a branch or a committee" in refused.value.message


def test_the_owner_belongs_to_the_organisation_or_below_it():
    rules.check_owner(COMMITTEE_ORG.path, BRANCH_A.path)
    rules.check_owner(BRANCH_A.path, BRANCH_A.path)
    for org, branch in ((BRANCH_A.path, BRANCH_B.path), (BRANCH_A.path, COMMITTEE_ORG.path),
                        (BRANCH_A.path, ())):
        with pytest.raises(BadInput) as refused:
            rules.check_owner(org, branch)
        assert refused.value.field == "ownerId"


# -- OVERDUE by itself ------------------------------------------------------------------

def test_an_open_item_is_not_overdue_on_its_due_day_and_is_the_day_after():
    assert rules.state_on(OPEN, DUE, DUE - dt.timedelta(days=1)) == OPEN
    assert rules.state_on(OPEN, DUE, DUE) == OPEN
    assert rules.state_on(OPEN, DUE, DUE + dt.timedelta(days=1)) == OVERDUE
    assert rules.is_overdue(OPEN, DUE, D(2019, 1, 1))


def test_a_closed_item_is_never_overdue():
    assert rules.state_on(CLOSED, DUE, DUE + dt.timedelta(days=400)) == CLOSED
    assert not rules.is_overdue(CLOSED, DUE, DUE + dt.timedelta(days=1))


def test_a_state_asked_for_is_a_condition_on_the_stored_state_and_due():
    assert rules.state_filter(None) == rules.StateFilter(None, None)
    assert rules.state_filter(OPEN) == rules.StateFilter(OPEN, False)
    assert rules.state_filter(OVERDUE) == rules.StateFilter(OPEN, True)
    assert rules.state_filter(CLOSED) == rules.StateFilter(CLOSED, None)
    with pytest.raises(BadInput) as refused:
        rules.state_filter("DONE")
    assert refused.value.field == "state"


def test_an_items_year_is_its_due_days():
    assert rules.year_span(2018) == (D(2018, 1, 1), D(2018, 12, 31))
    with pytest.raises(BadInput):
        rules.year_span("2018")


# -- closing off and publishing -----------------------------------------------------------

@pytest.mark.parametrize("today", [DUE, DUE + dt.timedelta(days=1)])
def test_an_open_or_overdue_item_is_closed_off_with_its_outcome(today):
    assert rules.close(OPEN, DUE, " 已整改到位 ", today) == "已整改到位"


def test_a_closed_item_is_not_closed_off_again():
    with pytest.raises(Conflict) as refused:
        rules.close(CLOSED, DUE, "again", DUE)
    assert refused.value.field == "id" and "already CLOSED" in refused.value.message


@pytest.mark.parametrize("outcome", ["", "  ", None, 7])
def test_an_outcome_is_required(outcome):
    with pytest.raises(BadInput) as refused:
        rules.close(OPEN, DUE, outcome, DUE)
    assert refused.value.field == "outcome"


@pytest.mark.parametrize("published", [False, True])
def test_an_open_or_overdue_item_is_not_published(published):
    # an OVERDUE item is stored OPEN: refused alike
    with pytest.raises(Conflict) as refused:
        rules.must_publish(OPEN, published)
    assert refused.value.field == "id" and "only a CLOSED item" in refused.value.message


def test_a_closed_item_is_published_once_and_again_changes_nothing():
    assert rules.must_publish(CLOSED, False) is True
    assert rules.must_publish(CLOSED, True) is False


# -- quota U3: a campaign item of the branch in the year ----------------------------------

def campaign(org, day):
    return CampaignFact(f"rc-{org.id}-{day}", org.path, day)


def test_a_campaign_item_meets_u3_for_its_branch_in_the_year_it_was_made(quota_rules):
    facts = [campaign(BRANCH_A, D(2018, 3, 1))]
    got = one(quota_rules, "2018", "U3", "branch-a", facts, TREE)
    assert (got.required, got.actual, got.status) == (1, 1, MET)
    other = one(quota_rules, "2018", "U3", "branch-b", facts, TREE)
    assert (other.actual, other.status) == (0, PENDING)
    assert one(quota_rules, "2019", "U3", "branch-a", facts, TREE).actual == 0


def test_a_committees_campaign_item_is_no_branchs(quota_rules):
    facts = [campaign(COMMITTEE_ORG, D(2018, 3, 1))]
    assert one(quota_rules, "2018", "U3", "branch-a", facts, TREE).actual == 0
    assert one(quota_rules, "2018", "U3", "committee", facts, TREE) is None
    by_kind = {kind: quota_rules for kind in KINDS}
    assert increments(by_kind, facts[0]) == []


def test_a_year_without_a_campaign_item_is_missed_once_closed(quota_rules):
    got = [r for r in evaluate(quota_rules, TREE, [], YEAR_2018,
                               closed={("U3", "branch-a", "2018")}) if r.rule == "U3"]
    assert {(g.subject_id, g.status) for g in got} == {("branch-a", MISSED),
                                                       ("branch-b", PENDING)}


def test_fact_by_fact_each_campaign_item_adds_one_to_its_branchs_year(quota_rules):
    by_kind = {kind: quota_rules for kind in KINDS}
    got = [(i.rule, i.subject_id, i.period.label, i.member)
           for i in increments(by_kind, campaign(BRANCH_A, D(2018, 12, 31)))]
    assert got == [("U3", "branch-a", "2018", False)]


def test_u3_counts_for_a_year_only():
    with pytest.raises(ValueError) as refused:
        parse_rule_set(Version("test.yaml", 1, D(2017, 1, 1), {"rules": [
            {"key": "U3", "subject": "branch", "period": "quarter",
             "counts": {"fact": "rectification_campaign"}, "minimum": 1}]}))
    assert "a campaign is run in a year" in str(refused.value)


def test_u3_counts_for_branches_only():
    with pytest.raises(ValueError) as refused:
        parse_rule_set(Version("test.yaml", 1, D(2017, 1, 1), {"rules": [
            {"key": "U3", "subject": "committee", "period": "year",
             "counts": {"fact": "rectification_campaign"}, "minimum": 1}]}))
    assert "counts for the subjects branch" in str(refused.value)
