"""When periods close by themselves (督办 at a period's end), and when
a quota's deadline inside its period does."""
import datetime as dt

from shared.periods import KINDS as PERIOD_KINDS, YEAR, Period


def due_for_auto_close(today, earliest, already_closed):
    """The ended periods, of every kind, from the one containing ``earliest``
    up to the last that ended before ``today``, not yet closed automatically."""
    due = []
    for kind in PERIOD_KINDS:
        period = Period.containing(earliest, kind)
        while period.has_ended(today):
            if period.label not in already_closed:
                due.append(period)
            period = period.next()
    return due


def current_periods(today):
    return [Period.containing(today, kind) for kind in PERIOD_KINDS]


def due_deadlines(today, first_year, rule_set_of_year, done):
    """The (year, rule) of every yearly quota with a deadline that passed
    before ``today``, from ``first_year`` on, not yet judged at it (``done``
    holds (year, rule key) pairs). ``rule_set_of_year(year)`` is the rule set
    in force on the year's first day."""
    due = []
    for year in range(first_year, today.year + 1):
        period = Period.containing(dt.date(year, 1, 1), YEAR)
        for rule in rule_set_of_year(year).active(YEAR):
            deadline = rule.deadline(period)
            if deadline is not None and deadline < today and (year, rule.key) not in done:
                due.append((year, rule))
    return due
