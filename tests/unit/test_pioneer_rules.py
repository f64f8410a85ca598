"""The pioneer programme's rule set (rules/pioneer/, services/pioneer/
domain/rules.py) and what a nomination, a rating and a mentoring pair must
be (domain/nomination.py, review.py, mentoring.py)."""
import datetime as dt
from decimal import Decimal

import pytest

from services.pioneer.domain import mentoring, nomination
from services.pioneer.domain.review import validate_rating
from services.pioneer.domain.rules import PIONEER_RULES, parse_rule_set
from shared.errors import BadInput
from shared.rules import RuleSetError, RuleSets, Version

TODAY = dt.date(2026, 6, 1)


def parsed(**body):
    return parse_rule_set(Version("test.yaml", 1, dt.date(2017, 1, 1), body))


# -- the rule set -------------------------------------------------------------------

def test_the_shipped_rule_set_is_30_percent_and_90_days():
    rules = PIONEER_RULES.for_day("any-bureau", TODAY)
    assert (rules.version, rules.threshold, rules.rectify_days) == (1, Decimal("0.3"), 90)


@pytest.mark.parametrize("body, words", [
    ({"threshold": 0, "rectify_days": 90}, "threshold"),
    ({"threshold": 1.5, "rectify_days": 90}, "threshold"),
    ({"threshold": -0.1, "rectify_days": 90}, "threshold"),
    ({"threshold": "30%", "rectify_days": 90}, "threshold"),
    ({"threshold": True, "rectify_days": 90}, "threshold"),
    ({"rectify_days": 90}, "threshold"),
    ({"threshold": 0.3, "rectify_days": 0}, "rectify_days"),
    ({"threshold": 0.3, "rectify_days": 9.5}, "rectify_days"),
    ({"threshold": 0.3}, "rectify_days"),
])
def test_a_bad_rule_set_says_which_number_and_what_is_allowed(body, words):
    with pytest.raises(ValueError) as err:
        parsed(**body)
    assert words in str(err.value)


def test_a_threshold_of_one_is_allowed_and_kept_exact():
    assert parsed(threshold=1, rectify_days=1).threshold == Decimal(1)
    assert parsed(threshold=0.3, rectify_days=90).threshold == Decimal("0.3")


def test_a_bureau_file_overrides_the_default_and_a_broken_one_is_a_clear_error(
        tmp_path, monkeypatch):
    folder = tmp_path / "pioneer"
    folder.mkdir()
    (folder / "b1.yaml").write_text(
        "kind: pioneer\nversions:\n  - version: 1\n    effective_from: 2017-01-01\n"
        "    threshold: 0.30\n    rectify_days: 90\n  - version: 2\n"
        "    effective_from: 2026-01-01\n    threshold: 0.25\n    rectify_days: 60\n")
    (folder / "b2.yaml").write_text(
        "kind: pioneer\nversions:\n  - version: 1\n    effective_from: 2017-01-01\n"
        "    threshold: 30\n    rectify_days: 90\n")
    monkeypatch.setenv("XF_RULES_DIR", str(tmp_path))
    rules = RuleSets("pioneer", parse_rule_set)
    assert rules.for_day("b1", dt.date(2025, 12, 31)).rectify_days == 90
    assert rules.for_day("b1", TODAY).threshold == Decimal("0.25")
    assert rules.for_day("b3", TODAY).version == 1
    with pytest.raises(RuleSetError) as err:
        rules.for_day("b2", TODAY)
    assert "threshold" in str(err.value) and "b2" in str(err.value)


# -- a nomination -------------------------------------------------------------------

NOMINATION = {"category": "INDIVIDUAL", "name": " 王芳 ", "org_id": "br", "holder_id": "m1",
              "citation": "扎根基层二十年", "year": 2026}


def test_a_nomination_is_trimmed_and_kept():
    draft = nomination.validate(NOMINATION, 2026)
    assert (draft.category, draft.name, draft.holder_id, draft.year) == (
        "INDIVIDUAL", "王芳", "m1", 2026)


@pytest.mark.parametrize("change, field", [
    ({"category": "TEAM"}, "category"),
    ({"name": "   "}, "name"),
    ({"name": "x" * 101}, "name"),
    ({"citation": ""}, "citation"),
    ({"citation": None}, "citation"),
    ({"year": 2027}, "year"),
    ({"year": "2026"}, "year"),
    ({"org_id": ""}, "orgId"),
    ({"holder_id": None}, "holderId"),
    ({"holder_id": 7}, "holderId"),
])
def test_a_bad_nomination_names_its_field(change, field):
    with pytest.raises(BadInput) as err:
        nomination.validate({**NOMINATION, **change}, 2026)
    assert err.value.field == field


@pytest.mark.parametrize("category", ["POST", "UNIT"])
def test_a_post_or_unit_may_name_no_holder(category):
    draft = nomination.validate({**NOMINATION, "category": category, "holder_id": None}, 2026)
    assert draft.holder_id is None


