"""Reporting periods (shared/periods.py): parsing, boundaries, next, months."""
import datetime as dt

import pytest

from shared.errors import BadInput
from shared.periods import MONTH, QUARTER, YEAR, Period, parse_date, parse_period

D = dt.date


# -- parse_period --------------------------------------------------------------

@pytest.mark.parametrize("text, start, kind, label", [
    ("2017-06", D(2017, 6, 1), MONTH, "2017-06"),
    ("2017-01", D(2017, 1, 1), MONTH, "2017-01"),
    ("2017-12", D(2017, 12, 1), MONTH, "2017-12"),
    ("2017-Q1", D(2017, 1, 1), QUARTER, "2017-Q1"),
    ("2017-Q2", D(2017, 4, 1), QUARTER, "2017-Q2"),
    ("2017-Q3", D(2017, 7, 1), QUARTER, "2017-Q3"),
    ("2017-Q4", D(2017, 10, 1), QUARTER, "2017-Q4"),
    ("2017", D(2017, 1, 1), YEAR, "2017"),
    (" 2017-06 ", D(2017, 6, 1), MONTH, "2017-06"),
])
def test_parse_period_accepts_the_three_forms(text, start, kind, label):
    period = parse_period(text)
    assert period == Period(start, kind)
    assert period.start == start
    assert period.kind == kind
    assert period.label == label
    assert str(period) == label


@pytest.mark.parametrize("text", [
    "2017-13", "2017-00", "2017-Q5", "2017-Q0", "17-06", "2017/06", "", "   ",
    "2017-6", "2017-q2", "June 2017", "2017-06-01", "1900", "1920-12",
])
def test_parse_period_rejects_bad_forms_naming_the_field(text):
    with pytest.raises(BadInput) as err:
        parse_period(text)
    assert err.value.field == "period"
    assert err.value.code == "BAD_INPUT"


@pytest.mark.parametrize("value", [None, 2017, ["2017"], D(2017, 6, 1)])
def test_parse_period_rejects_non_text(value):
    with pytest.raises(BadInput) as err:
        parse_period(value)
    assert err.value.field == "period"
    assert "2017-Q2" in err.value.message  # says which forms exist


def test_parse_period_uses_the_given_field_name():
    with pytest.raises(BadInput) as err:
        parse_period("2017-13", field="from")
    assert err.value.field == "from"


def test_parse_period_messages_say_what_is_allowed():
    with pytest.raises(BadInput) as month:
        parse_period("2017-13")
    assert "01 to 12" in month.value.message
    with pytest.raises(BadInput) as quarter:
        parse_period("2017-Q5")
    assert "Q1 to Q4" in quarter.value.message
    with pytest.raises(BadInput) as other:
        parse_period("2017/06")
    assert '"2017-06"' in other.value.message and '"2017"' in other.value.message


# -- end, contains, has_ended ---------------------------------------------------

@pytest.mark.parametrize("text, end", [
    ("2017-01", D(2017, 1, 31)),
    ("2017-02", D(2017, 2, 28)),
    ("2020-02", D(2020, 2, 29)),
    ("2000-02", D(2000, 2, 29)),   # divisible by 400: leap
    ("2100-02", D(2100, 2, 28)),   # divisible by 100 only: not leap
    ("2017-03", D(2017, 3, 31)),
    ("2017-04", D(2017, 4, 30)),
    ("2017-06", D(2017, 6, 30)),
    ("2017-09", D(2017, 9, 30)),
    ("2017-12", D(2017, 12, 31)),
    ("2017-Q1", D(2017, 3, 31)),
    ("2017-Q2", D(2017, 6, 30)),
    ("2017-Q3", D(2017, 9, 30)),
    ("2017-Q4", D(2017, 12, 31)),
    ("2017", D(2017, 12, 31)),
])
def test_end_is_the_last_day_inclusive(text, end):
    assert parse_period(text).end == end


