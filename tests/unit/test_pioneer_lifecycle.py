"""The pioneer title's lifecycle (services/pioneer/domain/lifecycle.py):
every transition the programme has, every one it refuses (CONFLICT), the
threshold at exactly 30 %, the deadline day itself and the re-review before
it."""
import datetime as dt
from decimal import Decimal

import pytest

from services.pioneer.domain import lifecycle
from services.pioneer.domain.lifecycle import Tally, Title
from services.pioneer.domain.rules import PioneerRules
from shared.errors import Conflict
from shared.vocabulary import (NOMINATED, PIONEER_STATES, RECTIFYING, REJECTED, SELECTED,
                               WITHDRAWN)

RULES = PioneerRules(1, Decimal("0.30"), 90)
TODAY = dt.date(2026, 6, 1)
SELECTED_ON = dt.date(2025, 12, 1)


def title(state):
    """A title in ``state`` as the programme would have made it."""
    if state == NOMINATED:
        return Title(NOMINATED)
    if state == REJECTED:
        return Title(REJECTED)
    if state == SELECTED:
        return Title(SELECTED, SELECTED_ON)
    return Title(state, SELECTED_ON, dt.date(2026, 8, 30))


def worse(n, of=10):
    return Tally(of, n)


# -- deciding a nomination ----------------------------------------------------------

def test_a_nomination_selected_turns_selected_today_and_is_told():
    step = lifecycle.decide(title(NOMINATED), True, TODAY)
    assert step.title == Title(SELECTED, selected_on=TODAY)
    assert step.event == "pioneer_selected"


def test_a_nomination_rejected_turns_rejected_and_tells_nothing():
    step = lifecycle.decide(title(NOMINATED), False, TODAY)
    assert step.title == Title(REJECTED) and step.event is None


@pytest.mark.parametrize("state", [SELECTED, RECTIFYING, WITHDRAWN, REJECTED])
@pytest.mark.parametrize("selected", [True, False])
def test_only_a_nomination_is_decided(state, selected):
    with pytest.raises(Conflict) as err:
        lifecycle.decide(title(state), selected, TODAY)
    assert state in err.value.message and err.value.field == "id"


# -- a closed review: the threshold -----------------------------------------------------

def test_three_of_ten_average_or_worse_is_at_the_threshold_and_keeps_the_title():
    assert not worse(3).above(RULES.threshold)
    step = lifecycle.judge(title(SELECTED), worse(3), RULES, TODAY)
    assert step.title == title(SELECTED) and step.event is None


def test_four_of_ten_is_above_the_threshold_and_orders_rectification_for_90_days():
    step = lifecycle.judge(title(SELECTED), worse(4), RULES, TODAY)
    assert step.title == Title(RECTIFYING, SELECTED_ON, dt.date(2026, 8, 30))
    assert step.event == "pioneer_rectification_ordered"


@pytest.mark.parametrize("n, of", [(3, 10), (6, 20), (30, 100), (9, 30)])
def test_exactly_30_percent_is_never_above_it_whatever_the_count(n, of):
    assert Tally(of, n).share == pytest.approx(0.3)
    assert not Tally(of, n).above(Decimal("0.30"))
    assert Tally(of, n + 1).above(Decimal("0.30"))


def test_the_threshold_and_the_days_come_from_the_rule_set():
    lenient = PioneerRules(2, Decimal("0.5"), 30)
    assert lifecycle.judge(title(SELECTED), worse(4), lenient, TODAY).event is None
    step = lifecycle.judge(title(SELECTED), worse(6), lenient, TODAY)
    assert step.title.rectify_by == TODAY + dt.timedelta(days=30)


def test_a_review_without_ratings_leaves_the_title_as_it_is():
    for state in (SELECTED, RECTIFYING):
        step = lifecycle.judge(title(state), Tally(0, 0), RULES, TODAY)
        assert step.title == title(state) and step.event is None
    assert Tally(0, 0).share == 0.0


def test_a_rectifying_title_above_the_threshold_again_keeps_its_first_deadline():
    step = lifecycle.judge(title(RECTIFYING), worse(8), RULES, TODAY)
    assert step.title == title(RECTIFYING) and step.event is None


# -- the re-review and the deadline -------------------------------------------------------

def test_a_re_review_before_the_deadline_at_or_below_it_reinstates_the_title():
    day_before = dt.date(2026, 8, 29)
    step = lifecycle.judge(title(RECTIFYING), worse(3), RULES, day_before)
    assert step.title == Title(SELECTED, SELECTED_ON, None)
    assert step.event == "pioneer_reinstated"


