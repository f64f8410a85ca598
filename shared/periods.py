"""Reporting periods: a month ("2017-06"), a quarter ("2017-Q2") or a year
("2017"). Quotas are counted per period; a period is closed once it has ended.
A half year ("2017-H1", 半年) is a period of reports only (the mid-year review,
年中观摩): no quota is counted per half year, so it is read only where asked
for (``parse_period(..., kinds=ALL_KINDS)``, ``parse_report_period``)."""
import calendar
import datetime as dt
import re
from dataclasses import dataclass

from shared.errors import BadInput
from shared.vocabulary import ANNUAL, MIDYEAR, MONTHLY, QUARTERLY, REPORT_KINDS

MONTH, QUARTER, HALF, YEAR = "month", "quarter", "half", "year"
KINDS = (MONTH, QUARTER, YEAR)        # the kinds of a quota's period
ALL_KINDS = (MONTH, QUARTER, HALF, YEAR)

_PATTERNS = (
    (re.compile(r"^(\d{4})-(\d{2})$"), MONTH),
    (re.compile(r"^(\d{4})-Q(\d)$"), QUARTER),
    (re.compile(r"^(\d{4})-H(\d)$"), HALF),
    (re.compile(r"^(\d{4})$"), YEAR),
)

_FORM = {MONTH: '"2017-06" for a month', QUARTER: '"2017-Q2" for a quarter',
         HALF: '"2017-H1" for a half year', YEAR: '"2017" for a year'}


def forms(kinds=KINDS):
    """How periods of ``kinds`` are written, for a message."""
    named = [_FORM[k] for k in ALL_KINDS if k in kinds]
    return named[0] if len(named) == 1 else ", ".join(named[:-1]) + " or " + named[-1]


FORMS = forms()

# The period each kind of report (shared/vocabulary.py REPORT_KINDS) covers.
REPORT_PERIOD_KIND = {MONTHLY: MONTH, QUARTERLY: QUARTER, MIDYEAR: HALF, ANNUAL: YEAR}


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
        if self.kind == HALF:
            return dt.date(self.start.year, 6, 30) if self.start.month == 1 else \
                dt.date(self.start.year, 12, 31)
        return dt.date(self.start.year, 12, 31)

    @property
    def label(self):
        if self.kind == MONTH:
            return f"{self.start.year:04d}-{self.start.month:02d}"
        if self.kind == QUARTER:
            return f"{self.start.year:04d}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == HALF:
            return f"{self.start.year:04d}-H{(self.start.month - 1) // 6 + 1}"
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
        return self.parts(MONTH)

    def parts(self, kind):
        """The periods of ``kind`` that lie within this one, in order (none
        when ``kind`` is longer: a quarter holds no year)."""
        part = Period.containing(self.start, kind)
        while part.start <= self.end:
            if part.start >= self.start and part.end <= self.end:
                yield part
            part = part.next()

    def within(self):
        """Every quota period that lies within this one, shortest first: a
        month itself; a quarter its months and itself; a half year its six
        months and two quarters; a year its months, quarters and itself."""
        return [p for kind in KINDS for p in self.parts(kind)]

    @staticmethod
    def containing(day, kind):
        if kind == MONTH:
            return Period(dt.date(day.year, day.month, 1), MONTH)
        if kind == QUARTER:
            return Period(dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1), QUARTER)
        if kind == HALF:
            return Period(dt.date(day.year, 1 if day.month <= 6 else 7, 1), HALF)
        if kind == YEAR:
            return Period(dt.date(day.year, 1, 1), YEAR)
        raise ValueError(f"unknown period kind {kind!r}")


def parse_period(text, field="period", kinds=KINDS):
    """The period named by ``text``, one of ``kinds`` (a quota's by default),
    or BadInput saying which forms exist."""
    if not isinstance(text, str):
        raise BadInput(f"a period is written as {forms(kinds)}", field)
    text = text.strip()
    for pattern, kind in _PATTERNS:
        match = pattern.match(text)
        if not match or kind not in kinds:
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
        if kind == HALF:
            half = int(match.group(2))
            if not 1 <= half <= 2:
                raise BadInput(f"{text!r} has no half {half}; a year has H1 and H2", field)
            return Period(dt.date(year, 6 * (half - 1) + 1, 1), HALF)
        return Period(dt.date(year, 1, 1), YEAR)
    raise BadInput(f"{text!r} is not a period; write {forms(kinds)}", field)


def parse_report_kind(kind, field="kind"):
    if kind not in REPORT_KINDS:
        raise BadInput(f"{kind!r} is not a kind of report; use one of "
                       + ", ".join(REPORT_KINDS), field)
    return kind


def parse_report_period(kind, text, field="period"):
    """The period of a report of ``kind``: its shape must be the kind's
    (MONTHLY "2017-06", QUARTERLY "2017-Q2", MIDYEAR "2017-H1", ANNUAL
    "2017"), else BadInput on ``field``."""
    wanted = REPORT_PERIOD_KIND[parse_report_kind(kind)]
    period = parse_period(text, field, kinds=ALL_KINDS)
    if period.kind != wanted:
        raise BadInput(f"a {kind} report is for {_FORM[wanted]}, not {period.label!r}", field)
    return period


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
