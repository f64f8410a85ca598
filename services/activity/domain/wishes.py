"""Micro-wishes (微心愿) and proxy service (双代, 代办): a branch posts what a
member of the public asks for; a member of the bureau claims it and fulfils
it, or the branch cancels it with a reason.

    OPEN ──claim──▶ CLAIMED ──fulfil──▶ FULFILLED
      └────cancel───────┴──────cancel──▶ CANCELLED

Any other move is CONFLICT naming the state. Pure: the service carries a
move out as one conditional UPDATE (``WHERE state IN sources(move)``), so of
two members claiming at once one wins and the other finds it CLAIMED."""
import datetime as dt
from dataclasses import dataclass

from services.activity.domain.talks import optional_text, required_text
from shared.errors import BadInput, Conflict
from shared.periods import parse_date

MICRO_WISH = "MICRO_WISH"          # 微心愿
PROXY_SERVICE = "PROXY_SERVICE"    # 双代 (代办)
WISH_KINDS = (MICRO_WISH, PROXY_SERVICE)

OPEN, CLAIMED, FULFILLED, CANCELLED = "OPEN", "CLAIMED", "FULFILLED", "CANCELLED"
WISH_STATES = (OPEN, CLAIMED, FULFILLED, CANCELLED)

CLAIM, FULFIL, CANCEL = "claim", "fulfil", "cancel"
MOVES = {CLAIM: ((OPEN,), CLAIMED), FULFIL: ((CLAIMED,), FULFILLED),
         CANCEL: ((OPEN, CLAIMED), CANCELLED)}
DONE = {CLAIM: "claimed", FULFIL: "fulfilled", CANCEL: "cancelled"}

MAX_TITLE = 200
MAX_REQUESTER = 100
MAX_CONTACT = 200
MAX_NOTE = 500


@dataclass(frozen=True)
class WishDraft:
    branch_id: str
    kind: str
    title: str
    requester: str
    contact: str | None   # stored, never returned


def sources(move):
    """The states a move may start from."""
    return MOVES[move][0]


def target(move):
    return MOVES[move][1]


def refuse(move, state):
    """CONFLICT for ``move`` on a wish in ``state``."""
    allowed = " or ".join(sources(move))
    return Conflict(f"the wish is {state}; only an {allowed} wish can be {DONE[move]}", "id")


def transition(state, move):
    """The state ``move`` leads to from ``state``, or CONFLICT."""
    if state not in sources(move):
        raise refuse(move, state)
    return target(move)


def validate_wish(data):
    if not isinstance(data, dict):
        raise BadInput("the wish must be an object", "input")
    branch_id = data.get("branch_id")
    if not isinstance(branch_id, str) or not branch_id:
        raise BadInput("say which branch takes the wish", "branchId")
    kind = data.get("kind")
    if kind not in WISH_KINDS:
        raise BadInput(f"{kind!r} is not a kind of wish; use one of " + ", ".join(WISH_KINDS),
                       "kind")
    title = required_text(data.get("title"), "title", MAX_TITLE, "the title")
    requester = required_text(data.get("requester"), "requester", MAX_REQUESTER,
                              "the requester")
    contact = optional_text(data.get("contact"), "contact", MAX_CONTACT, "the contact")
    return WishDraft(branch_id, kind, title, requester, contact)


def check_fulfilment(on, note, today):
    """The day a wish was fulfilled and its note, judged alone."""
    on = parse_date(on, "on")
    if on > today:
        raise BadInput(f"{on} is in the future (today is {today}); record a wish fulfilled "
                       "once it is", "on")
    return on, optional_text(note, "note", MAX_NOTE, "the note")


def check_after_claim(on, claimed_on):
    if on < claimed_on:
        raise BadInput(f"{on} is before the wish was claimed ({claimed_on}); a wish is "
                       "fulfilled on or after its claim", "on")


def check_reason(reason):
    return required_text(reason, "reason", MAX_NOTE, "the reason for cancelling")


def check_state_filter(state):
    if state is not None and state not in WISH_STATES:
        raise BadInput(f"{state!r} is not a state of a wish; use one of "
                       + ", ".join(WISH_STATES), "state")
    return state


def as_day(value):
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
