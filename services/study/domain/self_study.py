"""Self-study (自学, S4): a member's annual self-study plan, filed with the
branch (自学备案: goals, content, schedule, safeguards), due by Mar 31; and
the self-study log, one entry per reading, online micro-lecture, video or
on-site education at a base."""
import datetime as dt
from dataclasses import dataclass

from services.study.domain.common import FIRST_YEAR, check_year, text
from shared.errors import BadInput
from shared.periods import parse_date

READING = "READING"              # 读书
MICRO_LECTURE = "MICRO_LECTURE"  # 微党课
VIDEO = "VIDEO"                  # 视频
ONSITE = "ONSITE"                # 现场教学
SELF_STUDY_KINDS = (READING, MICRO_LECTURE, VIDEO, ONSITE)

PLAN_PARTS = ("goals", "content", "schedule", "safeguards")
MAX_PART = 2000
MAX_TITLE = 200
MAX_EVIDENCE = 500
MAX_MINUTES = 600
DUE_MONTH, DUE_DAY = 3, 31  # a year's plan is on time when filed by Mar 31


@dataclass(frozen=True)
class SelfStudyPlan:
    member_id: str
    year: int
    goals: str
    content: str
    schedule: str
    safeguards: str


@dataclass(frozen=True)
class SelfStudyEntry:
    member_id: str
    on: dt.date
    kind: str
    title: str
    minutes: int
    evidence: str  # or None


def _member_id(data):
    member_id = data.get("member_id") if isinstance(data, dict) else None
    if not isinstance(member_id, str) or not member_id:
        raise BadInput("say whose self-study it is", "memberId")
    return member_id


def validate_plan(data, today):
    member_id = _member_id(data)
    year = check_year(data.get("year"), today)
    parts = {part: text(data.get(part), part, MAX_PART, f"the {part}") for part in PLAN_PARTS}
    return SelfStudyPlan(member_id, year, **parts)


def on_time(year, filed_on):
    """Filed by Mar 31 of the plan's year."""
    return filed_on <= dt.date(year, DUE_MONTH, DUE_DAY)


def validate_entry(data, today):
    member_id = _member_id(data)
    on = parse_date(data.get("on"), "on")
    if on > today:
        raise BadInput(f"{on} is in the future (today is {today}); log what was studied",
                       "on")
    if on.year < FIRST_YEAR:
        raise BadInput(f"{on} is before {FIRST_YEAR}; no record goes back so far", "on")
    kind = data.get("kind")
    if kind not in SELF_STUDY_KINDS:
        raise BadInput(f"{kind!r} is not a kind of self-study; use one of "
                       + ", ".join(SELF_STUDY_KINDS), "kind")
    title = text(data.get("title"), "title", MAX_TITLE, "the title")
    minutes = data.get("minutes")
    if isinstance(minutes, bool) or not isinstance(minutes, int) \
            or not 1 <= minutes <= MAX_MINUTES:
        raise BadInput(f"{minutes!r} minutes; log 1 to {MAX_MINUTES} minutes per entry",
                       "minutes")
    evidence = text(data.get("evidence"), "evidence", MAX_EVIDENCE, "the evidence",
                    required=False)
    return SelfStudyEntry(member_id, on, kind, title, minutes, evidence)


def check_range(date_from, date_to):
    start = parse_date(date_from, "from")
    end = parse_date(date_to, "to")
    if end < start:
        raise BadInput(f"'to' ({end}) is before 'from' ({start})", "to")
    return start, end
