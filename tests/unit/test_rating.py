"""Branch rating (星级评定), pure (services/supervision/domain/rating.py): the
stars at each band's edge, the change across years, compliance with nothing
closed, the supervision floor, points clipped, the order of ties, and the
rule set a bureau may override."""
import datetime as dt
import textwrap

import pytest

from services.supervision.domain import rating
from services.supervision.domain.rating import RATING_RULES, Measured
from shared.rules import RuleSetError, RuleSets

RULES = RATING_RULES.for_day("no-such-bureau", dt.date(2026, 1, 1))


@pytest.mark.parametrize("score, stars", [
    (100, 5), (90, 5), (89.99, 4), (80, 4), (79.99, 3), (70, 3), (69.99, 2), (60, 2),
    (59.99, 1), (0, 1)])
def test_stars_at_each_band_edge(score, stars):
    assert rating.stars(score, RULES) == stars


def test_the_shipped_rules_are_the_contract_defaults():
    assert RULES.weights == (50, 30, 20)
    assert RULES.bands == ((90, 5), (80, 4), (70, 3), (60, 2)) and RULES.otherwise == 1
    assert (RULES.supervision_start, RULES.per_open, RULES.per_escalated,
            RULES.supervision_floor) == (100, 25, 50, 0)


def test_compliance_is_the_share_met_of_the_closed_and_100_when_none_is_closed():
    assert rating.compliance(0, 0, RULES) == 100
    assert rating.compliance(3, 4, RULES) == 75
    assert rating.compliance(0, 5, RULES) == 0
    assert rating.compliance(2, 3, RULES) == pytest.approx(66.666667)


def test_supervision_loses_25_per_open_item_50_per_escalated_and_stops_at_0():
    assert rating.supervision(0, 0, RULES) == 100
    assert rating.supervision(1, 0, RULES) == 75
    assert rating.supervision(2, 1, RULES) == 0
    assert rating.supervision(3, 0, RULES) == 25
    assert rating.supervision(4, 0, RULES) == 0
    assert rating.supervision(3, 2, RULES) == 0      # -75 - 100: the floor


def test_points_average_the_members_and_are_clipped_to_0_100():
    assert rating.points((), RULES) == 0              # a branch with no members
    assert rating.points((10.0, 30.0), RULES) == 20
    assert rating.points((150.0, 130.0), RULES) == 100
    assert rating.points((-20.0, 10.0), RULES) == 0
    assert rating.points((150.0, -50.0, 0.0), RULES) == pytest.approx(33.333333)


def test_the_score_weighs_50_30_20_and_a_float_never_slips_below_an_edge():
    # 0.5 × 80 + 0.3 × 100 + 0.2 × 100 = 90 exactly: five stars
    r = rating.rate(Measured(met=4, closed=5, totals=(100.0,)), RULES)
    assert (r.compliance, r.points, r.supervision, r.score, r.stars) == (80, 100, 100, 90, 5)
    # 0.5 × 200/3 + 0.3 × 500/9 + 0.2 × 100 = 70 exactly, whatever the floats
    r = rating.rate(Measured(met=2, closed=3, totals=(55.0,) * 8 + (60.0,)), RULES)
    assert (r.compliance, r.points, r.score, r.stars) == (66.666667, 55.555556, 70, 3)
    # one item more: 0.5 × 80 + 0.3 × 100 + 0.2 × 75 = 85
    r = rating.rate(Measured(met=4, closed=5, totals=(100.0,), open_items=1), RULES)
    assert (r.score, r.stars) == (85, 4)
    # nothing at all: compliance 100, points 0, supervision 100 → 70, three stars
    r = rating.rate(Measured(), RULES)
    assert (r.compliance, r.points, r.supervision, r.score, r.stars) == (100, 0, 100, 70, 3)


def test_the_change_is_the_star_difference_from_the_year_before():
    assert rating.change(4, 3) == 1        # 晋位
    assert rating.change(2, 5) == -3
    assert rating.change(3, 3) == 0
    assert rating.change(5, None) == 0     # no rating the year before


def test_best_first_ties_by_name_then_id():
    keys = [rating.order_key(80, "乙", "b"), rating.order_key(90, "丙", "c"),
            rating.order_key(80, "甲", "z"), rating.order_key(80, "甲", "a")]
    assert sorted(keys) == [(-90, "丙", "c"), (-80, "乙", "b"), (-80, "甲", "a"),
                            (-80, "甲", "z")]


SHIPPED = (rating.RATING_RULES.path_for("x")).read_text(encoding="utf-8")


def test_a_bureau_overrides_weights_bands_and_penalties(tmp_path, monkeypatch):
    monkeypatch.setenv("XF_RULES_DIR", str(tmp_path))
    (tmp_path / "rating").mkdir()
    (tmp_path / "rating" / "b7.yaml").write_text(
        SHIPPED.replace("{compliance: 50, points: 30, supervision: 20}",
                        "{compliance: 40, points: 40, supervision: 20}")
        .replace("per_open: 25", "per_open: 10")
        .replace("{stars: 5, from: 90}", "{stars: 5, from: 95}"), encoding="utf-8")
    rule_sets = RuleSets("rating", rating.parse_rule_set)
    own = rule_sets.for_day("b7", dt.date(2026, 1, 1))
    other = rule_sets.for_day("b8", dt.date(2026, 1, 1))
    assert own.weights == (40, 40, 20) and other.weights == (50, 30, 20)
    assert rating.supervision(1, 0, own) == 90
    assert rating.stars(92, own) == 4 and rating.stars(92, other) == 5


@pytest.mark.parametrize("change, words", [
    (("{compliance: 50, points: 30, supervision: 20}",
      "{compliance: 50, points: 30, supervision: 30}"), "sum to 100"),
    (("{stars: 4, from: 80}", "{stars: 4, from: 95}"), "highest down"),
    (("per_open: 25", "per_open: many"), "'per_open' must be a number"),
    (("otherwise: 1", "otherwise: 2"), "otherwise"),
])
def test_a_broken_rating_file_is_refused_saying_what_is_wrong(tmp_path, change, words):
    (tmp_path / "rating.yaml").write_text(SHIPPED.replace(*change), encoding="utf-8")
    rule_sets = RuleSets("rating", rating.parse_rule_set)
    with pytest.raises(RuleSetError, match=words):
        rule_sets._load(tmp_path / "rating.yaml")
    assert SHIPPED.replace(*change) != SHIPPED


def test_the_shipped_file_has_a_header_saying_what_each_key_means():
    header = textwrap.dedent(SHIPPED.split("kind:")[0])
    for key in ("weights", "compliance", "points", "supervision", "stars", "contract"):
        assert key in header