def org(kind, path, org_id=None):
    return {"id": org_id or path[-1], "name": org_id or path[-1], "kind": kind, "path": path,
            "bureau_id": path[1] if len(path) > 1 else None}


@pytest.mark.parametrize("kind, path", [
    ("COMMITTEE", ["c", "b", "k"]), ("BRANCH", ["c", "b", "k", "br"]),
    ("GROUP", ["c", "b", "k", "br", "g"])])
def test_a_pioneer_sits_in_a_committee_or_below_and_is_judged_by_the_committee(kind, path):
    assert nomination.committee_of(org(kind, path)) == "k"


@pytest.mark.parametrize("kind, path", [("CITY", ["c"]), ("BUREAU", ["c", "b"])])
def test_a_city_or_bureau_is_no_place_for_a_pioneer(kind, path):
    with pytest.raises(BadInput) as err:
        nomination.committee_of(org(kind, path))
    assert err.value.field == "orgId"


def member(branch_path, group_id=None, history=None, member_id="m1"):
    return {"id": member_id, "name": "王芳", "bureau_id": branch_path[1],
            "history": history or [{"branch_id": branch_path[-1], "group_id": group_id,
                                    "branch_path": branch_path, "valid_from": "2020-01-01",
                                    "valid_to": None}]}


def test_the_holder_belongs_today_to_a_branch_of_the_subtree():
    nomination.check_holder(org("BRANCH", ["c", "b", "k", "br"]),
                            member(["c", "b", "k", "br"]), TODAY)
    nomination.check_holder(org("COMMITTEE", ["c", "b", "k"]),
                            member(["c", "b", "k", "br"]), TODAY)
    nomination.check_holder(org("GROUP", ["c", "b", "k", "br", "g"]),
                            member(["c", "b", "k", "br"], group_id="g"), TODAY)


@pytest.mark.parametrize("where, who", [
    (org("BRANCH", ["c", "b", "k", "br2"]), member(["c", "b", "k", "br"])),
    (org("COMMITTEE", ["c", "b2", "k2"]), member(["c", "b", "k", "br"])),
    (org("GROUP", ["c", "b", "k", "br", "g"]), member(["c", "b", "k", "br"], group_id="g2")),
    (org("BRANCH", ["c", "b", "k", "br"]), None),
    # moved away from the branch before today: the old membership does not count
    (org("BRANCH", ["c", "b", "k", "br"]), member(["c", "b", "k", "br"], history=[
        {"branch_id": "br", "group_id": None, "branch_path": ["c", "b", "k", "br"],
         "valid_from": None, "valid_to": "2026-05-01"},
        {"branch_id": "br2", "group_id": None, "branch_path": ["c", "b", "k", "br2"],
         "valid_from": "2026-05-01", "valid_to": None}])),
])
def test_a_holder_elsewhere_or_unknown_is_bad_input(where, who):
    with pytest.raises(BadInput) as err:
        nomination.check_holder(where, who, TODAY)
    assert err.value.field == "holderId"


# -- a rating and a pair ---------------------------------------------------------------

RATING = {"review_id": "r1", "pioneer_id": "p1", "rater_kind": "PUBLIC", "rating": "AVERAGE"}


def test_a_rating_of_average_or_poor_counts_as_average_or_worse():
    assert validate_rating(RATING).average_or_worse
    assert validate_rating({**RATING, "rating": "POOR"}).average_or_worse
    assert not validate_rating({**RATING, "rating": "FAIRLY_GOOD"}).average_or_worse


@pytest.mark.parametrize("change, field, allowed", [
    ({"rater_kind": "CADRE"}, "raterKind", "MEMBER, PUBLIC"),
    ({"rating": "BAD"}, "rating", "GOOD, FAIRLY_GOOD, AVERAGE, POOR"),
    ({"review_id": None}, "reviewId", ""),
    ({"pioneer_id": ""}, "pioneerId", ""),
])
def test_a_bad_rating_names_the_field_and_what_is_allowed(change, field, allowed):
    with pytest.raises(BadInput) as err:
        validate_rating({**RATING, **change})
    assert err.value.field == field and allowed in err.value.message


def test_a_pair_is_of_two_members_of_one_bureau():
    mentoring.check_ids("m1", "m2")
    mentoring.check_pair(member(["c", "b", "k", "br"]),
                         member(["c", "b", "k2", "br2"], member_id="m2"), "m2")
    for mentor_id, mentee_id, field in (("m1", "m1", "menteeId"), ("", "m2", "mentorId"),
                                        ("m1", None, "menteeId")):
        with pytest.raises(BadInput) as err:
            mentoring.check_ids(mentor_id, mentee_id)
        assert err.value.field == field
    for mentee in (None, member(["c", "b2", "k", "br"], member_id="m2")):
        with pytest.raises(BadInput) as err:
            mentoring.check_pair(member(["c", "b", "k", "br"]), mentee, "m2")
        assert err.value.field == "menteeId"
