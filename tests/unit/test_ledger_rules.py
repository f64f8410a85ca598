"""The ledger's officer postings and dimensions (services/scoring/domain/
adjustments.py, points.py, totals.py): a manual adjustment at the edges of
its limit, a month's dues, the dimension every rule counts for, and the
per-dimension totals."""
import datetime as dt
from decimal import Decimal

import pytest

from services.scoring.domain import adjustments
from services.scoring.domain.points import POINT_RULES, YearTotals, parse_rule_set
from services.scoring.domain.totals import (CATEGORY, DIMENSION, RULE, WHOLE_YEAR, YEAR,
                                            Tally, additions, caps_by_member)
from shared.errors import BadInput
from shared.rules import Version
from shared.vocabulary import DIMENSIONS

TODAY = dt.date(2017, 6, 15)


@pytest.fixture
def shipped(monkeypatch):
    monkeypatch.delenv("XF_RULES_DIR", raising=False)
    return POINT_RULES.for_day("any-bureau", dt.date(2017, 6, 1))


def rule_set(body):
    return parse_rule_set(Version("test.yaml", 1, dt.date(2017, 1, 1), body))


def rule(key, category, points=1, event="dues_paid", **more):
    return {"key": key, "category": category, "points": points, "when": {"event": event},
            **more}


def adjust(rules, points=5, category="study", reason="表彰", on=TODAY):
    return adjustments.adjustment(rules, "m1", points, category, reason, on, TODAY)


def refused_field(call, *args, **kwargs):
    with pytest.raises(BadInput) as err:
        call(*args, **kwargs)
    return err.value.field


# -- dimensions ------------------------------------------------------------------------

def test_every_shipped_rule_counts_for_its_categorys_default_dimension(shipped):
    defaults = {"study": "POLITICAL", "organisational-life": "DISCIPLINE",
                "obligations": "DISCIPLINE", "discipline": "DISCIPLINE",
                "serving-the-public": "CONDUCT", "contribution": "CONTRIBUTION"}
    assert shipped.category_dimensions == defaults
    assert {r.key: r.dimension for r in shipped.rules} == {
        r.key: defaults[r.category] for r in shipped.rules}
    assert shipped.adjustment_limit == Decimal(20)
    assert shipped.rule("dues-paid").event == "dues_paid"


def test_a_rules_own_dimension_wins_over_its_categorys():
    rules = rule_set({"category_dimensions": {"c": "CONDUCT"},
                      "rules": [rule("a", "c"), rule("b", "c", dimension="POLITICAL")]})
    assert (rules.rule("a").dimension, rules.rule("b").dimension) == ("CONDUCT", "POLITICAL")
    assert rules.dimension_of("c") == "CONDUCT"


def test_a_rule_set_written_before_dimensions_gives_the_seeds_categories_theirs():
    """A bureau's file without category_dimensions (written before them) stays
    valid: the seed's categories take their standard dimension; a category of
    the bureau's own still needs one."""
    rules = rule_set({"rules": [rule("a", "study"), rule("b", "serving-the-public"),
                                rule("c", "obligations")]})
    assert [rules.rule(k).dimension for k in "abc"] == ["POLITICAL", "CONDUCT", "DISCIPLINE"]
    with pytest.raises(ValueError) as err:
        rule_set({"rules": [rule("a", "study"), rule("b", "own-category")]})
    assert "category own-category has no dimension" in str(err.value)


def test_a_category_known_only_by_its_rules_takes_the_first_rules_dimension():
    rules = rule_set({"rules": [rule("a", "x", dimension="CONTRIBUTION")]})
    assert rules.dimension_of("x") == "CONTRIBUTION"
    assert rules.dimension_of("nowhere") is None


@pytest.mark.parametrize("body, fragment", [
    ({"rules": [rule("a", "c")]}, "category c has no dimension"),
    ({"rules": [rule("a", "c", dimension="MORAL")]}, "MORAL"),
    ({"category_dimensions": {"c": "LOYAL"}, "rules": [rule("a", "c")]}, "LOYAL"),
    ({"category_dimensions": ["c", "CONDUCT"], "rules": [rule("a", "c")]},
     "category_dimensions must map"),
    # a capped category with no rule and no dimension
    ({"category_caps": {"z": 5}, "category_dimensions": {"c": "CONDUCT"},
      "rules": [rule("a", "c")]}, "categories without a dimension: z"),
    ({"category_dimensions": {"c": "CONDUCT"}, "adjustment_limit": 0, "rules": [rule("a", "c")]},
     "adjustment_limit is 0"),
    ({"category_dimensions": {"c": "CONDUCT"}, "adjustment_limit": "lots",
      "rules": [rule("a", "c")]}, "adjustment_limit"),
])
def test_a_rule_set_without_a_dimension_or_with_an_unknown_one_is_refused(body, fragment):
    with pytest.raises(ValueError) as err:
        rule_set(body)
    assert fragment in str(err.value)


# -- manual adjustments --------------------------------------------------------------

@pytest.mark.parametrize("points", [20, -20, "0.01", -0.01, 19.99])
def test_an_adjustment_up_to_the_limit_either_way_is_posted_unclipped(shipped, points):
    got = adjust(shipped, points=points)
    assert got.points == Decimal(str(points))
    assert (got.rule, got.category, got.dimension) == ("manual-adjustment", "study",
                                                       "POLITICAL")
    assert got.uses_room is False


@pytest.mark.parametrize("points", [20.01, -20.01, 21, 0, -0.0, "0.001", "x", float("nan"),
                                    True, None])
