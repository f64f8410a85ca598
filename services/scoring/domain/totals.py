"""Running totals (积分台账汇总): what a member's ledger sums to in a year, kept
beside the ledger so that neither a posting nor a summary reads the history.

Each total has a scope: a rule (its key), a category, a four-qualified
dimension (四个合格) or the whole year. It holds two sums: ``earned``, the
positive postings that use up the caps' room (a deduction never uses up a
cap nor gives room back; a manual adjustment leaves the room alone), and
``net``, every posting (what the member has). Pure: the handler reads what the caps need
of the members' tallies, and adds to them what the postings add."""
from dataclasses import dataclass
from decimal import Decimal

from services.scoring.domain.points import YearTotals

RULE, CATEGORY, YEAR, DIMENSION = "rule", "category", "year", "dimension"
SCOPES = (RULE, CATEGORY, YEAR, DIMENSION)
WHOLE_YEAR = ""  # the name of the one YEAR-scoped total


@dataclass(frozen=True)
class Tally:
    earned: Decimal = Decimal(0)
    net: Decimal = Decimal(0)

    def plus(self, points, uses_room=True):
        earned = max(points, Decimal(0)) if uses_room else Decimal(0)
        return Tally(self.earned + earned, self.net + points)


def scopes_of(posting):
    """The totals one posting moves: its rule's, its category's, its
    dimension's (an entry posted before dimensions has none) and the year's."""
    scopes = ((RULE, posting.rule), (CATEGORY, posting.category), (YEAR, WHOLE_YEAR))
    if posting.dimension is not None:
        scopes += ((DIMENSION, posting.dimension),)
    return scopes


def roll_forward(tallies, postings):
    """The tallies ``postings`` change, keyed (member_id, scope, name), each
    the sum of what it was in ``tallies`` (absent: zero) and the postings."""
    changed = {}
    for posting in postings:
        for scope, name in scopes_of(posting):
            key = (posting.member_id, scope, name)
            before = changed.get(key) or tallies.get(key) or Tally()
            changed[key] = before.plus(posting.points, posting.uses_room)
    return changed


def additions(postings):
    """What ``postings`` add to each total, keyed (member_id, scope, name)."""
    return roll_forward({}, postings)


def year_totals(tallies, member_id):
    """What the caps see of ``member_id``'s year: the earned sums by rule and
    by category, as ``post`` expects them."""
    return caps_by_member(tallies).get(member_id) or YearTotals.empty()


def caps_by_member(tallies):
    """``year_totals`` of every member in ``tallies`` at once."""
    out = {}
    for (member, scope, name), tally in tallies.items():
        totals = out.setdefault(member, YearTotals.empty())
        if tally.earned <= 0:
            continue
        if scope == RULE:
            totals.by_rule[name] = tally.earned
        elif scope == CATEGORY:
            totals.by_category[name] = tally.earned
    return out
