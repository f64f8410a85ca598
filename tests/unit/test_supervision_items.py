"""A supervision item's lifecycle (督办), the pure rules (domain/items.py):
every move and every refused one, the due day and the escalation by itself
(day 15 after opening still ASSIGNED, day 16 ESCALATED), the rule set's
days, and the late record that closes an item by itself."""
import datetime as dt

import pytest

from services.supervision.domain import items
from services.supervision.domain.supervision_rules import SUPERVISION_RULES
from shared.errors import BadInput, Conflict
from shared.vocabulary import ASSIGNED, CLOSED, ESCALATED, REPORTED, SUPERVISION_STATES

OPENED = dt.date(2017, 7, 1)


@pytest.mark.parametrize("state, action, leads_to", [
    (ASSIGNED, items.REPORT, REPORTED),
    (REPORTED, items.CLOSE, CLOSED),
    (ASSIGNED, items.ESCALATE, ESCALATED),
    (REPORTED, items.ESCALATE, ESCALATED),
])
def test_the_moves_allowed(state, action, leads_to):
    assert items.move(state, action) == leads_to


REFUSED = [(s, a) for a, (starts, _) in items.MOVES.items()
           for s in SUPERVISION_STATES if s not in starts]


def test_every_other_move_is_refused():
    # 4 states x 3 moves, 4 allowed
    assert len(REFUSED) == 8
    assert (CLOSED, items.REPORT) in REFUSED and (ASSIGNED, items.CLOSE) in REFUSED


@pytest.mark.parametrize("state, action", REFUSED)
def test_a_refused_move_is_conflict_naming_the_state_and_what_is_allowed(state, action):
    with pytest.raises(Conflict) as refused:
        items.move(state, action)
    assert state in refused.value.message and "only" in refused.value.message


@pytest.mark.parametrize("given", [None, "", "   ", "\n\t"])
def test_a_report_or_escalation_note_is_required(given):
    for field in ("report", "note"):
        with pytest.raises(BadInput) as refused:
            items.text_of(given, field, required=True)
        assert refused.value.field == field and "blank" in refused.value.message


def test_a_closing_note_is_optional_and_texts_are_stripped():
    assert items.text_of(None, "note", required=False) is None
    assert items.text_of("  ", "note", required=False) is None
    assert items.text_of(" 已整改 ", "report", required=True) == "已整改"


def test_a_text_too_long_or_not_text_is_bad_input():
    with pytest.raises(BadInput, match=str(items.MAX_TEXT)):
        items.text_of("x" * (items.MAX_TEXT + 1), "report", required=True)
    with pytest.raises(BadInput, match="text"):
        items.text_of(7, "note", required=False)


def test_the_due_day_is_the_opening_day_plus_the_rule_sets_days():
    rules = SUPERVISION_RULES.for_day("any-bureau", OPENED)
    assert rules.escalate_after_days == 15
    assert items.due_on(OPENED, rules.escalate_after_days) == dt.date(2017, 7, 16)
    assert items.due_on(dt.date(2017, 12, 20), 15) == dt.date(2018, 1, 4)
    assert items.due_on(OPENED, 3) == dt.date(2017, 7, 4)


def test_day_15_after_opening_still_assigned_day_16_escalated():
    due = items.due_on(OPENED, 15)
    day_15, day_16 = OPENED + dt.timedelta(days=15), OPENED + dt.timedelta(days=16)
    assert not items.is_overdue(ASSIGNED, due, OPENED)
    assert not items.is_overdue(ASSIGNED, due, day_15)
    assert items.is_overdue(ASSIGNED, due, day_16)


@pytest.mark.parametrize("state", [REPORTED, CLOSED, ESCALATED])
def test_only_an_unreported_item_escalates_by_itself(state):
    assert not items.is_overdue(state, items.due_on(OPENED, 15), dt.date(2018, 1, 1))


@pytest.mark.parametrize("closed, required, actual, added, turned", [
    (True, 2, 2, 1, True),     # 1 of 2 at closing, a late one makes 2
    (True, 1, 3, 3, True),     # three late ones at once
    (True, 2, 3, 1, False),    # met already before it
    (True, 3, 2, 1, False),    # still short
    (False, 2, 2, 1, False),   # not closed: PENDING to MET, no item
])
def test_a_late_record_turns_a_missed_quota_met_once(closed, required, actual, added, turned):
    assert items.turned_met(closed, required, actual, added) is turned


@pytest.mark.parametrize("state, closes", [
    (ASSIGNED, True), (REPORTED, True), (ESCALATED, True), (CLOSED, False)])
def test_a_met_quota_closes_any_item_not_closed_yet(state, closes):
    assert items.closes_by_itself(state) is closes


def test_the_note_of_an_item_closed_by_itself_says_why():
    assert items.late_note("A1", "2017-05") == \
        "closed by itself: quota A1 of 2017-05 is MET after a late record"
    assert "every member's quota S4" in items.late_note("S4", "2017", members=True)


def test_the_history_starts_with_the_opening():
    at = dt.datetime(2017, 7, 1, 1, tzinfo=dt.timezone.utc)
    later = items.Transition(REPORTED, at + dt.timedelta(days=2), "sec-1", "已报告")
    assert items.history(at, [later]) == [
        items.Transition(ASSIGNED, at, items.PLATFORM, None), later]
