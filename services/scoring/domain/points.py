"""Member points (党员积分量化管理): which rules an event triggers, and how much
of each posting the rule's and the category's yearly caps leave room for.

Pure: no database, no broker. ``post`` is a function of (rule set, what the
member already has this year, candidate postings)."""
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from shared.rules import RuleSets
from shared.vocabulary import ACTIVITY_KINDS, ATTENDANCE_STATUSES, EXCUSED

ROLES = ("speaker",)


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


@dataclass(frozen=True)
class PointRuleSet:
    version: int
    category_caps: dict
    rules: tuple

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


def parse_rule_set(version):
    body = version.body
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
        cap = raw.get("cap")
        rules.append(PointRule(
            key=key, category=str(raw["category"]),
            points=_decimal(raw["points"], f"points of {key}"),
            cap=None if cap is None else _cap(cap, f"cap of {key}"),
            event=on["event"], kinds=kinds, status=status, role=role))
    if not rules:
        raise ValueError("a point rule set needs at least one rule")
    return PointRuleSet(version.version, caps, tuple(rules))


POINT_RULES = RuleSets("points", parse_rule_set)


def candidates_for_activity(rule_set, activity):
    """The postings an ``activity_recorded`` payload asks for, in attendance
    order; the speaker's lecture posting comes last."""
    out = []
    for attendee in activity["attendance"]:
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
    return Posting(candidate.member_id, rule.key, rule.category, points)
