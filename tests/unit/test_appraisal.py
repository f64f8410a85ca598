"""The democratic appraisal's rules (services/scoring/domain/appraisal.py):
who may give which score, and what the scores come to at every edge of the
contract's formula: renormalised weights, derived ORG, bands, the EXCELLENT
cap with its tie-break."""
import datetime as dt
from decimal import Decimal as D

import pytest

from services.scoring.domain.appraisal import (APPRAISAL_RULES, ORG, PEER, PUBLIC, SELF,
                                               THE_BRANCH, MemberFacts, appraise, band,
                                               check_in_branch, derived_org, excellent_cap,
                                               parse_rule_set, part_scores, rater_key,
                                               validate_score, weighted)
from shared.errors import BadInput
from shared.rules import Version
from shared.vocabulary import BASICALLY_QUALIFIED, EXCELLENT, QUALIFIED, UNQUALIFIED

BODY = {"weights": {"SELF": 20, "PEER": 40, "PUBLIC": 20, "ORG": 20},
        "org_from_points": 100,
        "bands": {"EXCELLENT": 90, "QUALIFIED": 75, "BASICALLY_QUALIFIED": 60},
        "excellent_share": 0.30, "excellent_minimum": 1}


def rules_of(**changes):
    return parse_rule_set(Version("test.yaml", 1, dt.date(2017, 1, 1), {**BODY, **changes}))


RULES = rules_of()


def facts(member_id, points=0, name=None, **scores):
    return MemberFacts(member_id, name or member_id, D(str(points)),
                       {part: [D(str(s)) for s in given] for part, given in scores.items()})


def one(member, rules=RULES):
    return appraise([member], rules)[0]


# -- the rule set ------------------------------------------------------------------------

def test_the_shipped_rule_set_holds_the_contracts_defaults(monkeypatch):
    monkeypatch.delenv("XF_RULES_DIR", raising=False)
    shipped = APPRAISAL_RULES.for_day("any-bureau", dt.date(2017, 12, 31))
    assert shipped == RULES


def test_a_bureau_overrides_the_numbers_and_the_years_version_applies(tmp_path, monkeypatch):
    folder = tmp_path / "appraisal"
    folder.mkdir()
    (folder / "bureau-x.yaml").write_text("""
kind: appraisal
versions:
  - version: 1
    effective_from: 2017-01-01
    weights: {SELF: 10, PEER: 50, PUBLIC: 20, ORG: 20}
    org_from_points: 80
    bands: {EXCELLENT: 95, QUALIFIED: 80, BASICALLY_QUALIFIED: 60}
    excellent_share: 0.2
    excellent_minimum: 0
  - version: 2
    effective_from: 2019-01-01
    weights: {SELF: 0, PEER: 50, PUBLIC: 25, ORG: 25}
    org_from_points: 80
    bands: {EXCELLENT: 95, QUALIFIED: 80, BASICALLY_QUALIFIED: 60}
    excellent_share: 0.2
    excellent_minimum: 0
""", encoding="utf-8")
    monkeypatch.setenv("XF_RULES_DIR", str(tmp_path))
    own = APPRAISAL_RULES.for_day("bureau-x", dt.date(2018, 12, 31))
    assert (own.version, own.weights["SELF"], own.org_from_points) == (1, D(10), D(80))
    assert band(D(92), own) == QUALIFIED and excellent_cap(4, own) == 0
    assert APPRAISAL_RULES.for_day("bureau-x", dt.date(2019, 12, 31)).weights["SELF"] == 0
    assert APPRAISAL_RULES.for_day("bureau-y", dt.date(2018, 12, 31)) == RULES


@pytest.mark.parametrize("changes, words", [
    ({"weights": {"SELF": 20, "PEER": 40, "PUBLIC": 20}}, "weights"),
    ({"weights": {"SELF": 0, "PEER": 0, "PUBLIC": 0, "ORG": 0}}, "at least one"),
    ({"weights": {"SELF": -1, "PEER": 40, "PUBLIC": 20, "ORG": 20}}, "0 or more"),
    ({"bands": {"EXCELLENT": 70, "QUALIFIED": 75, "BASICALLY_QUALIFIED": 60}}, "bands fall"),
    ({"bands": {"EXCELLENT": 90, "QUALIFIED": 75}}, "bands"),
    ({"org_from_points": 0}, "org_from_points"),
    ({"excellent_share": 1.5}, "excellent_share"),
    ({"excellent_minimum": -1}, "excellent_minimum"),
    ({"excellent_minimum": 0.5}, "excellent_minimum"),
])
def test_a_broken_rule_set_is_refused_naming_what_is_wrong(changes, words):
    with pytest.raises(ValueError) as err:
        rules_of(**changes)
    assert words in str(err.value)


# -- who gives which score --------------------------------------------------------------

def score(part, member="m1", rater=None, value=80):
    return {"member_id": member, "part": part, "rater_id": rater, "score": value}


def refused(data):
    with pytest.raises(BadInput) as err:
        validate_score(data)
    return err.value.field


