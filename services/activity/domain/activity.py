"""Recording activities (三会一课, 党员集中活动日 and the rest) and their
attendance (A3): every rule that decides whether a record may be stored.

Pure: ``validate_input`` checks what can be judged from the input alone;
``validate_against_org`` checks it against the organisation that held it,
who belonged to it on the day, and where the speaker and the guests
belonged that day."""
import datetime as dt
from dataclasses import dataclass

from shared.errors import BadInput, listing
from shared.periods import parse_date
from shared.vocabulary import (ACTIVITY_KINDS, ATTENDANCE_STATUSES, BRANCH, CENTRAL_GROUP_STUDY,
                               COMMITTEE, COMMITTEE_MEETING, DEMOCRATIC_LIFE_MEETING, EXCUSED,
                               GENERAL_MEETING, GROUP, GROUP_MEETING, ORG_LIFE_MEETING,
                               PARTY_LECTURE, THEME_SOURCES, THEME_SUPERIOR, WINTER_TRAINING)

MAX_THEME = 200
MAX_REASON = 500
# the gateway checks the same bound before it calls (gateway/hygiene.py)
MAX_ATTENDANCE = 500
MAX_GUESTS = 100

# Which kind of organisation holds which kind of activity.
COMMITTEE_KINDS = (CENTRAL_GROUP_STUDY, DEMOCRATIC_LIFE_MEETING, WINTER_TRAINING)


# The branch's own meetings (its general meeting, committee meeting, lecture
# and organisational life meeting) are held by the branch; activity days and
# volunteer service by the branch or one of its party groups.
BRANCH_KINDS = (GENERAL_MEETING, COMMITTEE_MEETING, PARTY_LECTURE, ORG_LIFE_MEETING)


def allowed_org_kinds(activity_kind):
    if activity_kind in COMMITTEE_KINDS:
        return (COMMITTEE,)
    if activity_kind == GROUP_MEETING:
        return (GROUP, BRANCH)
    if activity_kind in BRANCH_KINDS:
        return (BRANCH,)
    return (BRANCH, GROUP)


@dataclass(frozen=True)
class AttendanceLine:
    member_id: str
    status: str
    reason: str | None


@dataclass(frozen=True)
class ActivityDraft:
    org_id: str
    kind: str
    theme: str
    held_on: dt.date
    attendance: tuple
    speaker_id: str | None = None
    # Guests (双重组织生活): members from outside the holding organisation
    # who took part, e.g. a bureau committee member at the organisational
    # life meeting of a branch in their charge. Not attendance lines; they
    # count as present wherever attendance counts.
    guest_ids: tuple = ()
    theme_source: str = THEME_SUPERIOR

    @property
    def extra_member_ids(self):
        """The members named beside the attendance, whose membership on the
        day the organisation service is asked about."""
        return list(dict.fromkeys(([self.speaker_id] if self.speaker_id else [])
                                  + list(self.guest_ids)))


def validate_input(data, today):
    """An ``ActivityDraft`` from the raw input, or BadInput on the first
    problem, naming the field."""
    if not isinstance(data, dict):
        raise BadInput("the activity must be an object", "input")
    org_id = data.get("org_id")
    if not org_id or not isinstance(org_id, str):
        raise BadInput("say which branch, party group or committee held the activity", "orgId")
    kind = data.get("kind")
    if kind not in ACTIVITY_KINDS:
        raise BadInput(f"{kind!r} is not a kind of activity; use one of "
                       + ", ".join(ACTIVITY_KINDS), "kind")
    theme = data.get("theme")
    if not isinstance(theme, str) or not theme.strip():
        raise BadInput("every activity needs a theme (次次有主题); it is empty", "theme")
    theme = theme.strip()
    if len(theme) > MAX_THEME:
        raise BadInput(f"the theme is {len(theme)} characters; at most {MAX_THEME}", "theme")
    held_on = parse_date(data.get("held_on"), "heldOn")
    if held_on > today:
        raise BadInput(f"{held_on} is in the future (today is {today}); record an "
                       "activity after it has been held", "heldOn")
    lines, seen = [], set()
    attendance = data.get("attendance")
    if not isinstance(attendance, list):
        raise BadInput("attendance must be a list (it may be empty)", "attendance")
    if len(attendance) > MAX_ATTENDANCE:
        raise BadInput(f"{len(attendance):,} attendance lines; at most {MAX_ATTENDANCE} in one "
                       "activity", "attendance")
    for i, raw in enumerate(attendance):
        field = f"attendance[{i}]"
        member_id = raw.get("member_id") if isinstance(raw, dict) else None
        if not member_id or not isinstance(member_id, str):
            raise BadInput("each line names a member", f"{field}.memberId")
        if member_id in seen:
            raise BadInput(f"member {member_id} appears more than once; list each member once",
                           f"{field}.memberId")
        seen.add(member_id)
        status = raw.get("status")
        if status not in ATTENDANCE_STATUSES:
            raise BadInput(f"{status!r} is not an attendance status; use one of "
                           + ", ".join(ATTENDANCE_STATUSES), f"{field}.status")
        reason = raw.get("reason")
        if reason is not None and not isinstance(reason, str):
            raise BadInput("the reason must be text", f"{field}.reason")
        reason = (reason or "").strip() or None
        if reason and len(reason) > MAX_REASON:
            raise BadInput(f"the reason is longer than {MAX_REASON} characters", f"{field}.reason")
        if status == EXCUSED and not reason:
            raise BadInput("an excused absence needs its reason (请假事由)", f"{field}.reason")
        lines.append(AttendanceLine(member_id, status, reason))
    speaker = data.get("speaker_id") or None
    if speaker is not None and not isinstance(speaker, str):
        raise BadInput("the speaker is a member id", "speakerId")
    theme_source = data.get("theme_source") or THEME_SUPERIOR
    if theme_source not in THEME_SOURCES:
        raise BadInput(f"{theme_source!r} is not a theme source; use one of "
                       + ", ".join(THEME_SOURCES), "themeSource")
    guests = _guest_ids(data.get("guest_ids"), seen)
    return ActivityDraft(org_id, kind, theme, held_on, tuple(lines), speaker, guests,
                         theme_source)