def test_an_adjustment_of_nothing_beyond_the_limit_or_not_a_number_is_bad_points(
        shipped, points):
    assert refused_field(adjust, shipped, points=points) == "points"


def test_the_limit_is_the_rule_sets():
    five = rule_set({"category_dimensions": {"c": "CONDUCT"}, "adjustment_limit": 5,
                     "rules": [rule("a", "c")]})
    assert adjust(five, points=5, category="c").points == 5
    assert refused_field(adjust, five, points=5.5, category="c") == "points"
    none = rule_set({"category_dimensions": {"c": "CONDUCT"}, "rules": [rule("a", "c")]})
    with pytest.raises(BadInput) as err:
        adjust(none, category="c")
    assert "allows no manual adjustment" in str(err.value)


@pytest.mark.parametrize("category", ["studies", "", None, "Study"])
def test_an_unknown_category_is_bad_and_the_known_ones_are_listed(shipped, category):
    with pytest.raises(BadInput) as err:
        adjust(shipped, category=category)
    assert err.value.field == "category" and "serving-the-public" in str(err.value)


def test_every_category_of_the_rule_set_may_be_adjusted_in_its_dimension(shipped):
    got = {c: adjust(shipped, category=c).dimension for c in shipped.categories()}
    assert got == shipped.category_dimensions


@pytest.mark.parametrize("reason", ["", "   ", "\n\t", None, 7])
def test_a_blank_reason_is_bad(shipped, reason):
    assert refused_field(adjust, shipped, reason=reason) == "reason"


def test_the_reason_is_kept_trimmed_and_today_is_the_last_day_allowed(shipped):
    assert adjust(shipped, reason="  表彰  ", on=TODAY).points == 5
    assert refused_field(adjust, shipped, on=TODAY + dt.timedelta(days=1)) == "on"


def test_an_adjustment_leaves_the_caps_room_and_counts_in_every_total(shipped):
    got = adjust(shipped, points=7)
    added = additions([got])
    assert added == {("m1", RULE, "manual-adjustment"): Tally(Decimal(0), Decimal(7)),
                     ("m1", CATEGORY, "study"): Tally(Decimal(0), Decimal(7)),
                     ("m1", DIMENSION, "POLITICAL"): Tally(Decimal(0), Decimal(7)),
                     ("m1", YEAR, WHOLE_YEAR): Tally(Decimal(0), Decimal(7))}
    # what the caps see: nothing used
    assert caps_by_member(added) == {"m1": YearTotals({}, {})}


# -- dues -------------------------------------------------------------------------------

@pytest.mark.parametrize("month, first, last", [
    ("2017-06", dt.date(2017, 6, 1), dt.date(2017, 6, 30)),    # this month
    ("2017-02", dt.date(2017, 2, 1), dt.date(2017, 2, 28)),
    ("2016-12", dt.date(2016, 12, 1), dt.date(2016, 12, 31)),
])
def test_a_month_up_to_this_one(month, first, last):
    assert adjustments.dues_month(month, TODAY) == (first, last)


@pytest.mark.parametrize("month", ["2017-07", "2018-01", "2017-13", "2017-00", "2017-6",
                                   "201706", "June", "", None, 201706, "1900-01"])
def test_a_month_to_come_or_not_a_month_is_bad(month):
    assert refused_field(adjustments.dues_month, month, TODAY) == "month"


def test_dues_count_on_the_months_last_day_or_today_for_this_month():
    assert adjustments.paid_on(dt.date(2017, 5, 31), TODAY) == dt.date(2017, 5, 31)
    assert adjustments.paid_on(dt.date(2017, 6, 30), TODAY) == TODAY


@pytest.mark.parametrize("amount, ok", [(0.01, True), (30, True), ("12.50", True), (0, False),
                                        (-5, False), ("0.001", False), (True, False),
                                        (None, False), (1e9, False)])
def test_an_amount_is_money_more_than_nothing(amount, ok):
    if ok:
        assert adjustments.dues_amount(amount) == Decimal(str(amount))
    else:
        assert refused_field(adjustments.dues_amount, amount) == "amount"


def test_twelve_months_of_dues_fill_the_cap_and_a_thirteenth_posts_nothing(shipped):
    totals = YearTotals.empty()
    got = [adjustments.dues_postings(shipped, totals, "m1") for _ in range(13)]
    assert [p.points for [p] in got] == [Decimal(1)] * 12 + [Decimal(0)]
    assert {(p.rule, p.category, p.dimension) for [p] in got} == {
        ("dues-paid", "obligations", "DISCIPLINE")}


def test_dues_are_capped_by_their_category_too():
    rules = rule_set({"category_caps": {"o": "1.5"}, "category_dimensions": {"o": "DISCIPLINE"},
                      "rules": [rule("dues", "o", 1), rule("other", "o", 1, event="x")]})
    totals = YearTotals.empty()
    got = [adjustments.dues_postings(rules, totals, "m1")[0].points for _ in range(3)]
    assert got == [Decimal(1), Decimal("0.5"), Decimal(0)]


def test_a_rule_set_without_a_dues_rule_says_so():
    rules = rule_set({"category_dimensions": {"c": "CONDUCT"},
                      "rules": [rule("a", "c", event="activity_recorded")]})
    with pytest.raises(BadInput) as err:
        adjustments.dues_postings(rules, YearTotals.empty(), "m1")
    assert "dues_paid" in str(err.value)


def test_the_dimensions_are_the_contracts_four_in_order():
    assert DIMENSIONS == ("POLITICAL", "DISCIPLINE", "CONDUCT", "CONTRIBUTION")