def test_self_is_the_members_own_and_peer_is_anothers():
    assert validate_score(score(SELF, rater="m1")).rater_id == "m1"
    assert validate_score(score(PEER, rater="m2")).rater_id == "m2"
    assert refused(score(SELF, rater="m2")) == "raterId"
    assert refused(score(SELF)) == "raterId"
    assert refused(score(PEER)) == "raterId"
    assert refused(score(PEER, rater="m1")) == "raterId"   # nobody rates themselves as PEER


def test_public_and_org_name_no_rater():
    assert validate_score(score(PUBLIC)).rater_id is None
    assert validate_score(score(ORG)).rater_id is None
    assert refused(score(PUBLIC, rater="m2")) == "raterId"
    assert refused(score(ORG, rater="m2")) == "raterId"


@pytest.mark.parametrize("value", [-0.01, 100.01, 101, "90", True, None, 87.555])
def test_a_score_is_0_to_100_with_at_most_two_decimals(value):
    assert refused(score(PUBLIC, value=value)) == "score"


def test_the_edges_of_a_score_are_scores():
    assert validate_score(score(PUBLIC, value=0)).score == D("0.00")
    assert validate_score(score(PUBLIC, value=100)).score == D("100.00")
    assert validate_score(score(PUBLIC, value=89.99)).score == D("89.99")


def test_an_unknown_part_or_no_member_is_bad_input():
    assert refused(score("BOSS")) == "part"
    assert refused(score(PUBLIC, member="")) == "memberId"


def test_the_member_and_a_peer_rater_belong_to_the_branch():
    branch = {"m1", "m2"}
    check_in_branch(validate_score(score(PEER, rater="m2")), branch)
    with pytest.raises(BadInput) as err:
        check_in_branch(validate_score(score(PEER, rater="x9")), branch)
    assert err.value.field == "raterId"
    with pytest.raises(BadInput) as err:
        check_in_branch(validate_score(score(ORG, member="x9")), branch)
    assert err.value.field == "memberId"


def test_one_score_per_rater_and_part_the_branch_once_for_org_public_each_its_own():
    assert rater_key(validate_score(score(PEER, rater="m2")), "s1") == "m2"
    assert rater_key(validate_score(score(SELF, rater="m1")), "s1") == "m1"
    assert rater_key(validate_score(score(ORG)), "s1") == \
        rater_key(validate_score(score(ORG)), "s2") == THE_BRANCH
    assert rater_key(validate_score(score(PUBLIC)), "s1") != \
        rater_key(validate_score(score(PUBLIC)), "s2")


# -- what the scores come to ------------------------------------------------------------

def test_a_part_is_its_raters_mean_and_all_four_parts_weigh_20_40_20_20():
    result = one(facts("m1", SELF=[80], PEER=[90, 70, 80], PUBLIC=[60, 70], ORG=[100]))
    assert [(p.part, p.score, p.raters) for p in result.parts] == [
        (SELF, D("80.00"), 1), (PEER, D("80.00"), 3), (PUBLIC, D("65.00"), 2),
        (ORG, D("100.00"), 1)]
    # (20·80 + 40·80 + 20·65 + 20·100) / 100
    assert result.score == D("81.00") and result.grade == QUALIFIED


def test_weights_are_renormalised_over_the_parts_present_when_one_is_missing():
    result = one(facts("m1", SELF=[90], PEER=[80], ORG=[70]))   # no PUBLIC score
    assert [p.part for p in result.parts] == [SELF, PEER, ORG]
    # (20·90 + 40·80 + 20·70) / 80 = 6400 / 80
    assert result.score == D("80.00")


def test_the_mean_is_weighed_unrounded_and_the_score_rounded_once():
    result = one(facts("m1", PEER=[90, 90, 91], ORG=[90]))
    assert result.parts[0].score == D("90.33")
    # (40·90.333… + 20·90) / 60 = 90.222…
    assert result.score == D("90.22")


def test_org_is_derived_from_the_year_points_when_the_branch_entered_none():
    result = one(facts("m1", points=45, PEER=[80]))
    assert [(p.part, p.score, p.raters) for p in result.parts] == [
        (PEER, D("80.00"), 1), (ORG, D("45.00"), 0)]
    assert result.score == D("68.33")                   # (40·80 + 20·45) / 60
    assert result.grade == BASICALLY_QUALIFIED


@pytest.mark.parametrize("points, org", [(-8, "0"), (0, "0"), (62.5, "62.5"), (100, "100"),
                                         (135, "100")])
def test_derived_org_is_clipped_to_0_and_100(points, org):
    assert derived_org(D(str(points)), RULES) == D(org)


def test_derived_org_follows_the_rule_sets_scale():
    assert derived_org(D(60), rules_of(org_from_points=120)) == D(50)


def test_an_entered_org_wins_over_the_points():
    result = one(facts("m1", points=100, ORG=[50]))
    assert [(p.part, p.score, p.raters) for p in result.parts] == [(ORG, D("50.00"), 1)]