@pytest.mark.parametrize("text, inside, outside_before, outside_after", [
    ("2017-03", D(2017, 3, 31), D(2017, 2, 28), D(2017, 4, 1)),
    ("2017-04", D(2017, 4, 1), D(2017, 3, 31), D(2017, 5, 1)),
    ("2017-Q1", D(2017, 3, 31), D(2016, 12, 31), D(2017, 4, 1)),
    ("2017-Q2", D(2017, 4, 1), D(2017, 3, 31), D(2017, 7, 1)),
    ("2017-Q2", D(2017, 6, 30), D(2017, 3, 31), D(2017, 7, 1)),
    ("2017-Q3", D(2017, 7, 1), D(2017, 6, 30), D(2017, 10, 1)),
    ("2017-Q3", D(2017, 9, 30), D(2017, 6, 30), D(2017, 10, 1)),
    ("2017-Q4", D(2017, 10, 1), D(2017, 9, 30), D(2018, 1, 1)),
    ("2017-Q4", D(2017, 12, 31), D(2017, 9, 30), D(2018, 1, 1)),
    ("2017", D(2017, 12, 31), D(2016, 12, 31), D(2018, 1, 1)),
    ("2017", D(2017, 1, 1), D(2016, 12, 31), D(2018, 1, 1)),
    ("2020-02", D(2020, 2, 29), D(2020, 1, 31), D(2020, 3, 1)),
])
def test_contains_at_the_boundaries(text, inside, outside_before, outside_after):
    period = parse_period(text)
    assert period.contains(inside) is True
    assert period.contains(outside_before) is False
    assert period.contains(outside_after) is False


@pytest.mark.parametrize("text, last_day", [
    ("2017-03", D(2017, 3, 31)),
    ("2017-Q2", D(2017, 6, 30)),
    ("2017-Q3", D(2017, 9, 30)),
    ("2017", D(2017, 12, 31)),
    ("2017-02", D(2017, 2, 28)),
])
def test_has_ended_only_after_the_last_day(text, last_day):
    period = parse_period(text)
    assert period.has_ended(last_day) is False
    assert period.has_ended(last_day - dt.timedelta(days=1)) is False
    assert period.has_ended(last_day + dt.timedelta(days=1)) is True


def test_leap_day_month_has_not_ended_on_the_28th():
    assert parse_period("2020-02").has_ended(D(2020, 2, 28)) is False
    assert parse_period("2020-02").has_ended(D(2020, 2, 29)) is False
    assert parse_period("2020-02").has_ended(D(2020, 3, 1)) is True
    assert parse_period("2017-02").has_ended(D(2017, 3, 1)) is True


# -- next --------------------------------------------------------------------------

@pytest.mark.parametrize("text, following", [
    ("2017-03", "2017-04"),
    ("2017-06", "2017-07"),
    ("2017-09", "2017-10"),
    ("2017-12", "2018-01"),
    ("2020-02", "2020-03"),
    ("2017-Q1", "2017-Q2"),
    ("2017-Q2", "2017-Q3"),
    ("2017-Q3", "2017-Q4"),
    ("2017-Q4", "2018-Q1"),
    ("2017", "2018"),
])
def test_next(text, following):
    nxt = parse_period(text).next()
    assert nxt == parse_period(following)
    assert nxt.label == following


def test_next_keeps_the_kind():
    assert parse_period("2017-12").next().kind == MONTH
    assert parse_period("2017-Q4").next().kind == QUARTER
    assert parse_period("2017").next().kind == YEAR


def test_periods_order_by_start():
    labels = ["2018-01", "2017-03", "2017-12", "2017-04"]
    ordered = sorted(parse_period(t) for t in labels)
    assert [p.label for p in ordered] == ["2017-03", "2017-04", "2017-12", "2018-01"]


# -- months ------------------------------------------------------------------------

def test_months_of_a_month_is_itself():
    assert [m.label for m in parse_period("2017-06").months()] == ["2017-06"]


