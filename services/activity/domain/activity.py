"""Recording activities (三会一课, 党员集中活动日 and the rest) and their
attendance (A3): every rule that decides whether a record may be stored.

Pure: ``validate_input`` checks what can be judged from the input alone;
``validate_against_org`` checks it against the organisation that held it and
who belonged to it on the day."""
import datetime as dt
from dataclasses import dataclass

from shared.errors import BadInput, listing
from shared.periods import parse_date
from shared.vocabulary import (ACTIVITY_KINDS, ATTENDANCE_STATUSES, BRANCH, CENTRAL_GROUP_STUDY,
                               COMMITTEE, COMMITTEE_MEETING, DEMOCRATIC_LIFE_MEETING, EXCUSED,
                               GENERAL_MEETING, GROUP, GROUP_MEETING, ORG_LIFE_MEETING,
                               PARTY_LECTURE, WINTER_TRAINING)

MAX_THEME = 200
MAX_REASON = 500
# the gateway checks the same bound before it calls (gateway/hygiene.py)
MAX_ATTENDANCE = 500

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
    return ActivityDraft(org_id, kind, theme, held_on, tuple(lines), speaker)


def validate_against_org(draft, org, members_on_day):
    """``org`` is the holding organisation as the organisation service
    describes it; ``members_on_day`` the ids of members who belonged to it (or,
    for a committee, to a branch under it) on the day the activity was held."""
    if org["kind"] not in allowed_org_kinds(draft.kind):
        allowed = " or ".join(k.lower() for k in allowed_org_kinds(draft.kind))
        raise BadInput(f"a {draft.kind} is held by a {allowed}; {org['name']} is a "
                       f"{org['kind'].lower()}", "orgId")
    strangers = [line.member_id for line in draft.attendance
                 if line.member_id not in members_on_day]
    if draft.speaker_id and draft.speaker_id not in members_on_day:
        strangers.append(draft.speaker_id)
    if strangers:
        raise BadInput(
            f"not members of {org['name']} on {draft.held_on}: {listing(strangers)}",
            "attendance")
