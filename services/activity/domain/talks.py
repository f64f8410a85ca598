"""Heart-to-heart talks (谈心谈话, A6): two members of a bureau talk, and the
talk is filed under a branch or the bureau committee. Pure: ``validate_input``
judges the input alone, ``validate_against_org`` the filing organisation and
where the two belonged on the day."""
import datetime as dt
from dataclasses import dataclass

from shared.errors import BadInput
from shared.periods import parse_date
from shared.vocabulary import BRANCH, COMMITTEE

INDIVIDUAL = "INDIVIDUAL"  # 个别谈话
INITIATED = "INITIATED"    # 主动约谈
REQUESTED = "REQUESTED"    # 应约接谈
TALK_KINDS = (INDIVIDUAL, INITIATED, REQUESTED)
FILED_UNDER = (BRANCH, COMMITTEE)
MAX_NOTES = 2000


@dataclass(frozen=True)
class TalkDraft:
    org_id: str
    kind: str
    held_on: dt.date
    participant_ids: tuple  # (initiator, other)
    notes: str | None = None


def optional_text(value, field, limit, what):
    """``value`` trimmed, at most ``limit`` characters; None when blank."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadInput(f"{what} must be text", field)
    value = value.strip()
    if len(value) > limit:
        raise BadInput(f"{what} has {len(value)} characters; at most {limit}", field)
    return value or None


def required_text(value, field, limit, what):
    value = optional_text(value, field, limit, what)
    if value is None:
        raise BadInput(f"{what} is empty; write it out", field)
    return value


def validate_input(data, today):
    """A ``TalkDraft``, or BadInput on the first problem, naming the field."""
    if not isinstance(data, dict):
        raise BadInput("the talk must be an object", "input")
    org_id = data.get("org_id")
    if not isinstance(org_id, str) or not org_id:
        raise BadInput("say which branch or committee the talk is filed under", "orgId")
    kind = data.get("kind")
    if kind not in TALK_KINDS:
        raise BadInput(f"{kind!r} is not a kind of talk; use one of " + ", ".join(TALK_KINDS),
                       "kind")
    held_on = parse_date(data.get("held_on"), "heldOn")
    if held_on > today:
        raise BadInput(f"{held_on} is in the future (today is {today}); record a talk after "
                       "it was held", "heldOn")
    ids = data.get("participant_ids")
    if not isinstance(ids, list) or len(ids) != 2:
        count = len(ids) if isinstance(ids, list) else "no list of"
        raise BadInput(f"a talk has exactly two participants, the initiator first; "
                       f"{count} given", "participantIds")
    for i, member_id in enumerate(ids):
        if not isinstance(member_id, str) or not member_id:
            raise BadInput("each participant is a member id", f"participantIds[{i}]")
    if ids[0] == ids[1]:
        raise BadInput("a talk is between two different members; both participants are the "
                       "same member", "participantIds[1]")
    notes = optional_text(data.get("notes"), "notes", MAX_NOTES, "the notes")
    return TalkDraft(org_id, kind, held_on, tuple(ids), notes)


def validate_against_org(draft, org, whereabouts):
    """``org``: the filing organisation as the organisation service describes
    it; ``whereabouts``: for each participant, where they belonged on the day
    (``{"branch_id", "branch_path", "bureau_id"}``) or None for one who was no
    party member that day. The messages name no member: the field says which."""
    if org["kind"] not in FILED_UNDER:
        raise BadInput(f"a talk is filed under a branch or a committee; {org['name']} is a "
                       f"{org['kind'].lower()}", "orgId")
    for i, member_id in enumerate(draft.participant_ids):
        where = (whereabouts or {}).get(member_id)
        field = f"participantIds[{i}]"
        if where is None:
            raise BadInput(f"this participant was not a party member on {draft.held_on}", field)
        if where["bureau_id"] != org["bureau_id"]:
            raise BadInput(f"both participants belong to the bureau of {org['name']} on the "
                           "day of the talk; this one belonged to another bureau", field)