def _guest_ids(raw, attendees):
    """The guests, checked against the input alone. The messages name no
    member: the field says which guest, and a guest may be one the caller
    may not see."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise BadInput("guests are a list of member ids (it may be empty)", "guestIds")
    if len(raw) > MAX_GUESTS:
        raise BadInput(f"{len(raw):,} guests; at most {MAX_GUESTS} in one activity",
                       "guestIds")
    seen = set()
    for i, member_id in enumerate(raw):
        field = f"guestIds[{i}]"
        if not member_id or not isinstance(member_id, str):
            raise BadInput("each guest is a member id", field)
        if member_id in attendees:
            raise BadInput("this guest is also in the attendance; a member of the holding "
                           "organisation is listed in the attendance, anyone else as a guest, "
                           "not both", field)
        if member_id in seen:
            raise BadInput("this guest is listed twice; list each guest once", field)
        seen.add(member_id)
    return tuple(raw)


def validate_against_org(draft, org, members_on_day, extra_members=None):
    """``org`` is the holding organisation as the organisation service
    describes it; ``members_on_day`` the ids of members who belonged to it (or,
    for a committee, to a branch under it) on the day the activity was held;
    ``extra_members`` where each of ``draft.extra_member_ids`` belonged that
    day (``{"branch_id", "branch_path", "bureau_id"}``), or None for one
    who was no party member that day (or is unknown)."""
    if org["kind"] not in allowed_org_kinds(draft.kind):
        allowed = " or ".join(k.lower() for k in allowed_org_kinds(draft.kind))
        raise BadInput(f"a {draft.kind} is held by a {allowed}; {org['name']} is a "
                       f"{org['kind'].lower()}", "orgId")
    strangers = [line.member_id for line in draft.attendance
                 if line.member_id not in members_on_day]
    if strangers:
        raise BadInput(
            f"not members of {org['name']} on {draft.held_on}: {listing(strangers)}",
            "attendance")
    extra_members = extra_members or {}
    # the speaker may come from anywhere the caller sees (the gateway checks
    # that), e.g. the bureau's party secretary lecturing at a branch
    if draft.speaker_id and draft.speaker_id not in members_on_day \
            and extra_members.get(draft.speaker_id) is None:
        raise BadInput(f"the speaker {draft.speaker_id} was not a party member on "
                       f"{draft.held_on}", "speakerId")
    for i, guest in enumerate(draft.guest_ids):
        field = f"guestIds[{i}]"
        if guest in members_on_day:
            raise BadInput(f"this guest belonged to {org['name']} on {draft.held_on}; list "
                           "the organisation's own members in the attendance", field)
        where = extra_members.get(guest)
        if where is None:
            raise BadInput(f"this guest was not a party member on {draft.held_on}", field)
        if where["bureau_id"] != org["bureau_id"]:
            raise BadInput(f"a guest comes from the same bureau as {org['name']}; this one "
                           "belongs to another bureau", field)
