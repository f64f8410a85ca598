"""Checks every study input shares: a plausible year, a bounded text."""
from shared.errors import BadInput

FIRST_YEAR = 2000  # no record of the programme is older


def check_year(year, today, field="year"):
    """A year a plan may be filed for: from FIRST_YEAR to next year."""
    if isinstance(year, bool) or not isinstance(year, int):
        raise BadInput(f"{year!r} is not a year; write it as a number, e.g. {today.year}", field)
    if not FIRST_YEAR <= year <= today.year + 1:
        raise BadInput(f"{year} is not a year to file for; choose one from {FIRST_YEAR} to "
                       f"{today.year + 1}", field)
    return year


def text(value, field, limit, what, required=True):
    """``value`` trimmed, at most ``limit`` characters; blank is BadInput when
    ``required``, else None."""
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise BadInput(f"{what} must be text", field)
    value = value.strip()
    if not value:
        if required:
            raise BadInput(f"{what} is empty; write it out", field)
        return None
    if len(value) > limit:
        raise BadInput(f"{what} has {len(value)} characters; at most {limit}", field)
    return value
