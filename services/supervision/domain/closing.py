"""When periods close by themselves (督办 at a period's end)."""
from shared.periods import KINDS as PERIOD_KINDS, Period


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
