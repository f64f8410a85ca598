"""The party-spirit check-up (党性教育体检): a member's yearly check-up scored
on the indicators of their post type (岗位), with its total, its score per
four-qualified dimension and its health (党性健康状况).

The indicators and the health bands are the bureau's rule set
(rules/checkup/default.yaml). A member's post type is judged from the roles
they hold on one day: Dec 31 of the year, or today for the current year; a
leading cadre's role wins over a branch secretary's.

Pure: no database, no broker, no clock (``today`` is handed in)."""
import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal

from shared.errors import BadInput, listing
from shared.periods import parse_year
from shared.rules import RuleSets
from shared.vocabulary import (CADRE_ROLES, DIMENSIONS, HEALTHY, POST_CADRE, POST_MEMBER,
                               POST_SECRETARY, POST_TYPES, SUB_HEALTHY, UNHEALTHY)

SECRETARY_ROLE = "secretary"  # 支部书记
MAX_SCORE = Decimal(100)
MAX_SCORES = 100        # scores in one check-up (the gateway checks the same bound)


@dataclass(frozen=True)
class Indicator:
    """One check-up indicator (体检指标); a negative one (反向指标) is subtracted."""
    key: str
    title: str
    dimension: str
    weight: Decimal
    negative: bool = False


@dataclass(frozen=True)
class CheckupRuleSet:
    version: int
    healthy: Decimal        # the lowest HEALTHY total
    sub_healthy: Decimal    # the lowest SUB_HEALTHY total
    post_types: dict        # post type -> tuple of Indicator, in the file's order

    def indicators(self, post_type):
        return self.post_types[post_type]


@dataclass(frozen=True)
class Result:
    total: Decimal
    health: str
    by_dimension: tuple     # ((dimension, score), ...) in DIMENSIONS order


# -- the rule set ---------------------------------------------------------------------

def _number(value, what):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{what} must be a number, not {value!r}")
    number = Decimal(str(value))
    if not number.is_finite():
        raise ValueError(f"{what} must be a finite number, not {value!r}")
    return number


def _indicator(post_type, i, raw, seen):
    where = f"post_types.{post_type}[{i}]"
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: an indicator is a mapping with key, title, dimension, "
                         "weight")
    key = raw.get("key")
    if not isinstance(key, str) or not key.strip() or key in seen:
        raise ValueError(f"{where}: needs a 'key' unique within {post_type}")
    seen.add(key)
    title = raw.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ValueError(f"indicator {post_type}.{key}: needs a 'title'")
    dimension = raw.get("dimension")
    if dimension not in DIMENSIONS:
        raise ValueError(f"indicator {post_type}.{key}: dimension must be one of "
                         f"{', '.join(DIMENSIONS)}, not {dimension!r}")
    weight = _number(raw.get("weight"), f"indicator {post_type}.{key}: weight")
    if weight <= 0:
        raise ValueError(f"indicator {post_type}.{key}: weight must be above 0, not {weight}")
    negative = raw.get("negative", False)
    if not isinstance(negative, bool):
        raise ValueError(f"indicator {post_type}.{key}: negative is true or false")
    return Indicator(key, title.strip(), dimension, weight, negative)


def parse_rule_set(version):
    body = version.body
    health = body.get("health")
    if not isinstance(health, dict):
        raise ValueError("needs 'health' with the bands' lowest totals: healthy, sub_healthy")
    healthy = _number(health.get("healthy"), "health.healthy")
    sub_healthy = _number(health.get("sub_healthy"), "health.sub_healthy")
    if not 0 <= sub_healthy <= healthy <= MAX_SCORE:
        raise ValueError(f"health bands must satisfy 0 ≤ sub_healthy ({sub_healthy}) ≤ "
                         f"healthy ({healthy}) ≤ 100")
    raw_types = body.get("post_types")
    if not isinstance(raw_types, dict):
        raise ValueError(f"needs 'post_types' with an indicator list for each of "
                         f"{', '.join(POST_TYPES)}")
    unknown = [t for t in raw_types if t not in POST_TYPES]
    if unknown:
        raise ValueError(f"unknown post types {unknown}; the post types are "
                         f"{', '.join(POST_TYPES)}")
    post_types = {}
    for post_type in POST_TYPES:
        raw = raw_types.get(post_type)
        if not isinstance(raw, list) or not raw:
            raise ValueError(f"post_types.{post_type}: needs a non-empty list of indicators")
        seen = set()
        indicators = tuple(_indicator(post_type, i, r, seen) for i, r in enumerate(raw))
        if not any(not x.negative for x in indicators):
            raise ValueError(f"post_types.{post_type}: needs at least one positive "
                             "indicator (the total is divided by their weights)")
        post_types[post_type] = indicators
    return CheckupRuleSet(version.version, healthy, sub_healthy, post_types)


