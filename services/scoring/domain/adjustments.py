"""Postings an officer makes by hand: a manual adjustment (手工调整, P2) and
monthly dues paid (缴纳党费). Pure: what is checked, and what is posted.

A manual adjustment is posted under the rule ``manual-adjustment`` with no
source event, its reason and who made it. It is never clipped by a cap (the
officer decided the amount) and it leaves the caps' room to the automatic
postings: a cap bounds what the rules award, not what an officer adds or
takes away. It counts in every total (its category's, its dimension's, the
year's). The most it may add or take away is the rule set's
``adjustment_limit``.

Dues are posted by the rules of the point rule set whose ``when.event`` is
``dues_paid``, within their caps, in the year of the month paid for; a
posting that the caps leave no room for is kept with 0 points, so that the
payment is on the ledger all the same."""
import calendar
import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from services.scoring.domain.points import Candidate, Posting, post
from shared.errors import BadInput

MANUAL_RULE = "manual-adjustment"
DUES_EVENT = "dues_paid"
MAX_REASON = 2000
MAX_AMOUNT = Decimal("1000000")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _number(value, field):
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise BadInput(f"{value!r} is not a number", field)
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise BadInput(f"{value!r} is not a number", field) from None
    if not number.is_finite():
        raise BadInput(f"{value!r} is not a number", field)
    return number


def adjustment(rule_set, member_id, points, category, reason, on, today):
    """The posting of a manual adjustment, checked: ``points`` non-zero, at
    most ± the rule set's limit, in hundredths; ``category`` one the rule
    set knows; ``reason`` not blank (kept trimmed); ``on`` (a date) not after
    ``today``. BadInput naming the field otherwise."""
    limit = rule_set.adjustment_limit
    if limit is None:
        raise BadInput("the bureau's point rule set allows no manual adjustment "
                       "(it has no adjustment_limit)", "points")
    points = _number(points, "points")
    if points == 0:
        raise BadInput("an adjustment of 0 points changes nothing; give a non-zero number",
                       "points")
    if abs(points) > limit:
        raise BadInput(f"{points} points is more than an adjustment may make: at most "
                       f"±{limit}", "points")
    if points != points.quantize(Decimal("0.01")):
        raise BadInput(f"{points} has more than two decimals", "points")
    known = sorted(rule_set.categories())
    if not isinstance(category, str) or category not in known:
        raise BadInput(f"{category!r} is not a category of the point rule set; use one of "
                       f"{', '.join(known)}", "category")
    if not isinstance(reason, str) or not reason.strip():
        raise BadInput("an adjustment needs a reason; it is empty", "reason")
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise BadInput(f"the reason is {len(reason)} characters; at most {MAX_REASON}",
                       "reason")
    if on > today:
        raise BadInput(f"{on} is in the future (today is {today}); adjust for a day that "
                       "has come", "on")
    return Posting(member_id, MANUAL_RULE, category, points,
                   rule_set.dimension_of(category), uses_room=False)


def dues_month(month, today):
    """``(first day, last day)`` of a month written "YYYY-MM", not after
    ``today``'s month; BadInput naming ``month`` otherwise."""
    found = _MONTH.match(month.strip()) if isinstance(month, str) else None
    if not found or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 1921:
        raise BadInput(f"{month!r} is not a month; write it as YYYY-MM, e.g. 2017-06", "month")
    year, number = int(found.group(1)), int(found.group(2))
    first = dt.date(year, number, 1)
    if first > today.replace(day=1):
        raise BadInput(f"{month} has not begun (today is {today}); record dues for this "
                       "month or an earlier one", "month")
    return first, dt.date(year, number, calendar.monthrange(year, number)[1])


def dues_amount(amount):
    amount = _number(amount, "amount")
    if amount <= 0:
        raise BadInput(f"dues of {amount} are not a payment; the amount is more than 0",
                       "amount")
    if amount >= MAX_AMOUNT or amount != amount.quantize(Decimal("0.01")):
        raise BadInput(f"{amount} is not an amount of money (at most two decimals, less "
                       f"than {MAX_AMOUNT})", "amount")
    return amount


def paid_on(month_end, today):
    """The day a month's dues count as paid: the day recorded, or the
    month's last day for a month gone by, so the posting stays in the
    month's year."""
    return min(month_end, today)


def dues_rules(rule_set):
    """The rules a month's dues post; BadInput when the rule set has none."""
    rules = [r for r in rule_set.rules if r.event == DUES_EVENT]
    if not rules:
        raise BadInput("the bureau's point rule set has no rule for dues paid "
                       "(when.event: dues_paid)", "month")
    return rules


def dues_postings(rule_set, totals, member_id):
    """The postings of one month's dues given what the caps see of the
    member's year (``totals``, which they update): one per dues rule, 0
    points when the caps are full."""
    out = []
    for rule in dues_rules(rule_set):
        posting = post(rule_set, totals, Candidate(member_id, rule))
        out.append(posting or Posting(member_id, rule.key, rule.category, Decimal(0),
                                      rule.dimension))
    return out
