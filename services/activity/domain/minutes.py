"""Minutes of a meeting (议事规则, A10): the topic, who spoke in which order,
and what was decided. When a branch decides (a general meeting or committee
meeting whose minutes hold decisions), every branch committee member present
speaks, and the branch secretary speaks last (支部书记末位发言). Pure: the
roles held on the day come from the organisation service."""
from dataclasses import dataclass

from services.activity.domain.talks import required_text
from shared.errors import BadInput, listing
from shared.vocabulary import COMMITTEE_MEETING, GENERAL_MEETING, PRESENT

MAX_TOPIC = 200
MAX_DECISION = 1000
MAX_DECISIONS = 50
MAX_SPEAKERS = 100  # the gateway checks the same bounds (gateway/hygiene.py)
DECIDING_KINDS = (GENERAL_MEETING, COMMITTEE_MEETING)
SECRETARY = "secretary"                 # 支部书记
BRANCH_COMMITTEE = "branch_committee"   # 支委


@dataclass(frozen=True)
class MinutesDraft:
    topic: str
    speaker_ids: tuple   # in the order they spoke
    decisions: tuple


def validate_input(data):
    if not isinstance(data, dict):
        raise BadInput("the minutes must be an object", "input")
    topic = required_text(data.get("topic"), "topic", MAX_TOPIC, "the topic")
    speakers = data.get("speaker_ids")
    if not isinstance(speakers, list):
        raise BadInput("speakers are a list of member ids, in the order they spoke",
                       "speakerIds")
    if len(speakers) > MAX_SPEAKERS:
        raise BadInput(f"{len(speakers)} speakers; at most {MAX_SPEAKERS}", "speakerIds")
    seen = set()
    for i, member_id in enumerate(speakers):
        if not isinstance(member_id, str) or not member_id:
            raise BadInput("each speaker is a member id", f"speakerIds[{i}]")
        if member_id in seen:
            raise BadInput("this speaker is listed twice; list each speaker once, where they "
                           "first spoke", f"speakerIds[{i}]")
        seen.add(member_id)
    decisions = data.get("decisions")
    if not isinstance(decisions, list):
        raise BadInput("decisions are a list (it may be empty)", "decisions")
    if len(decisions) > MAX_DECISIONS:
        raise BadInput(f"{len(decisions)} decisions; at most {MAX_DECISIONS}", "decisions")
    decisions = tuple(required_text(d, f"decisions[{i}]", MAX_DECISION, "a decision")
                      for i, d in enumerate(decisions))
    return MinutesDraft(topic, tuple(speakers), decisions)


def present_ids(activity):
    """Who took part: the PRESENT attendees, then the guests."""
    return [line["member_id"] for line in activity["attendance"]
            if line["status"] == PRESENT] + list(activity.get("guest_ids") or ())


def check_speakers(draft, activity):
    """Each speaker took part in the activity. The message names no member:
    the field says which."""
    took_part = set(present_ids(activity))
    for i, member_id in enumerate(draft.speaker_ids):
        if member_id not in took_part:
            raise BadInput(f"this speaker was not present at the {activity['kind']} of "
                           f"{activity['held_on']}; a speaker is one of its present attendees "
                           "or guests", f"speakerIds[{i}]")


def is_branch_decision(draft, activity):
    return activity["kind"] in DECIDING_KINDS and bool(draft.decisions)


@dataclass(frozen=True)
class SpeakingOrder:
    """What is wrong with the order of a branch decision: the committee
    members present who did not speak, and, when the secretary spoke but not
    last, who spoke last instead. Empty when nothing is."""
    silent: tuple = ()
    last_instead: str | None = None
    secretaries: tuple = ()

    def __bool__(self):
        return bool(self.silent or self.last_instead)


def speaking_order(draft, activity, roles_on_day):
    """The problem with a branch decision's order of speakers, judged by the
    roles held on the meeting's day (``{member id: [roles]}``) of its present
    attendees (guests are no members of the branch). A secretary present
    speaks last; with no secretary present the committee members still all
    speak."""
    present = [line["member_id"] for line in activity["attendance"]
               if line["status"] == PRESENT]
    secretaries = tuple(m for m in present if SECRETARY in roles_on_day.get(m, ()))
    committee = [m for m in present
                 if {SECRETARY, BRANCH_COMMITTEE} & set(roles_on_day.get(m, ()))]
    spoke = set(draft.speaker_ids)
    silent = tuple(m for m in committee if m not in spoke)
    last = draft.speaker_ids[-1] if draft.speaker_ids else None
    last_instead = None
    if secretaries and last is not None and last not in secretaries \
            and all(s in spoke for s in secretaries):
        last_instead = last
    return SpeakingOrder(silent, last_instead, secretaries)


def explain(problem, name_of):
    """BadInput saying who: ``name_of(member id)`` gives the name shown."""
    parts = []
    if problem.silent:
        parts.append(f"the branch committee members present must all speak; "
                     f"{listing(name_of(m) for m in problem.silent)} did not")
    if problem.last_instead:
        parts.append(f"the branch secretary ({listing(name_of(s) for s in problem.secretaries)})"
                     f" speaks last (支部书记末位发言), not {name_of(problem.last_instead)}")
    return BadInput("in a branch decision " + "; ".join(parts), "speakerIds")


def named_members(problem):
    return list(dict.fromkeys(list(problem.silent) + list(problem.secretaries)
                              + ([problem.last_instead] if problem.last_instead else [])))
