"""Pledges (亮身份亮承诺): a member's public commitments for a year, and how
they end.

A member makes 1-2 pledges a year, each in an area (促进发展 DEVELOPMENT,
服务群众 SERVICE, 维护和谐 HARMONY) and due within its year. A pledge is
OPEN until a secretary settles it FULFILLED or UNFULFILLED; an OPEN pledge
whose due day has passed (today > due, days in the bureaus' time zone) is
OVERDUE, which it turns by itself (the sweep) and which every read shows
even before the sweep has run (``state_on``). An OVERDUE pledge may still be
settled; fulfilled on or before ``due`` is on time.

Pure: no database, no clock (``today`` is handed in)."""
import datetime as dt
from dataclasses import dataclass

from shared.errors import BadInput, Conflict
from shared.periods import parse_date, parse_year

AREAS = ("DEVELOPMENT", "SERVICE", "HARMONY")
OPEN, FULFILLED, UNFULFILLED, OVERDUE = "OPEN", "FULFILLED", "UNFULFILLED", "OVERDUE"
STATES = (OPEN, FULFILLED, UNFULFILLED, OVERDUE)
SETTLEABLE = (OPEN, OVERDUE)
MAX_PLEDGES = 2         # per member and year
MAX_CONTENT = 1000
MAX_NOTE = 1000


@dataclass(frozen=True)
class PledgeDraft:
    member_id: str
    year: int
    area: str
    content: str
    due: dt.date


@dataclass(frozen=True)
class Settlement:
    state: str
    on: dt.date
    note: str | None
    on_time: bool


def validate_pledge(data, today):
    """A PledgeDraft from the input (member_id, year, area, content, due);
    BadInput naming the field otherwise: due within the pledge's year and
    not before today."""
    if not isinstance(data, dict):
        raise BadInput("the pledge is an object", "input")
    member_id = data.get("member_id")
    if not isinstance(member_id, str) or not member_id.strip():
        raise BadInput("say whose pledge it is", "memberId")
    year = parse_year(data.get("year"))
    area = data.get("area")
    if area not in AREAS:
        raise BadInput(f"{area!r} is not an area; one of {', '.join(AREAS)}", "area")
    content = data.get("content")
    if not isinstance(content, str) or not content.strip():
        raise BadInput("the pledge's content must not be empty", "content")
    content = content.strip()
    if len(content) > MAX_CONTENT:
        raise BadInput(f"the content is {len(content)} characters; at most {MAX_CONTENT}",
                       "content")
    due = parse_date(data.get("due"), "due")
    if due.year != year:
        raise BadInput(f"due ({due}) is not in {year}; a pledge for {year} is due within "
                       "that year", "due")
    if due < today:
        raise BadInput(f"due ({due}) is before today ({today})", "due")
    return PledgeDraft(member_id.strip(), year, area, content, due)


def check_room(made_this_year, year):
    """BadInput when the member already made ``MAX_PLEDGES`` pledges for ``year``."""
    if made_this_year >= MAX_PLEDGES:
        raise BadInput(f"the member already made {made_this_year} pledges for {year}; at "
                       f"most {MAX_PLEDGES} a year", "memberId")


def is_overdue(state, due, today):
    """An OPEN pledge whose due day has passed (today is after it)."""
    return state == OPEN and today > due


def state_on(state, due, today):
    """The state a reader sees today: OPEN past its due day reads OVERDUE,
    whether or not the sweep has turned it yet."""
    return OVERDUE if is_overdue(state, due, today) else state


def settle(state, due, made_on, fulfilled, on, note, today):
    """The Settlement of a pledge in ``state`` (as stored) settled
    ``fulfilled`` on ``on``: Conflict unless it is OPEN or OVERDUE; BadInput
    for ``on`` in the future or before the pledge was made."""
    if not isinstance(fulfilled, bool):
        raise BadInput("fulfilled is true or false", "fulfilled")
    day = parse_date(on, "on")
    if note is not None:
        if not isinstance(note, str):
            raise BadInput("the note is text", "note")
        note = note.strip() or None
        if note and len(note) > MAX_NOTE:
            raise BadInput(f"the note is {len(note)} characters; at most {MAX_NOTE}", "note")
    current = state_on(state, due, today)
    if current not in SETTLEABLE:
        raise Conflict(f"the pledge is already {current}; only an OPEN or OVERDUE pledge "
                       "is settled", "id")
    if day > today:
        raise BadInput(f"{day} is in the future (today is {today})", "on")
    if day < made_on:
        raise BadInput(f"{day} is before the pledge was made ({made_on})", "on")
    return Settlement(FULFILLED if fulfilled else UNFULFILLED, day, note,
                      fulfilled and day <= due)
