"""Households (联户) and pairing (结对帮扶): every rule that decides whether a
household may be registered, or a visit to it logged.

A member contacts a few households of the public (联户: at most
``MAX_HOUSEHOLDS``); a household in difficulty (困难群众) may be paired with a
county-level cadre (县处级领导干部, role ``county_cadre``) of the member's
bureau. The phone number is stored for the member's branch and never shown
outside it (the gateway decides who is inside).

Pure: ``validate_household`` and ``validate_visit`` judge the input alone;
``check_room`` and ``check_pairing`` judge it against what is stored and what
the organisation service says of the member and the cadre."""
import datetime as dt
from dataclasses import dataclass

from shared.errors import BadInput
from shared.periods import parse_date

MAX_HOUSEHOLDS = 5      # per member (联系 3-5 户)
MAX_TEXT = 200          # a name, an address
MAX_PHONE = 32
MAX_NOTE = 1000
COUNTY_CADRE = "county_cadre"


@dataclass(frozen=True)
class HouseholdDraft:
    member_id: str
    name: str
    address: str
    phone: str | None
    in_difficulty: bool
    paired_cadre_id: str | None


@dataclass(frozen=True)
class VisitDraft:
    household_id: str
    on: dt.date
    note: str


def _id(value, field, what):
    if not isinstance(value, str) or not value.strip():
        raise BadInput(f"say which {what}", field)
    return value.strip()


def _text(value, field, what, limit, required=True):
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise BadInput(f"the {what} must not be empty", field)
    value = value.strip()
    if len(value) > limit:
        raise BadInput(f"the {what} is {len(value)} characters; at most {limit}", field)
    return value or None


def validate_household(data):
    """A HouseholdDraft from the input (memberId, name, address, phone,
    inDifficulty, pairedCadreId, in the service's snake_case); BadInput
    naming the field otherwise. Pairing is only for a household in
    difficulty."""
    if not isinstance(data, dict):
        raise BadInput("the household is an object", "input")
    member_id = _id(data.get("member_id"), "memberId", "member contacts the household")
    name = _text(data.get("name"), "name", "household's name", MAX_TEXT)
    address = _text(data.get("address"), "address", "household's address", MAX_TEXT)
    phone = _text(data.get("phone"), "phone", "phone number", MAX_PHONE, required=False)
    in_difficulty = data.get("in_difficulty")
    if in_difficulty is None:
        in_difficulty = False
    if not isinstance(in_difficulty, bool):
        raise BadInput("inDifficulty is true or false", "inDifficulty")
    cadre_id = data.get("paired_cadre_id")
    if cadre_id is not None:
        cadre_id = _id(cadre_id, "pairedCadreId", "cadre the household is paired with")
        if not in_difficulty:
            raise BadInput("only a household in difficulty (inDifficulty: true) is paired "
                           "with a county-level cadre (结对帮扶)", "pairedCadreId")
    return HouseholdDraft(member_id, name, address, phone, in_difficulty, cadre_id)


def check_room(registered):
    """BadInput when the member already contacts ``MAX_HOUSEHOLDS`` households."""
    if registered >= MAX_HOUSEHOLDS:
        raise BadInput(f"the member already contacts {registered} households; a member "
                       f"contacts at most {MAX_HOUSEHOLDS}", "memberId")


def check_pairing(draft, member, cadre, cadre_roles):
    """The pairing of ``draft`` against the organisation service's word:
    ``member`` and ``cadre`` (member dicts, ``cadre`` None when unknown) and
    the cadre's roles today. The cadre must hold ``county_cadre`` today and
    belong to the member's bureau. One message whatever is wrong, so that it
    never tells whether an id exists elsewhere."""
    if draft.paired_cadre_id is None:
        return
    if cadre is None or cadre.get("bureau_id") != member.get("bureau_id") \
            or COUNTY_CADRE not in (cadre_roles or ()):
        raise BadInput("no county-level cadre (role county_cadre today) of the member's "
                       "bureau has this id; a household in difficulty is paired with one",
                       "pairedCadreId")


def validate_visit(household_id, on, note, today):
    """A VisitDraft: ``on`` not after today, the note not empty."""
    household_id = _id(household_id, "householdId", "household was visited")
    day = parse_date(on, "on")
    if day > today:
        raise BadInput(f"{day} is in the future (today is {today}); log a visit once "
                       "it has happened", "on")
    note = _text(note, "note", "note of the visit", MAX_NOTE)
    return VisitDraft(household_id, day, note)