@pytest.mark.parametrize("text, labels", [
    ("2017-Q1", ["2017-01", "2017-02", "2017-03"]),
    ("2017-Q2", ["2017-04", "2017-05", "2017-06"]),
    ("2017-Q3", ["2017-07", "2017-08", "2017-09"]),
    ("2017-Q4", ["2017-10", "2017-11", "2017-12"]),
])
def test_months_of_a_quarter(text, labels):
    months = list(parse_period(text).months())
    assert [m.label for m in months] == labels
    assert all(m.kind == MONTH for m in months)


def test_months_of_a_year_are_twelve_in_order():
    months = list(parse_period("2017").months())
    assert [m.label for m in months] == [f"2017-{m:02d}" for m in range(1, 13)]


# -- containing --------------------------------------------------------------------

@pytest.mark.parametrize("day, kind, label", [
    (D(2017, 3, 31), MONTH, "2017-03"),
    (D(2017, 4, 1), MONTH, "2017-04"),
    (D(2017, 3, 31), QUARTER, "2017-Q1"),
    (D(2017, 4, 1), QUARTER, "2017-Q2"),
    (D(2017, 6, 30), QUARTER, "2017-Q2"),
    (D(2017, 7, 1), QUARTER, "2017-Q3"),
    (D(2017, 9, 30), QUARTER, "2017-Q3"),
    (D(2017, 10, 1), QUARTER, "2017-Q4"),
    (D(2017, 12, 31), QUARTER, "2017-Q4"),
    (D(2017, 12, 31), YEAR, "2017"),
    (D(2018, 1, 1), YEAR, "2018"),
    (D(2018, 1, 1), QUARTER, "2018-Q1"),
    (D(2020, 2, 29), MONTH, "2020-02"),
])
def test_containing(day, kind, label):
    period = Period.containing(day, kind)
    assert period.label == label
    assert period.kind == kind
    assert period.contains(day)


def test_containing_rejects_an_unknown_kind():
    with pytest.raises(ValueError, match="week"):
        Period.containing(D(2017, 6, 1), "week")


# -- parse_date ---------------------------------------------------------------------

def test_parse_date_reads_iso_dates():
    assert parse_date("2017-06-03", "heldOn") == D(2017, 6, 3)
    assert parse_date(" 2020-02-29 ", "heldOn") == D(2020, 2, 29)


def test_parse_date_passes_a_date_through():
    assert parse_date(D(2017, 6, 3), "heldOn") == D(2017, 6, 3)


@pytest.mark.parametrize("text", [
    "2017-02-30", "2017-02-29", "2017-13-01", "2017-04-31", "2017-00-10",
    "2017-6-3", "2017/06/03", "03-06-2017", "yesterday", "", "20170603",
    "2017-06-03T00:00:00", None, 20170603,
])
def test_parse_date_rejects_non_dates_naming_the_field(text):
    with pytest.raises(BadInput) as err:
        parse_date(text, "heldOn")
    assert err.value.field == "heldOn"


def test_parse_date_names_whatever_field_it_is_given():
    with pytest.raises(BadInput) as err:
        parse_date("yesterday", "joinedOn")
    assert err.value.field == "joinedOn"
    assert "YYYY-MM-DD" in err.value.message


def test_parse_date_says_an_impossible_day_is_not_in_the_calendar():
    with pytest.raises(BadInput) as err:
        parse_date("2017-02-30", "heldOn")
    assert "2017-02-30" in err.value.message
    assert "calendar" in err.value.message


# -- half years and report periods (年中观摩: "2017-H1") ---------------------------------

from shared.periods import (ALL_KINDS, HALF, parse_report_kind,  # noqa: E402
                            parse_report_period)


@pytest.mark.parametrize("text, start, end", [
    ("2017-H1", D(2017, 1, 1), D(2017, 6, 30)),
    ("2017-H2", D(2017, 7, 1), D(2017, 12, 31)),
    (" 2020-H1 ", D(2020, 1, 1), D(2020, 6, 30)),
])
def test_a_half_year_is_read_where_asked_for(text, start, end):
    period = parse_period(text, kinds=ALL_KINDS)
    assert (period.start, period.end, period.kind) == (start, end, HALF)
    assert period.label == text.strip()


