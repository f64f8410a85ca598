"""Member points (党员积分量化管理): which rules an event triggers, and how much
of each posting the rule's and the category's yearly caps leave room for.

Pure: no database, no broker. ``post`` is a function of (rule set, what the
member already has this year, candidate postings)."""
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from shared.rules import RuleSets
from shared.vocabulary import (ACTIVITY_KINDS, ATTENDANCE_STATUSES, CONDUCT, CONTRIBUTION,
                               DIMENSIONS, DISCIPLINE, EXCUSED, POLITICAL, PRESENT)

ROLES = ("speaker",)

# The yes/no facts of an event that a rule's ``when.if`` may require, per
# event (the payloads are in the common brief; shared/events.py lists them).
FLAGS = {
    "self_study_plan_filed": ("on_time",),  # filed by Mar 31 of the plan's year
    "self_study_logged": ("evidence",),     # the entry comes with its evidence
    "pledge_fulfilled": ("on_time",),       # fulfilled on or before its due day
}


@dataclass(frozen=True)
class PointRule:
    key: str
    category: str
    points: Decimal
    cap: Decimal | None
    event: str
    kinds: tuple = ()
    status: str | None = None
    role: str | None = None
    flag: str | None = None  # when.if: the payload's flag must be true
    dimension: str | None = None  # 四个合格: the rule's own, else its category's


@dataclass(frozen=True)
class PointRuleSet:
    version: int
    category_caps: dict
    rules: tuple
    # the four-qualified dimension of each category, for rules that name none
    category_dimensions: dict = field(default_factory=dict)
    # 手工调整: the most points one manual adjustment may add or take away;
    # None: this rule set allows none
    adjustment_limit: Decimal | None = None

    def categories(self):
        """Every category the rule set knows: its rules', its caps', its
        dimensions map's."""
        return set(self.category_caps) | set(self.category_dimensions) | \
            {r.category for r in self.rules}

    def dimension_of(self, category):
        """The dimension of a category: the map's, else that of its first
        rule (None for a category the rule set does not know)."""
        if category in self.category_dimensions:
            return self.category_dimensions[category]
        for rule in self.rules:
            if rule.category == category:
                return rule.dimension
        return None

    def rule(self, key):
        for rule in self.rules:
            if rule.key == key:
                return rule
        raise KeyError(key)


@dataclass(frozen=True)
class Candidate:
    """A posting a rule asks for, before the caps are applied."""
    member_id: str
    rule: PointRule


@dataclass(frozen=True)
class Posting:
    member_id: str
    rule: str
    category: str
    points: Decimal
    dimension: str | None = None
    # False for a manual adjustment: an officer's decision is never clipped
    # and leaves the caps' room to the automatic postings
    uses_room: bool = True


def _decimal(value, what):
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"{what} must be a number")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise ValueError(f"{what} must be a number, not {value!r}")
    return number


def _cap(value, what):
    """A yearly cap: a number of points, never below nothing (a negative cap
    would silently stop every posting of the rule)."""
    cap = _decimal(value, what)
    if cap < 0:
        raise ValueError(f"{what} is {value}; a cap is 0 or more (leave it out for no cap)")
    return cap


def _dimension(value, what):
    if value not in DIMENSIONS:
        raise ValueError(f"{what} is {value!r}; a dimension is one of {', '.join(DIMENSIONS)}")
    return value


# The dimension of each of the seed's categories when a rule set does not name
# it: a bureau's file written before dimensions existed stays valid (a
# category of its own still needs one).
STANDARD_CATEGORY_DIMENSIONS = {
    "study": POLITICAL,                   # 学习
    "organisational-life": DISCIPLINE,    # 参加组织生活
    "obligations": DISCIPLINE,            # 履行义务
    "discipline": DISCIPLINE,             # 纪律
    "serving-the-public": CONDUCT,        # 服务群众
    "contribution": CONTRIBUTION,         # 发挥作用
}


def _category_dimensions(body):
    raw = body.get("category_dimensions") or {}
    if not isinstance(raw, dict):
        raise ValueError("category_dimensions must map each category to its dimension")
    named = {str(c): _dimension(d, f"the dimension of category {c}") for c, d in raw.items()}
    return {**STANDARD_CATEGORY_DIMENSIONS, **named}