CHECKUP_RULES = RuleSets("checkup", parse_rule_set)


# -- whose post, on which day -------------------------------------------------------------

def post_type(roles):
    """The post type of a member holding ``roles``: a leading cadre's role
    (CADRE_ROLES) wins over a branch secretary's; anyone else is a member."""
    held = set(roles or ())
    if held & set(CADRE_ROLES):
        return POST_CADRE
    if SECRETARY_ROLE in held:
        return POST_SECRETARY
    return POST_MEMBER


def judging_day(year, today, field="year"):
    """The day whose roles decide the post type of ``year``'s check-up: Dec 31
    of a past year, today in the current one. A year to come is BAD_INPUT."""
    year = parse_year(year, field)
    if year > today.year:
        raise BadInput(f"{year} has not begun (today is {today}); a check-up is for the "
                       "current year or an earlier one", field)
    return today if year == today.year else dt.date(year, 12, 31)


# -- scoring ----------------------------------------------------------------------------

def check_scores(indicators, scores):
    """``{indicator key: Decimal score}`` with every indicator of the post
    type scored exactly once, 0..100; BAD_INPUT naming the first wrong
    entry, or the indicators left unscored."""
    if not isinstance(scores, list):
        raise BadInput("scores is a list of {indicator, score}", "scores")
    if len(scores) > MAX_SCORES:
        raise BadInput(f"at most {MAX_SCORES} scores, one per indicator, not {len(scores)}",
                       "scores")
    known = {i.key for i in indicators}
    out = {}
    for i, entry in enumerate(scores):
        where = f"scores[{i}]"
        if not isinstance(entry, dict):
            raise BadInput("each score is {indicator, score}", where)
        key = entry.get("indicator")
        if key not in known:
            raise BadInput(f"{key!r} is not an indicator of this post type; the indicators "
                           f"are {', '.join(sorted(known))}", f"{where}.indicator")
        if key in out:
            raise BadInput(f"{key} is scored twice; score each indicator once",
                           f"{where}.indicator")
        value = entry.get("score")
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not math.isfinite(value) or not 0 <= value <= 100:
            raise BadInput(f"{key}: {value!r} is not a score; a score runs from 0 to 100",
                           f"{where}.score")
        out[key] = Decimal(str(value))
    missing = [i.key for i in indicators if i.key not in out]
    if missing:
        raise BadInput(f"every indicator of the post type is scored once; missing "
                       f"{listing(missing)}", "scores")
    return out


def clip(value):
    return min(max(value, Decimal(0)), MAX_SCORE)


def weighted(indicators, scores):
    """(Σ positive w·score − Σ negative w·score) / Σ positive w, clipped to
    0..100; None when no indicator is positive (nothing to divide by)."""
    positive = sum((i.weight for i in indicators if not i.negative), Decimal(0))
    if positive == 0:
        return None
    net = sum(((-i.weight if i.negative else i.weight) * scores[i.key] for i in indicators),
              Decimal(0))
    return clip(net / positive)


def health(total, rule_set):
    if total >= rule_set.healthy:
        return HEALTHY
    if total >= rule_set.sub_healthy:
        return SUB_HEALTHY
    return UNHEALTHY


def score(rule_set, post, scores):
    """The Result of a check-up of post type ``post`` with ``scores``
    (as check_scores answers them)."""
    indicators = rule_set.indicators(post)
    total = weighted(indicators, scores)
    by_dimension = []
    for dimension in DIMENSIONS:
        value = weighted([i for i in indicators if i.dimension == dimension], scores)
        if value is not None:
            by_dimension.append((dimension, value))
    return Result(total, health(total, rule_set), tuple(by_dimension))
