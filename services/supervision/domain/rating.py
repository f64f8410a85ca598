"""Branch rating (星级评定, 晋位升级), pure: a branch's year, measured, gives
three components on 0..100, a weighted score, stars, and the change of stars
from the year before. Every weight, band and penalty is the bureau's rating
rule set (rules/rating/default.yaml, per bureau XF_RULES_DIR/rating/).

- compliance (达标率) = 100 × the branch's closed quota results of the year
  that were MET / all its closed results of the year; ``none_closed`` (100)
  when none is closed;
- points (积分) = the average year total of the branch's members, clipped to
  ``floor``..``ceiling`` (0..100); a branch with no members has ``floor``;
- supervision (督办) = ``start`` (100) − ``per_open`` (25) per item of the
  year ASSIGNED or REPORTED − ``per_escalated`` (50) per ESCALATED one, at
  least ``floor`` (0); a CLOSED item (销号) costs nothing;
- score = Σ weight × component / 100 (weights 50, 30, 20: they sum to 100);
- stars: the first band (from the top) whose ``from`` the score reaches,
  else ``otherwise`` (≥ 90 five, ≥ 80 four, ≥ 70 three, ≥ 60 two, else one);
- change = stars − the stars of the year before, 0 when the branch has none
  (it did not exist by the end of that year).

The score is rounded to 6 decimals before it is banded, so a float's noise
(2/3 of 100 weighed) never moves a score across a band's edge; the
components are shown rounded alike. Ties are ordered by
branch name, then id (``order_key``)."""
from dataclasses import dataclass

from shared.rules import RuleSets

COMPONENTS = ("compliance", "points", "supervision")
DIGITS = 6


@dataclass(frozen=True)
class RatingRules:
    weights: tuple             # (compliance, points, supervision), summing to 100
    none_closed: float         # compliance when no result of the year is closed
    points_floor: float
    points_ceiling: float
    supervision_start: float
    per_open: float            # per item ASSIGNED or REPORTED
    per_escalated: float       # per item ESCALATED
    supervision_floor: float
    bands: tuple               # ((from score, stars), ...), highest first
    otherwise: int             # stars below the lowest band


@dataclass(frozen=True)
class Measured:
    """What was measured of a branch's year."""
    met: int = 0               # closed quota results of the year that were MET
    closed: int = 0            # all its closed quota results of the year
    totals: tuple = ()         # each member's net point total of the year
    open_items: int = 0        # supervision items of the year ASSIGNED or REPORTED
    escalated_items: int = 0   # ... ESCALATED


@dataclass(frozen=True)
class Rating:
    score: float
    stars: int
    compliance: float
    points: float
    supervision: float


def _number(body, key, low=None, high=None):
    value = body[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"'{key}' must be a number, not {value!r}")
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"'{key}' must lie in {low}..{high}, not {value}")
    return float(value)


def _section(body, key):
    section = body.get(key)
    if not isinstance(section, dict):
        raise ValueError(f"needs a mapping '{key}'")
    return section


def parse_rule_set(version):
    body = version.body
    weights = _section(body, "weights")
    triple = tuple(_number(weights, c, 0, 100) for c in COMPONENTS)
    if abs(sum(triple) - 100) > 1e-9:
        raise ValueError(f"the weights must sum to 100, not {sum(triple):g}")
    points = _section(body, "points")
    supervision = _section(body, "supervision")
    compliance = _section(body, "compliance")
    floor, ceiling = _number(points, "floor", 0, 100), _number(points, "ceiling", 0, 100)
    if floor > ceiling:
        raise ValueError("points: 'floor' must not be above 'ceiling'")
    raw_bands = body.get("stars")
    if not isinstance(raw_bands, list) or not raw_bands:
        raise ValueError("needs a non-empty list 'stars' of {stars, from}")
    bands = []
    for i, band in enumerate(raw_bands):
        if not isinstance(band, dict) or set(band) != {"stars", "from"}:
            raise ValueError(f"stars[{i}] must be {{stars: N, from: score}}")
        stars = band["stars"]
        if isinstance(stars, bool) or not isinstance(stars, int) or stars < 1:
            raise ValueError(f"stars[{i}]: 'stars' must be a whole number from 1")
        bands.append((_number(band, "from", 0, 100), stars))
    if [b[0] for b in bands] != sorted({b[0] for b in bands}, reverse=True) or \
            [b[1] for b in bands] != sorted({b[1] for b in bands}, reverse=True):
        raise ValueError("stars: bands from the highest down, each 'from' and 'stars' once")
    otherwise = body.get("otherwise")
    if isinstance(otherwise, bool) or not isinstance(otherwise, int) or \
            not 0 <= otherwise < bands[-1][1]:
        raise ValueError("'otherwise' must be a whole number of stars below the lowest band's")
    return RatingRules(
        weights=triple, none_closed=_number(compliance, "none_closed", 0, 100),
        points_floor=floor, points_ceiling=ceiling,
        supervision_start=_number(supervision, "start", 0, 100),
        per_open=_number(supervision, "per_open", 0, 100),
        per_escalated=_number(supervision, "per_escalated", 0, 100),
        supervision_floor=_number(supervision, "floor", 0, 100),
        bands=tuple(bands), otherwise=otherwise)


RATING_RULES = RuleSets("rating", parse_rule_set)


def compliance(met, closed, rules):
    if closed <= 0:
        return rules.none_closed
    return 100.0 * met / closed


def points(totals, rules):
    if not totals:
        return rules.points_floor
    average = sum(totals) / len(totals)
    return min(rules.points_ceiling, max(rules.points_floor, average))


def supervision(open_items, escalated_items, rules):
    value = rules.supervision_start - rules.per_open * open_items \
        - rules.per_escalated * escalated_items
    return max(rules.supervision_floor, value)


def score(components, rules):
    return round(sum(w * c for w, c in zip(rules.weights, components)) / 100.0, DIGITS)


def stars(value, rules):
    for start, count in rules.bands:
        if value >= start:
            return count
    return rules.otherwise


def rate(measured, rules):
    parts = (compliance(measured.met, measured.closed, rules),
             points(measured.totals, rules),
             supervision(measured.open_items, measured.escalated_items, rules))
    total = score(parts, rules)
    return Rating(total, stars(total, rules), *(round(p, DIGITS) for p in parts))


def change(this_year, year_before):
    """Stars gained (晋位) or lost since the year before; 0 without one."""
    return 0 if year_before is None else this_year - year_before


def order_key(score_, name, branch_id):
    """Best first; ties by name, then id."""
    return (-score_, name, branch_id)
