"""Reminder talks (约谈提醒, SPEC U4): an organisation with repeated misses in
a quarter is proposed for a talk with the organisation above it. Pure: the
quota results MISSED come in, the proposals go out.

Who answers for a miss: the organisation whose quota it is; a member's
quota (subject a member) is the member's branch's to answer for, as the
supervision item of that miss is opened on the branch (handlers.close).
The branch's misses count once per rule and period, however many of its
members missed the same quota (one item is opened for them), so that a
branch is proposed for repeated failures, not for its size."""
import datetime as dt
from dataclasses import dataclass

from shared.errors import BadInput
from shared.periods import QUARTER, YEAR, Period, parse_period


@dataclass(frozen=True)
class Miss:
    """A quota result MISSED, as quota_state holds it."""
    rule: str
    subject_id: str
    period: str
    member: bool            # the subject is a member
    bureau_id: str
    subject_path: tuple     # an organisation's path; a member's: branch path + own id
    required: int
    actual: int

    @property
    def holder_path(self):
        """The path of the organisation that answers for the miss."""
        return self.subject_path[:-1] if self.member else self.subject_path

    @property
    def holder(self):
        return self.holder_path[-1]


@dataclass(frozen=True)
class Proposal:
    org_id: str
    org_path: tuple
    quarter: str
    missed: tuple           # the Misses, by period, rule and subject


def parse_quarter(text, field="quarter"):
    """A quarter written "2017-Q2", or BadInput saying so."""
    period = parse_period(text, field)
    if period.kind != QUARTER:
        raise BadInput(f"{text!r} is not a quarter; write it as \"2017-Q2\"", field)
    return period


def labels_within(period):
    """The labels of the periods a quota result of ``period`` may have and lie
    in it: a quarter's months and itself; a year's months, quarters and itself."""
    labels = [m.label for m in period.months()]
    if period.kind == YEAR:
        quarter = Period.containing(period.start, QUARTER)
        while quarter.start <= period.end:
            labels.append(quarter.label)
            quarter = quarter.next()
    return labels + [period.label]


def counted(misses):
    """How many misses an organisation answers for: its (rule, period) pairs."""
    return len({(m.rule, m.period) for m in misses})


def by_holder(misses):
    """{holder id: [misses]} in the order given."""
    out = {}
    for miss in misses:
        out.setdefault(miss.holder, []).append(miss)
    return out


def _order(miss):
    return (miss.period, miss.rule, miss.subject_id)


def proposals(misses, quarter, rules_of_bureau):
    """The proposals of ``quarter`` (a Period): one per organisation answering
    for at least its bureau's ``reminder_min_missed`` misses of quota results
    whose period lies in the quarter. ``rules_of_bureau(bureau id)`` gives the
    bureau's SupervisionRules for the quarter."""
    within = set(labels_within(quarter))
    out = []
    for holder, held in by_holder(m for m in misses if m.period in within).items():
        rules = rules_of_bureau(held[0].bureau_id)
        if counted(held) >= rules.reminder_min_missed:
            out.append(Proposal(holder, held[0].holder_path, quarter.label,
                                tuple(sorted(held, key=_order))))
    return sorted(out, key=lambda p: p.org_path)


def check_talk_day(held_on, quarter, today):
    """A talk about ``quarter``'s misses is held on a day from the quarter's
    first on, and not in the future."""
    if not isinstance(held_on, dt.date):
        raise BadInput("heldOn must be a date", "heldOn")
    if held_on > today:
        raise BadInput(f"{held_on} is in the future (today is {today}); record a talk once "
                       "it has been held", "heldOn")
    if held_on < quarter.start:
        raise BadInput(f"{held_on} is before {quarter.label} began ({quarter.start}); a talk "
                       "about a quarter's misses is held once they happen", "heldOn")
    return held_on