def test_a_re_review_closed_on_the_deadline_day_finds_the_title_withdrawn():
    deadline = dt.date(2026, 8, 30)
    step = lifecycle.judge(title(RECTIFYING), worse(0), RULES, deadline)
    assert step.title.state == WITHDRAWN and step.event == "pioneer_withdrawn"
    assert step.title.rectify_by == deadline


def test_the_deadline_day_itself_withdraws_and_the_day_before_does_not():
    deadline = dt.date(2026, 8, 30)
    assert not lifecycle.due(title(RECTIFYING), deadline - dt.timedelta(days=1))
    assert lifecycle.due(title(RECTIFYING), deadline)
    assert lifecycle.due(title(RECTIFYING), deadline + dt.timedelta(days=3))
    step = lifecycle.withdraw(title(RECTIFYING), deadline)
    assert step.title == Title(WITHDRAWN, SELECTED_ON, deadline)
    assert step.event == "pioneer_withdrawn"


def test_a_title_is_not_withdrawn_before_its_deadline():
    with pytest.raises(Conflict) as err:
        lifecycle.withdraw(title(RECTIFYING), dt.date(2026, 8, 29))
    assert "2026-08-30" in err.value.message


@pytest.mark.parametrize("state", [NOMINATED, SELECTED, WITHDRAWN, REJECTED])
def test_only_a_rectifying_title_is_withdrawn(state):
    assert not lifecycle.due(title(state), dt.date(2030, 1, 1))
    with pytest.raises(Conflict):
        lifecycle.withdraw(title(state), dt.date(2030, 1, 1))


@pytest.mark.parametrize("state", [NOMINATED, WITHDRAWN, REJECTED])
def test_only_a_title_in_force_is_judged_by_a_review(state):
    with pytest.raises(Conflict) as err:
        lifecycle.judge(title(state), worse(5), RULES, TODAY)
    assert err.value.field == "pioneerId"


def test_every_state_has_its_transitions_and_no_others():
    """The whole table: from each state, what each move gives (a state, or
    CONFLICT)."""
    deadline = dt.date(2026, 8, 30)
    moves = {
        "select": lambda t: lifecycle.decide(t, True, TODAY),
        "reject": lambda t: lifecycle.decide(t, False, TODAY),
        "review above": lambda t: lifecycle.judge(t, worse(4), RULES, TODAY),
        "review at or below": lambda t: lifecycle.judge(t, worse(3), RULES, TODAY),
        "deadline": lambda t: lifecycle.withdraw(t, deadline),
    }
    expected = {
        NOMINATED: {"select": SELECTED, "reject": REJECTED},
        SELECTED: {"review above": RECTIFYING, "review at or below": SELECTED},
        RECTIFYING: {"review above": RECTIFYING, "review at or below": SELECTED,
                     "deadline": WITHDRAWN},
        WITHDRAWN: {}, REJECTED: {},
    }
    for state in PIONEER_STATES:
        for move, run in moves.items():
            allowed = expected[state].get(move)
            if allowed is None:
                with pytest.raises(Conflict):
                    run(title(state))
            else:
                assert run(title(state)).title.state == allowed, (state, move)


# -- rating and mentoring ---------------------------------------------------------------

@pytest.mark.parametrize("state", [SELECTED, RECTIFYING])
def test_a_title_in_force_selected_by_the_review_year_is_rated(state):
    lifecycle.check_ratable(title(state), 2025, 2025)
    lifecycle.check_ratable(title(state), 2024, 2025)


@pytest.mark.parametrize("state", [NOMINATED, WITHDRAWN, REJECTED])
def test_a_title_not_in_force_is_not_rated(state):
    with pytest.raises(Conflict) as err:
        lifecycle.check_ratable(title(state), 2025, 2025)
    assert err.value.field == "pioneerId"


def test_a_title_selected_after_the_review_year_is_not_rated():
    with pytest.raises(Conflict) as err:
        lifecycle.check_ratable(title(SELECTED), 2026, 2025)
    assert "2026" in err.value.message


def test_a_mentor_holds_a_selected_title():
    lifecycle.check_mentor([SELECTED])
    lifecycle.check_mentor([RECTIFYING, SELECTED])
    with pytest.raises(Conflict) as err:
        lifecycle.check_mentor([RECTIFYING])
    assert "rectification" in err.value.message
    with pytest.raises(Conflict) as err:
        lifecycle.check_mentor([])
    assert "no pioneer title" in err.value.message and err.value.field == "mentorId"
