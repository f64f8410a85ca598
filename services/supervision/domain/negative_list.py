"""The negative list (负面清单, SPEC U6): the organisations and the bureau
committee members who failed their duties in a year. Pure.

Automatic entries follow from the year's state, by each bureau's rule set in
force on the year's first day, and are derived whenever the list is read (no
stored copy that could drift from the quotas and items):

- an organisation answering for at least ``negative_list_missed_per_year``
  misses of the year (counted as for reminder talks: its own quotas and its
  members', once per rule and period; domain/reminders.py);
- a bureau committee member (role bureau_committee or bureau_secretary on a
  day of the year) with that many of their own member quotas MISSED;
- with ``negative_list_on_escalation``, an organisation with a supervision
  item of the year ESCALATED (责任追究).

Manual entries are put there by the organisation above with a reason and
kept; a subject may have both, as two entries (``manual`` tells which)."""
import datetime as dt
from dataclasses import dataclass

from services.supervision.domain.reminders import by_holder, counted, labels_within
from shared.errors import BadInput
from shared.periods import YEAR, Period

COMMITTEE_ROLES = frozenset({"bureau_committee", "bureau_secretary"})
MAX_REASON = 500


@dataclass(frozen=True)
class Entry:
    subject_id: str
    subject_path: tuple     # an organisation's path; a member's: branch path + own id
    year: int
    reasons: tuple
    manual: bool


@dataclass(frozen=True)
class Escalated:
    """A supervision item of the year in state ESCALATED."""
    org_id: str
    org_path: tuple
    bureau_id: str
    rule: str
    period: str


def year_labels(year):
    return labels_within(Period(dt.date(year, 1, 1), YEAR))


def missed_reason(n):
    return f"{n} quotas MISSED" if n != 1 else "1 quota MISSED"


def escalated_reason(item):
    return f"item {item.rule} {item.period} ESCALATED"


def held_in_year(member, roles, year):
    """Whether ``member`` (domain.Member, with their roles by day) held any
    of ``roles`` on some day of ``year``."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    if member.holds(roles, first):
        return True
    return any(first <= since <= last and held & roles for since, held in member.roles)


def automatic_entries(year, misses, escalated, committee_members, rules_of_bureau):
    """The automatic entries of ``year``: ``misses`` (reminders.Miss) of the
    year's periods, ``escalated`` items of the year, ``committee_members``
    the ids of the members who sat on a bureau committee in the year;
    ``rules_of_bureau(bureau id)`` gives the bureau's SupervisionRules."""
    labels = set(year_labels(year))
    misses = [m for m in misses if m.period in labels]
    reasons, paths = {}, {}

    def add(subject_id, path, reason):
        reasons.setdefault(subject_id, []).append(reason)
        paths.setdefault(subject_id, tuple(path))

    for holder, held in by_holder(misses).items():
        n = counted(held)
        if n >= rules_of_bureau(held[0].bureau_id).negative_list_missed_per_year:
            add(holder, held[0].holder_path, missed_reason(n))
    own = {}
    for miss in misses:
        if miss.member and miss.subject_id in committee_members:
            own.setdefault(miss.subject_id, []).append(miss)
    for member_id, held in own.items():
        n = counted(held)
        if n >= rules_of_bureau(held[0].bureau_id).negative_list_missed_per_year:
            add(member_id, held[0].subject_path, missed_reason(n))
    for item in sorted(escalated, key=lambda i: (i.period, i.rule)):
        if item.period in labels and rules_of_bureau(item.bureau_id).negative_list_on_escalation:
            add(item.org_id, item.org_path, escalated_reason(item))
    return [Entry(s, paths[s], year, tuple(r), False) for s, r in reasons.items()]


def manual_entries(year, rows):
    """``rows``: (subject id, subject path, reason) in the order added."""
    reasons, paths = {}, {}
    for subject_id, path, reason in rows:
        reasons.setdefault(subject_id, []).append(reason)
        paths.setdefault(subject_id, tuple(path))
    return [Entry(s, paths[s], year, tuple(r), True) for s, r in reasons.items()]


def listing(automatic, manual):
    """The list as read: by the subject's place in the tree, the automatic
    entry before the manual one."""
    return sorted([*automatic, *manual], key=lambda e: (e.subject_path, e.manual))


def check_reason(reason):
    if not isinstance(reason, str) or not reason.strip():
        raise BadInput("a reason is needed: say what duty was failed", "reason")
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise BadInput(f"the reason is {len(reason)} characters; at most {MAX_REASON}",
                       "reason")
    return reason


def check_year(year, today):
    if year > today.year:
        raise BadInput(f"{year} has not begun (today is {today}); an entry is put on the "
                       "list of a year that has begun", "year")
    return year