def _adjustment_limit(body):
    raw = body.get("adjustment_limit")
    if raw is None:
        return None
    limit = _decimal(raw, "adjustment_limit")
    if limit <= 0:
        raise ValueError(f"adjustment_limit is {raw}; it is more than 0 (leave it out to "
                         "allow no manual adjustment)")
    return limit


def parse_rule_set(version):
    body = version.body
    dimensions = _category_dimensions(body)
    caps = {}
    raw_caps = body.get("category_caps") or {}
    if not isinstance(raw_caps, dict):
        raise ValueError("category_caps must map each category to its yearly cap")
    for category, cap in raw_caps.items():
        caps[str(category)] = _cap(cap, f"category cap of {category}")
    rules, seen = [], set()
    for i, raw in enumerate(body.get("rules") or []):
        if not isinstance(raw, dict):
            raise ValueError(f"rules[{i}]: must be a mapping with key, category, points, when")
        key = raw.get("key")
        if not key or key in seen:
            raise ValueError(f"rules[{i}]: needs a unique 'key'")
        seen.add(key)
        for needed in ("category", "points"):
            if raw.get(needed) is None:
                raise ValueError(f"rule {key}: needs '{needed}'")
        on = raw.get("when") or {}
        if not isinstance(on, dict) or not on.get("event"):
            raise ValueError(f"rule {key}: 'when.event' names the event that posts it")
        kinds = tuple(on.get("kinds") or ())
        unknown = [k for k in kinds if k not in ACTIVITY_KINDS]
        if unknown:
            raise ValueError(f"rule {key}: unknown activity kinds {unknown}")
        status = on.get("status")
        if status is not None and status not in ATTENDANCE_STATUSES:
            raise ValueError(f"rule {key}: status must be one of {ATTENDANCE_STATUSES}")
        if status == EXCUSED:
            raise ValueError(f"rule {key}: an excused absence scores 0 and takes no rule")
        role = on.get("role")
        if role is not None and role not in ROLES:
            raise ValueError(f"rule {key}: role must be one of {ROLES}")
        flag = on.get("if")
        if flag is not None:
            known = FLAGS.get(on["event"], ())
            if not isinstance(flag, str) or flag not in known:
                raise ValueError(
                    f"rule {key}: when.if names a yes/no fact of {on['event']}: "
                    + (", ".join(known) if known else f"{on['event']} has none")
                    + f", not {flag!r}")
        cap = raw.get("cap")
        category = str(raw["category"])
        amount = _decimal(raw["points"], f"points of {key}")
        cap = None if cap is None else _cap(cap, f"cap of {key}")
        if raw.get("dimension") is not None:
            dimension = _dimension(raw["dimension"], f"the dimension of rule {key}")
        elif category in dimensions:
            dimension = dimensions[category]
        else:
            raise ValueError(f"rule {key}: category {category} has no dimension; name one in "
                             "category_dimensions or the rule's 'dimension' "
                             f"({', '.join(DIMENSIONS)})")
        rules.append(PointRule(
            key=key, category=category, points=amount, cap=cap, event=on["event"], kinds=kinds, status=status, role=role, flag=flag,
            dimension=dimension))
    if not rules:
        raise ValueError("a point rule set needs at least one rule")
    rule_set = PointRuleSet(version.version, caps, tuple(rules), dimensions,
                            _adjustment_limit(body))
    lacking = sorted(c for c in rule_set.categories() if rule_set.dimension_of(c) is None)
    if lacking:
        raise ValueError(f"categories without a dimension: {', '.join(lacking)}; name theirs "
                         "in category_dimensions")
    return rule_set


POINT_RULES = RuleSets("points", parse_rule_set)


