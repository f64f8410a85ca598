"""Annual plans (年度计划): a study plan (年度学习计划, S1) of a bureau
committee or a branch, and a "three meetings and one lecture" plan
(年度"三会一课"计划, A2) of a branch. A plan is filed only when every month
has an arrangement and every arrangement a theme (年度有计划、月月有安排、
次次有主题); a meetings plan must also hold the 三会一课 of the shipped
quotas: a general meeting each quarter, a committee meeting each month and a
party lecture in the year."""
from dataclasses import dataclass

from services.study.domain.common import check_year, text
from shared.errors import BadInput, listing
from shared.vocabulary import (ACTIVITY_DAY, BRANCH, CENTRAL_GROUP_STUDY, COMMITTEE,
                               COMMITTEE_MEETING, GENERAL_MEETING, GROUP_MEETING,
                               PARTY_LECTURE, WINTER_TRAINING)

STUDY = "STUDY"         # 年度学习计划
MEETINGS = "MEETINGS"   # 年度"三会一课"计划
PLAN_KINDS = (STUDY, MEETINGS)

SUPERIOR = "SUPERIOR"   # 上级命题
MEMBER = "MEMBER"       # 党员点题
THEME_SOURCES = (SUPERIOR, MEMBER)

ITEM_KINDS = {
    STUDY: (ACTIVITY_DAY, PARTY_LECTURE, CENTRAL_GROUP_STUDY, WINTER_TRAINING),
    MEETINGS: (GENERAL_MEETING, COMMITTEE_MEETING, GROUP_MEETING, PARTY_LECTURE),
}
# who files which plan
FILERS = {STUDY: (COMMITTEE, BRANCH), MEETINGS: (BRANCH,)}
FILER_NAMES = {COMMITTEE: "a bureau committee", BRANCH: "a branch"}

MAX_ITEMS = 200
MAX_THEME = 200
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")
QUARTER_NAMES = ("Q1 (January to March)", "Q2 (April to June)", "Q3 (July to September)",
                 "Q4 (October to December)")


@dataclass(frozen=True)
class PlanItem:
    month: int
    kind: str
    theme: str
    source: str

    def as_dict(self):
        return {"month": self.month, "kind": self.kind, "theme": self.theme,
                "source": self.source}


@dataclass(frozen=True)
class Plan:
    org_id: str
    year: int
    kind: str
    items: tuple


def month_name(month):
    return f"month {month} ({MONTH_NAMES[month - 1]})"


def check_plan_kind(kind):
    if kind not in PLAN_KINDS:
        raise BadInput(f"{kind!r} is not a kind of plan; use STUDY or MEETINGS", "kind")
    return kind


def check_filer(org_kind, plan_kind):
    """Only a committee or a branch files a study plan; only a branch a
    meetings plan."""
    filers = FILERS[plan_kind]
    if org_kind not in filers:
        who = " or ".join(FILER_NAMES[k] for k in filers)
        raise BadInput(f"a {plan_kind} plan is filed by {who}, not by a {org_kind}", "orgId")


def _item(i, data, plan_kind):
    field = f"items[{i}]"
    if not isinstance(data, dict):
        raise BadInput("an item has a month, a kind, a theme and a source", field)
    month = data.get("month")
    if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
        raise BadInput(f"{month!r} is not a month; use 1 to 12", f"{field}.month")
    kind = data.get("kind")
    allowed = ITEM_KINDS[plan_kind]
    if kind not in allowed:
        raise BadInput(f"{month_name(month)}: a {plan_kind} plan holds {', '.join(allowed)}, "
                       f"not {kind}", f"{field}.kind")
    theme = text(data.get("theme"), f"{field}.theme", MAX_THEME,
                 f"the theme of {month_name(month)}")
    source = data.get("source") or SUPERIOR
    if source not in THEME_SOURCES:
        raise BadInput(f"{source!r} is not a source of a theme; use SUPERIOR or MEMBER",
                       f"{field}.source")
    return PlanItem(month, kind, theme, source)


def _missing_months(items, kind=None):
    have = {item.month for item in items if kind is None or item.kind == kind}
    return [m for m in range(1, 13) if m not in have]


def check_meetings(items):
    """三会一课: a general meeting each quarter, a committee meeting each
    month, a party lecture in the year."""
    months = {item.month for item in items if item.kind == GENERAL_MEETING}
    missing = [q for q in range(4) if not months & {3 * q + 1, 3 * q + 2, 3 * q + 3}]
    if missing:
        raise BadInput(f"{listing(QUARTER_NAMES[q] for q in missing)} "
                       f"{'has' if len(missing) == 1 else 'have'} no general meeting "
                       "(GENERAL_MEETING, 党员大会); plan one in each quarter", "items")
    missing = _missing_months(items, COMMITTEE_MEETING)
    if missing:
        raise BadInput(f"{listing(month_name(m) for m in missing)} "
                       f"{'has' if len(missing) == 1 else 'have'} no committee meeting "
                       "(COMMITTEE_MEETING, 支委会); plan one in every month", "items")
    if not any(item.kind == PARTY_LECTURE for item in items):
        raise BadInput("the plan has no party lecture (PARTY_LECTURE, 党课); plan at least "
                       "one in the year", "items")


def validate_plan(data, today):
    """An AnnualPlanInput as the service takes it ({org_id, year, kind,
    items}), checked in full: a ``Plan`` or BadInput naming the field, the
    month or the quarter. The filer's kind is checked apart (check_filer),
    against the read model."""
    if not isinstance(data, dict):
        raise BadInput("a plan has an orgId, a year, a kind and items", "input")
    org_id = data.get("org_id")
    if not isinstance(org_id, str) or not org_id:
        raise BadInput("say which organisation files the plan", "orgId")
    year = check_year(data.get("year"), today)
    kind = check_plan_kind(data.get("kind"))
    raw = data.get("items")
    if not isinstance(raw, list) or not raw:
        raise BadInput("a plan has an item for every month from January to December", "items")
    if len(raw) > MAX_ITEMS:
        raise BadInput(f"{len(raw)} items; a plan holds at most {MAX_ITEMS}", "items")
    items = tuple(sorted((_item(i, d, kind) for i, d in enumerate(raw)),
                         key=lambda item: item.month))
    missing = _missing_months(items)
    if missing:
        raise BadInput(f"{listing(month_name(m) for m in missing)} "
                       f"{'has' if len(missing) == 1 else 'have'} no item; every month from "
                       "January to December needs one with a theme", "items")
    if kind == MEETINGS:
        check_meetings(items)
    return Plan(org_id, year, kind, items)
