"""Rectification lists (问题整改清单, spec U3), pure: what an item of a list
is, how it ends, and the campaign fact it is for quota U3.

An item names a problem of a branch or a committee, the measures taken
against it (one or more), the member who owns it (of that organisation's
subtree) and the day it is due. It is OPEN until a writer closes it off
(销号) with an outcome; an OPEN item whose due day has passed (today after
``due``, days in the bureaus' time zone) reads OVERDUE by itself: the state
is derived when read (``state_on``), never written, so a query filters by
it through the (state, due) index. An OVERDUE item is closed like an OPEN
one. Only a CLOSED item's outcome is published to the public (向群众公布);
publishing one already published changes nothing (idempotent).

An item marked ``campaign`` belongs to the branch's special rectification
campaign (专项行动) of the year it was made in: each is a CampaignFact, which
quota U3 (branch, year, at least one) counts.

No database, no clock: ``today`` is handed in."""
import datetime as dt
from dataclasses import dataclass

from shared.errors import BadInput, Conflict
from shared.periods import parse_date, parse_year
from shared.vocabulary import BRANCH, CLOSED, COMMITTEE, OPEN, OVERDUE, RECTIFICATION_STATES

STORED_STATES = (OPEN, CLOSED)       # OVERDUE is never stored
CLOSABLE = (OPEN, OVERDUE)
ORG_KINDS = (BRANCH, COMMITTEE)      # whose lists there are
BRANCH_DEPTH = 4                     # city, bureau, committee, branch
MAX_TEXT = 2000
MAX_MEASURES = 50


@dataclass(frozen=True)
class Draft:
    org_id: str
    problem: str
    measures: tuple
    owner_id: str
    due: dt.date
    campaign: bool


@dataclass(frozen=True)
class CampaignFact:
    """A campaign item (专项行动) made on ``made_on`` by the organisation at
    the end of ``org_path``: one for quota U3 in the year it was made."""
    item_id: str
    org_path: tuple
    made_on: dt.date

    @property
    def org_id(self):
        return self.org_path[-1]

    @property
    def is_branch(self):
        return len(self.org_path) == BRANCH_DEPTH

    @property
    def period_day(self):
        return self.made_on

    @property
    def told_on(self):
        return self.made_on

    @property
    def place(self):
        return self.org_path


def _text(value, field, what):
    if not isinstance(value, str) or not value.strip():
        raise BadInput(f"{what} must not be blank", field)
    value = value.strip()
    if len(value) > MAX_TEXT:
        raise BadInput(f"{what} is {len(value)} characters; at most {MAX_TEXT}", field)
    return value


def _id(value, field, what):
    if not isinstance(value, str) or not value.strip():
        raise BadInput(f"say which {what}", field)
    return value.strip()


def validate(data):
    """A Draft from the input (org_id, problem, measures, owner_id, due,
    campaign); BadInput naming the field otherwise. Any calendar day is a
    due day (a list taken over from paper may be late already)."""
    if not isinstance(data, dict):
        raise BadInput("the rectification item is an object", "input")
    org_id = _id(data.get("org_id"), "orgId", "organisation")
    problem = _text(data.get("problem"), "problem", "the problem")
    measures = data.get("measures")
    if not isinstance(measures, (list, tuple)) or not measures:
        raise BadInput("name at least one measure", "measures")
    if len(measures) > MAX_MEASURES:
        raise BadInput(f"{len(measures)} measures; at most {MAX_MEASURES}", "measures")
    measures = tuple(_text(m, "measures", f"measure {i + 1}") for i, m in enumerate(measures))
    owner_id = _id(data.get("owner_id"), "ownerId", "member owns the item")
    due = parse_date(data.get("due"), "due")
    campaign = data.get("campaign", False)
    if campaign is None:
        campaign = False
    if not isinstance(campaign, bool):
        raise BadInput("campaign is true or false", "campaign")
    return Draft(org_id, problem, measures, owner_id, due, campaign)


def check_org(kind):
    """BadInput unless the organisation keeps a list: a branch or a committee."""
    if kind not in ORG_KINDS:
        raise BadInput(f"a {kind} keeps no rectification list; a branch or a committee "
                       "does", "orgId")


def check_owner(org_path, owner_branch_path):
    """BadInput unless the owner's branch lies in the organisation's subtree."""
    org_path, branch = list(org_path), list(owner_branch_path or ())
    if branch[:len(org_path)] != org_path:
        raise BadInput("the owner is not a member of this organisation or of one below it",
                       "ownerId")


def is_overdue(state, due, today):
    """An OPEN item whose due day has passed: OVERDUE from the day after ``due``."""
    return state == OPEN and today > due


def state_on(state, due, today):
    """The state a reader sees today."""
    return OVERDUE if is_overdue(state, due, today) else state


def close(state, due, outcome, today):
    """The outcome (stripped) of closing off (销号) an item stored in
    ``state``: Conflict unless it reads OPEN or OVERDUE; BadInput for a
    blank outcome."""
    current = state_on(state, due, today)
    if current not in CLOSABLE:
        raise Conflict(f"the item is already {current}; only an OPEN or OVERDUE item is "
                       "closed off", "id")
    return _text(outcome, "outcome", "the outcome")


def must_publish(state, published):
    """Whether publishing changes anything: Conflict unless the item is
    CLOSED; False when it is published already (publishing is idempotent)."""
    if state != CLOSED:
        raise Conflict(f"the item is {state}; only a CLOSED item's outcome is published",
                       "id")
    return not published


def check_state(state):
    """The state asked for, or None; BadInput for another word."""
    if state is not None and state not in RECTIFICATION_STATES:
        raise BadInput(f"{state!r} is not a state; use one of "
                       + ", ".join(RECTIFICATION_STATES), "state")
    return state


def year_span(year):
    """The first and last day of ``year``: an item's year is the year of its due day."""
    year = parse_year(year)
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


@dataclass(frozen=True)
class StateFilter:
    """What a state asked for means for the stored columns: the stored
    state, and due before ``today`` (True), on or after it (False) or
    either (None)."""
    stored: str | None
    past_due: bool | None


def state_filter(state):
    state = check_state(state)
    if state == OVERDUE:
        return StateFilter(OPEN, True)
    if state == OPEN:
        return StateFilter(OPEN, False)
    return StateFilter(state, None)
