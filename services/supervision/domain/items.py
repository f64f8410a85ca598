"""A supervision item's lifecycle (督办), pure: ASSIGNED → REPORTED → CLOSED
(交办、报告、销号), or ESCALATED (责任追究) from ASSIGNED or REPORTED.

- reporting needs a report that says something; escalating a note;
- an ASSIGNED item still not reported after its due day (the day it opened
  plus the rule set's ``escalate_after_days``) turns ESCALATED by itself,
  "by" the platform, the day after the due day;
- a late record (a fact told after its period was closed) that turns the
  item's MISSED quota MET closes an ASSIGNED, REPORTED or ESCALATED item by
  itself, with a note saying so.

Any other move is CONFLICT, and nothing is written. Who may make a move
(the writer whose scope contains the item's organisation reports; one
strictly above it closes and escalates) is the gateway's to judge."""
import datetime as dt
from dataclasses import dataclass

from shared.errors import BadInput, Conflict
from shared.vocabulary import ASSIGNED, CLOSED, ESCALATED, MET, REPORTED

PLATFORM = "platform"  # "by" of a move the platform made by itself

REPORT, CLOSE, ESCALATE = "report", "close", "escalate"
# each move: the states it may start from, and the state it leads to
MOVES = {
    REPORT: ((ASSIGNED,), REPORTED),
    CLOSE: ((REPORTED,), CLOSED),
    ESCALATE: ((ASSIGNED, REPORTED), ESCALATED),
}
# a late record closes any item not closed yet, an escalated one too: the
# quota it was opened for is met after all
CLOSED_BY_ITSELF_FROM = (ASSIGNED, REPORTED, ESCALATED)
EVENTS = {REPORTED: "supervision_item_reported", CLOSED: "supervision_item_closed",
          ESCALATED: "supervision_item_escalated"}
MAX_TEXT = 4000  # a report or note, in characters

_ALLOWED = {REPORT: "only an ASSIGNED item can be reported",
            CLOSE: "only a REPORTED item can be closed (销号)",
            ESCALATE: "only an ASSIGNED or REPORTED item can be escalated"}


@dataclass(frozen=True)
class Transition:
    """One entry of an item's history."""
    state: str
    at: dt.datetime
    by: str
    note: str | None


def due_on(opened_on, escalate_after_days):
    """The item's due day: the platform's day it opened, plus the days."""
    return opened_on + dt.timedelta(days=escalate_after_days)


def is_overdue(state, due, today):
    """An ASSIGNED item turns ESCALATED once its due day has passed: on the
    due day itself it is still waiting for its report."""
    return state == ASSIGNED and today > due


def text_of(value, field, required):
    """The report or note given, stripped; None for an optional one left
    blank. BadInput for a required one left blank, or one too long."""
    if value is not None and not isinstance(value, str):
        raise BadInput(f"{field} must be text", field)
    text = (value or "").strip()
    if not text:
        if required:
            raise BadInput(f"the {field} is required and must not be blank", field)
        return None
    if len(text) > MAX_TEXT:
        raise BadInput(f"the {field} has {len(text)} characters; at most {MAX_TEXT}", field)
    return text


def move(state, action):
    """The state ``action`` leads to from ``state``; CONFLICT when the item
    is in a state the move cannot start from."""
    starts, leads_to = MOVES[action]
    if state not in starts:
        raise Conflict(f"the item is {state}; {_ALLOWED[action]}", "id")
    return leads_to


def turned_met(closed, required, actual, added):
    """A closed quota that ``added`` late records have just turned MET: met
    now, short before them."""
    return bool(closed) and actual >= required > actual - added


def closes_by_itself(state):
    return state in CLOSED_BY_ITSELF_FROM


def late_note(rule, period, members=False):
    """The note of an item a late record closed: its quota met after all
    (for a member quota, the quota of every member of the branch)."""
    whose = "every member's quota" if members else "quota"
    return f"closed by itself: {whose} {rule} of {period} is {MET} after a late record"


def history(opened_at, transitions):
    """The item's history: its opening (ASSIGNED, by the platform), then its
    moves in the order they were made."""
    return [Transition(ASSIGNED, opened_at, PLATFORM, None), *transitions]