def test_no_score_at_all_is_the_points_alone():
    result = one(facts("m1", points=30))
    assert result.score == D("30.00") and result.grade == UNQUALIFIED and result.needs_review


@pytest.mark.parametrize("score, grade", [
    ("100", EXCELLENT), ("90", EXCELLENT), ("89.99", QUALIFIED), ("75", QUALIFIED),
    ("74.99", BASICALLY_QUALIFIED), ("60", BASICALLY_QUALIFIED), ("59.99", UNQUALIFIED),
    ("0", UNQUALIFIED)])
def test_bands(score, grade):
    assert band(D(score), RULES) == grade


def test_89_99_is_qualified_and_90_excellent():
    below, at = appraise([facts("a", ORG=[89.99]), facts("b", ORG=[90])], RULES)[::-1]
    assert (below.score, below.grade) == (D("89.99"), QUALIFIED)
    assert (at.score, at.grade) == (D("90.00"), EXCELLENT)


def test_a_score_that_rounds_to_90_is_excellent():
    # (40·89.99 + 20·90.03) / 60 = 90.0033…, which is 90.00
    result = one(facts("m1", PEER=[89.99], ORG=[90.03]))
    assert result.score == D("90.00") and result.grade == EXCELLENT


def test_only_unqualified_needs_review():
    grades = {r.grade: r.needs_review for r in appraise(
        [facts("a", ORG=[95]), facts("b", ORG=[80]), facts("c", ORG=[65]),
         facts("d", ORG=[40])], RULES)}
    assert grades == {EXCELLENT: False, QUALIFIED: False, BASICALLY_QUALIFIED: False,
                      UNQUALIFIED: True}


def test_parts_that_weigh_nothing_give_no_grade():
    rules = rules_of(weights={"SELF": 0, "PEER": 0, "PUBLIC": 100, "ORG": 0})
    assert weighted(part_scores(facts("m1", points=50), rules), rules) is None
    result = one(facts("m1", points=50), rules)
    assert (result.score, result.grade, result.needs_review) == (D("0.00"), None, False)


# -- the EXCELLENT cap ----------------------------------------------------------------------

def test_a_branch_of_10_with_5_scoring_90_or_more_gets_3_excellent():
    scores = [99, 95, 93, 91, 90, 85, 80, 70, 60, 50]
    results = appraise([facts(f"m{i}", ORG=[s]) for i, s in enumerate(scores)], RULES)
    assert [r.member_id for r in results] == [f"m{i}" for i in range(10)]
    assert [r.grade for r in results] == [
        EXCELLENT, EXCELLENT, EXCELLENT, QUALIFIED, QUALIFIED, QUALIFIED, QUALIFIED,
        BASICALLY_QUALIFIED, BASICALLY_QUALIFIED, UNQUALIFIED]
    # the score stays what it was: only the grade is capped
    assert results[3].score == D("91.00")


@pytest.mark.parametrize("members, cap", [(1, 1), (2, 1), (3, 1), (4, 1), (6, 1), (7, 2),
                                          (10, 3), (13, 3), (34, 10)])
def test_the_cap_is_30_percent_rounded_down_and_at_least_1(members, cap):
    assert excellent_cap(members, RULES) == cap


def test_a_tiny_branch_keeps_one_excellent():
    results = appraise([facts("a", ORG=[95]), facts("b", ORG=[92])], RULES)
    assert [(r.member_id, r.grade) for r in results] == [("a", EXCELLENT), ("b", QUALIFIED)]
    assert one(facts("a", ORG=[95])).grade == EXCELLENT


def test_the_cap_follows_the_rule_set():
    results = appraise([facts(f"m{i}", ORG=[95]) for i in range(4)],
                       rules_of(excellent_share=0.5, excellent_minimum=0))
    assert [r.grade for r in results].count(EXCELLENT) == 2
    results = appraise([facts("a", ORG=[95])], rules_of(excellent_minimum=0))
    assert results[0].grade == QUALIFIED


def test_a_tie_at_the_cap_goes_to_more_points_then_the_name():
    # branch of 7: 2 places; three share 95, so points decide, then the name
    members = [facts("x", points=20, name="乙", ORG=[95]),
               facts("y", points=30, name="丙", ORG=[95]),
               facts("z", points=20, name="甲", ORG=[95])] + \
        [facts(f"m{i}", ORG=[80]) for i in range(4)]
    results = appraise(members, RULES)
    assert [(r.member_id, r.grade) for r in results[:3]] == [
        ("y", EXCELLENT), ("x", EXCELLENT), ("z", QUALIFIED)]   # 乙 (U+4E59) before 甲


def test_a_higher_score_wins_over_more_points():
    results = appraise([facts("a", points=500, ORG=[90]), facts("b", points=0, ORG=[91])],
                       RULES)
    assert [(r.member_id, r.grade) for r in results] == [("b", EXCELLENT), ("a", QUALIFIED)]
