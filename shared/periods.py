"""Reporting periods: a month ("2017-06"), a quarter ("2017-Q2") or a year
("2017"). Quotas are counted per period; a period is closed once it has ended."""
import calendar
import datetime as dt
import re
from dataclasses import dataclass

from shared.errors import BadInput

MONTH, QUARTER, YEAR = "month", "quarter", "year"
KINDS = (MONTH, QUARTER, YEAR)

_PATTERNS = (
    (re.compile(r"^(\d{4})-(\d{2})$"), MONTH),
    (re.compile(r"^(\d{4})-Q(\d)$"), QUARTER),
    (re.compile(r"^(\d{4})$"), YEAR),
)

FORMS = '"2017-06" for a month, "2017-Q2" for a quarter or "2017" for a year'


@dataclass(frozen=True, order=True)
class Period:
    start: dt.date
    kind: str

    @property
    def end(self):
        """The last day of the period (inclusive)."""
        if self.kind == MONTH:
            last = calendar.monthrange(self.start.year, self.start.month)[1]
            return self.start.replace(day=last)
        if self.kind == QUARTER:
            month = self.start.month + 2
            last = calendar.monthrange(self.start.year, month)[1]
            return dt.date(self.start.year, month, last)
        return dt.date(self.start.year, 12, 31)

    @property
    def label(self):
        if self.kind == MONTH:
            return f"{self.start.year:04d}-{self.start.month:02d}"
        if self.kind == QUARTER:
            return f"{self.start.year:04d}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start.year:04d}"

    def __str__(self):
        return self.label

    def contains(self, day):
        return self.start <= day <= self.end

    def has_ended(self, today):
        return today > self.end

    def next(self):
        return Period.containing(self.end + dt.timedelta(days=1), self.kind)

    def months(self):
        """The months of this period, in order."""
        month = Period.containing(self.start, MONTH)
        while month.start <= self.end:
            yield month
            month = month.next()

    @staticmethod
    def containing(day, kind):
        if kind == MONTH:
            return Period(dt.date(day.year, day.month, 1), MONTH)
        if kind == QUARTER:
            return Period(dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1), QUARTER)
        if kind == YEAR:
            return Period(dt.date(day.year, 1, 1), YEAR)
        raise ValueError(f"unknown period kind {kind!r}")


def parse_period(text, field="period"):
    """The period named by ``text``, or BadInput saying which forms exist."""
    if not isinstance(text, str):
        raise BadInput(f"a period is written as {FORMS}", field)
    text = text.strip()
    for pattern, kind in _PATTERNS:
        match = pattern.match(text)
        if not match:
            continue
        year = int(match.group(1))
        if year < 1921:
            raise BadInput(f"{text!r} is before any record can exist", field)
        if kind == MONTH:
            month = int(match.group(2))
            if not 1 <= month <= 12:
                raise BadInput(f"{text!r} has no month {month}; months run 01 to 12", field)
            return Period(dt.date(year, month, 1), MONTH)
        if kind == QUARTER:
            quarter = int(match.group(2))
            if not 1 <= quarter <= 4:
                raise BadInput(f"{text!r} has no quarter {quarter}; quarters run Q1 to Q4", field)
            return Period(dt.date(year, 3 * (quarter - 1) + 1, 1), QUARTER)
        return Period(dt.date(year, 1, 1), YEAR)
    raise BadInput(f"{text!r} is not a period; write {FORMS}", field)


def parse_year(value, field="year"):
    """A year given as a number, 1921 (before any record can exist) to 9999,
    or BadInput naming the field."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1921 <= value <= 9999:
        raise BadInput(f"{value!r} is not a year", field)
    return value


def parse_date(text, field):
    """A calendar date from "YYYY-MM-DD", or BadInput naming the field."""
    if isinstance(text, dt.date):
        return text
    if not isinstance(text, str) or not re.match(r"^\d{4}-\d{2}-\d{2}$", text.strip()):
        raise BadInput(f"{text!r} is not a date; write it as YYYY-MM-DD, e.g. 2017-06-03", field)
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise BadInput(f"{text} is not a day of the calendar", field) from None
