"""Running totals (services/scoring/domain/totals.py): what the ledger sums
to, rolled forward by each posting, and what the caps see of it."""
import datetime as dt
from decimal import Decimal

import pytest

from services.scoring.domain.points import POINT_RULES, Candidate, Posting, YearTotals, post
from services.scoring.domain.totals import (CATEGORY, RULE, WHOLE_YEAR, YEAR, Tally, additions,
                                            roll_forward, scopes_of, year_totals)


@pytest.fixture
def shipped(monkeypatch):
    monkeypatch.delenv("XF_RULES_DIR", raising=False)
    return POINT_RULES.for_day("any-bureau", dt.date(2017, 6, 1))


def posting(member, rule, category, points):
    return Posting(member, rule, category, Decimal(points))


def test_a_posting_moves_its_rule_its_category_and_the_year():
    assert scopes_of(posting("m1", "r", "c", 2)) == (
        (RULE, "r"), (CATEGORY, "c"), (YEAR, WHOLE_YEAR))


def test_positive_points_are_earned_and_net():
    assert Tally().plus(Decimal(2)) == Tally(Decimal(2), Decimal(2))


def test_a_deduction_is_net_only():
    assert Tally(Decimal(4), Decimal(4)).plus(Decimal(-3)) == Tally(Decimal(4), Decimal(1))


def test_roll_forward_from_nothing():
    changed = roll_forward({}, [posting("m1", "attend", "life", 2),
                                posting("m1", "absent", "discipline", -3),
                                posting("m2", "attend", "life", 2)])
    assert changed == {
        ("m1", RULE, "attend"): Tally(Decimal(2), Decimal(2)),
        ("m1", CATEGORY, "life"): Tally(Decimal(2), Decimal(2)),
        ("m1", RULE, "absent"): Tally(Decimal(0), Decimal(-3)),
        ("m1", CATEGORY, "discipline"): Tally(Decimal(0), Decimal(-3)),
        ("m1", YEAR, WHOLE_YEAR): Tally(Decimal(2), Decimal(-1)),
        ("m2", RULE, "attend"): Tally(Decimal(2), Decimal(2)),
        ("m2", CATEGORY, "life"): Tally(Decimal(2), Decimal(2)),
        ("m2", YEAR, WHOLE_YEAR): Tally(Decimal(2), Decimal(2)),
    }


def test_roll_forward_adds_to_what_was_there_and_returns_only_what_changed():
    before = {("m1", RULE, "attend"): Tally(Decimal(46), Decimal(46)),
              ("m1", CATEGORY, "life"): Tally(Decimal(50), Decimal(50)),
              ("m1", YEAR, WHOLE_YEAR): Tally(Decimal(50), Decimal(41)),
              ("m1", RULE, "meet"): Tally(Decimal(4), Decimal(4))}
    changed = roll_forward(before, [posting("m1", "attend", "life", 2),
                                    posting("m1", "attend", "life", "0.5")])
    assert changed == {("m1", RULE, "attend"): Tally(Decimal("48.5"), Decimal("48.5")),
                       ("m1", CATEGORY, "life"): Tally(Decimal("52.5"), Decimal("52.5")),
                       ("m1", YEAR, WHOLE_YEAR): Tally(Decimal("52.5"), Decimal("43.5"))}
    assert before[("m1", RULE, "attend")] == Tally(Decimal(46), Decimal(46))  # not changed


def test_year_totals_are_the_earned_sums_of_one_member():
    tallies = {("m1", RULE, "attend"): Tally(Decimal(6), Decimal(6)),
               ("m1", CATEGORY, "life"): Tally(Decimal(6), Decimal(6)),
               ("m1", RULE, "absent"): Tally(Decimal(0), Decimal(-9)),
               ("m1", CATEGORY, "discipline"): Tally(Decimal(0), Decimal(-9)),
               ("m1", YEAR, WHOLE_YEAR): Tally(Decimal(6), Decimal(-3)),
               ("m2", RULE, "attend"): Tally(Decimal(48), Decimal(48))}
    totals = year_totals(tallies, "m1")
    assert totals.by_rule == {"attend": Decimal(6)}
    assert totals.by_category == {"life": Decimal(6)}
    assert year_totals(tallies, "m3").by_rule == {}


def test_caps_from_running_totals_match_caps_from_the_ledger(shipped):
    """Posting a year with the totals rolled forward posting by posting gives
    the same postings as keeping the totals in memory, caps and all."""
    rules = [shipped.rule(k) for k in ("attend-activity-day", "attend-meeting",
                                       "absent-without-leave", "volunteer-service")]
    sequence = [rules[i % 4] for i in range(7 * 20)]
    in_memory = YearTotals.empty()
    expected = [post(shipped, in_memory, Candidate("m1", r)) for r in sequence]

    tallies, got = {}, []
    for rule in sequence:
        caps = year_totals(tallies, "m1")
        posted = post(shipped, caps, Candidate("m1", rule))
        got.append(posted)
        if posted:
            tallies.update(roll_forward(tallies, [posted]))
    assert got == expected
    earned = sum(p.points for p in expected if p and p.points > 0)
    net = sum(p.points for p in expected if p)
    assert tallies[("m1", YEAR, WHOLE_YEAR)] == Tally(earned, net)
    assert tallies[("m1", CATEGORY, "organisational-life")].earned == Decimal(60)


def test_additions_are_the_roll_forward_of_nothing():
    postings = [posting("m1", "attend", "life", 2), posting("m1", "absent", "discipline", -3)]
    assert additions(postings) == roll_forward({}, postings)
