"""Backdating (补录): a record dated long ago changes periods that have been
closed and ledgers that have been reported, so past a bureau's limit only an
admin may make one: an activity held, a member's transfer taking effect. The
limit is rule-set data (``rules/records/``, key ``backdating_days``), per
bureau, the version in force today; the check itself is pure."""
import datetime as dt
from dataclasses import dataclass

from shared.errors import Forbidden
from shared.rules import NoValidRuleSet, RuleSets

ADMIN = "admin"
# What applies to a bureau whose record rule set has never been read good:
# the shipped file's value, so that a broken file neither stops recording
# nor lifts the limit.
DEFAULT_DAYS = 400


@dataclass(frozen=True)
class RecordRules:
    version: int
    backdating_days: int


def parse_rule_set(version):
    days = version.body.get("backdating_days")
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise ValueError(f"backdating_days must be a whole number of days, 0 or more, "
                         f"not {days!r}")
    return RecordRules(version.version, days)


RECORD_RULES = RuleSets("records", parse_rule_set)


def limit_for(bureau_id, today):
    """The bureau's ``backdating_days`` in force today."""
    try:
        return RECORD_RULES.for_day(bureau_id, today).backdating_days
    except NoValidRuleSet:  # the loader has logged which file and why
        return DEFAULT_DAYS


def is_backdated(held_on, today, limit_days):
    """Dated more than ``limit_days`` days before ``today``."""
    return held_on < today - dt.timedelta(days=limit_days)


def may_backdate(roles):
    """``roles``: the caller's, as the gateway read them from the token; None
    for a platform tool that calls the service itself, as an operator."""
    return roles is None or ADMIN in roles


def check_backdating(held_on, today, limit_days, roles, field="heldOn"):
    """Forbidden for a record dated more than ``limit_days`` before ``today``
    unless the caller may backdate; the message names the limit."""
    if may_backdate(roles) or not is_backdated(held_on, today, limit_days):
        return
    raise Forbidden(f"{held_on} is {(today - held_on).days} days before today ({today}); "
                    f"a record dated more than {limit_days} days back (before "
                    f"{today - dt.timedelta(days=limit_days)}) needs the admin role", field)
