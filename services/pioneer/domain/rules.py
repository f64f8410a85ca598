"""The rule set of the pioneers' annual review (考核评议), per bureau and
versioned (rules/pioneer/default.yaml): the share of AVERAGE-or-worse
ratings above which rectification is ordered, and the days given to
rectify (限期整改)."""
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from shared.rules import RuleSets


@dataclass(frozen=True)
class PioneerRules:
    version: int
    threshold: Decimal   # a share above it (not at it) orders rectification
    rectify_days: int    # the deadline: the closing day + this many days


def parse_rule_set(version):
    body = version.body
    threshold = body.get("threshold")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
        raise ValueError(f"threshold must be a share above 0 and at most 1, not {threshold!r}")
    try:
        threshold = Decimal(str(threshold))
    except InvalidOperation:  # pragma: no cover - a float always has a decimal form
        raise ValueError(f"threshold must be a share, not {threshold!r}") from None
    if not threshold.is_finite() or not 0 < threshold <= 1:
        raise ValueError(f"threshold must be a share above 0 and at most 1, not {threshold}")
    days = body.get("rectify_days")
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ValueError(f"rectify_days must be a whole number of days, 1 or more, "
                         f"not {days!r}")
    return PioneerRules(version.version, threshold, days)


PIONEER_RULES = RuleSets("pioneer", parse_rule_set)