@pytest.mark.parametrize("text", ["2017-H0", "2017-H3", "2017-h1", "2017-H", "1920-H1",
                                  "2017-H12"])
def test_a_bad_half_year_is_bad_input(text):
    with pytest.raises(BadInput) as err:
        parse_period(text, kinds=ALL_KINDS)
    assert err.value.field == "period"


def test_a_half_year_names_its_halves_when_wrong():
    with pytest.raises(BadInput) as err:
        parse_period("2017-H3", kinds=ALL_KINDS)
    assert "H1 and H2" in err.value.message


def test_a_quota_period_is_never_a_half_year():
    # closePeriod and compliance read quota periods: "2017-H1" is none of them
    with pytest.raises(BadInput) as err:
        parse_period("2017-H1")
    assert "H1" not in err.value.message.replace("'2017-H1'", "")


@pytest.mark.parametrize("day, label", [
    (D(2017, 1, 1), "2017-H1"), (D(2017, 6, 30), "2017-H1"),
    (D(2017, 7, 1), "2017-H2"), (D(2017, 12, 31), "2017-H2")])
def test_the_half_year_containing_a_day(day, label):
    assert Period.containing(day, HALF).label == label


def test_the_half_after_h2_is_next_years_h1():
    assert parse_period("2017-H2", kinds=ALL_KINDS).next().label == "2018-H1"
    assert parse_period("2017-H1", kinds=ALL_KINDS).next().label == "2017-H2"


@pytest.mark.parametrize("text, labels", [
    ("2017-06", ["2017-06"]),
    ("2017-Q2", ["2017-04", "2017-05", "2017-06", "2017-Q2"]),
    ("2017-H1", ["2017-01", "2017-02", "2017-03", "2017-04", "2017-05", "2017-06",
                 "2017-Q1", "2017-Q2"]),
    ("2017-H2", ["2017-07", "2017-08", "2017-09", "2017-10", "2017-11", "2017-12",
                 "2017-Q3", "2017-Q4"]),
    ("2017", [f"2017-{m:02d}" for m in range(1, 13)]
     + ["2017-Q1", "2017-Q2", "2017-Q3", "2017-Q4", "2017"]),
])
def test_the_quota_periods_within_a_period(text, labels):
    assert [p.label for p in parse_period(text, kinds=ALL_KINDS).within()] == labels


@pytest.mark.parametrize("kind, text, label", [
    ("MONTHLY", "2017-06", "2017-06"), ("QUARTERLY", "2017-Q2", "2017-Q2"),
    ("MIDYEAR", "2017-H1", "2017-H1"), ("MIDYEAR", "2017-H2", "2017-H2"),
    ("ANNUAL", "2017", "2017")])
def test_a_report_period_of_its_kinds_shape(kind, text, label):
    assert parse_report_period(kind, text).label == label


@pytest.mark.parametrize("kind, text, says", [
    ("MONTHLY", "2017-Q2", '"2017-06"'), ("QUARTERLY", "2017-06", '"2017-Q2"'),
    ("MIDYEAR", "2017", '"2017-H1"'), ("MIDYEAR", "2017-Q2", '"2017-H1"'),
    ("ANNUAL", "2017-H1", '"2017"'), ("ANNUAL", "2017-13", "01 to 12"),
    ("MIDYEAR", "2017-H3", "H1 and H2"), ("QUARTERLY", "2017/2", "2017-H1")])
def test_a_report_period_of_another_shape_is_bad_input_on_period(kind, text, says):
    with pytest.raises(BadInput) as err:
        parse_report_period(kind, text)
    assert err.value.field == "period"
    assert says in err.value.message


@pytest.mark.parametrize("kind", ["WEEKLY", "annual", "", None, 3])
def test_an_unknown_report_kind_is_bad_input_on_kind(kind):
    with pytest.raises(BadInput) as err:
        parse_report_kind(kind)
    assert err.value.field == "kind"
    assert "MIDYEAR" in err.value.message
    with pytest.raises(BadInput) as err:
        parse_report_period(kind, "2017")
    assert err.value.field == "kind"