def candidates_for_activity(rule_set, activity):
    """The postings an ``activity_recorded`` payload asks for, in attendance
    order; then the guests', who took part (双重组织生活) and score as
    present attendees; the speaker's lecture posting comes last."""
    present = [{"member_id": m, "status": PRESENT} for m in activity.get("guest_ids") or ()]
    out = []
    for attendee in list(activity["attendance"]) + present:
        for rule in rule_set.rules:
            if (rule.event == "activity_recorded" and rule.role is None
                    and activity["kind"] in rule.kinds and attendee["status"] == rule.status):
                out.append(Candidate(attendee["member_id"], rule))
    speaker = activity.get("speaker_id")
    if speaker:
        for rule in rule_set.rules:
            if (rule.event == "activity_recorded" and rule.role == "speaker"
                    and activity["kind"] in rule.kinds):
                out.append(Candidate(speaker, rule))
    return out


# A member's own fact (自学备案, a self-study log entry, a wish fulfilled):
# whose it is, the day it happened and the year whose caps it counts against.
MEMBER_EVENTS = {
    "self_study_plan_filed": lambda p: (p["member_id"], dt.date.fromisoformat(p["filed_on"]),
                                        int(p["year"])),
    "self_study_logged": lambda p: (p["member_id"], dt.date.fromisoformat(p["on"]),
                                    dt.date.fromisoformat(p["on"]).year),
    # the member who claimed the wish (微心愿 / 双代), on the day it was fulfilled
    "micro_wish_fulfilled": lambda p: (p["member_id"], dt.date.fromisoformat(p["on"]),
                                       dt.date.fromisoformat(p["on"]).year),
    # 联户: a visit to a household the member contacts
    "household_visited": lambda p: (p["member_id"], dt.date.fromisoformat(p["on"]),
                                    dt.date.fromisoformat(p["on"]).year),
    # 亮身份亮承诺: counts in the pledge's year, whenever it was settled
    "pledge_fulfilled": lambda p: (p["member_id"], dt.date.fromisoformat(p["on"]),
                                   int(p["year"])),
}


def member_fact(event_type, payload):
    """``(member id, occurred on, year)`` of a member's own event; ValueError
    when the payload cannot say (the event is set aside)."""
    try:
        member_id, occurred_on, year = MEMBER_EVENTS[event_type](payload)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{event_type} without a usable member, day or year: {exc}") from None
    if not isinstance(member_id, str) or not member_id:
        raise ValueError(f"{event_type} names no member")
    return member_id, occurred_on, year


def candidates_for_member_event(rule_set, event_type, payload):
    """The postings a member's own event asks for: each rule of the event
    whose ``when.if`` flag (if any) the payload sets. A refiled plan asks for
    nothing: it was scored, or not, when first filed (its filing day is kept)."""
    if payload.get("refiled") is True:
        return []
    member_id = payload["member_id"]
    return [Candidate(member_id, rule) for rule in rule_set.rules
            if rule.event == event_type and rule.role is None and not rule.kinds
            and rule.status is None and (rule.flag is None or payload.get(rule.flag) is True)]


@dataclass
class YearTotals:
    """What one member has already been posted this year: positive points per
    rule and per category (deductions never use up a cap)."""
    by_rule: dict
    by_category: dict

    @classmethod
    def empty(cls):
        return cls({}, {})

    def add(self, rule, category, points):
        if points > 0:
            self.by_rule[rule] = self.by_rule.get(rule, Decimal(0)) + points
            self.by_category[category] = self.by_category.get(category, Decimal(0)) + points


def room(rule_set, rule, totals):
    """How many points ``rule`` may still post this year; None for no limit."""
    limits = []
    if rule.cap is not None:
        limits.append(rule.cap - totals.by_rule.get(rule.key, Decimal(0)))
    category_cap = rule_set.category_caps.get(rule.category)
    if category_cap is not None:
        limits.append(category_cap - totals.by_category.get(rule.category, Decimal(0)))
    return max(Decimal(0), min(limits)) if limits else None


def post(rule_set, totals, candidate):
    """The posting for ``candidate`` given ``totals`` (which it updates), or
    None when the caps leave no room. The last posting is clipped."""
    rule = candidate.rule
    points = rule.points
    if points > 0:
        left = room(rule_set, rule, totals)
        if left is not None:
            points = min(points, left)
        if points <= 0:
            return None
    totals.add(rule.key, rule.category, points)
    return Posting(candidate.member_id, rule.key, rule.category, points, rule.dimension)
