"""The gateway's part of the ledger (gateway/schema/scoring.py): whether a
caller saw a member all year (then the running totals answer), the day a
month's dues count for, and who is a cadre on the service's day."""
import datetime as dt

import pytest

from gateway.auth import Principal
from gateway.schema.scoring import _month_day, is_cadre, seen_all_year

ONE, TWO = ["city", "one", "k1", "a"], ["city", "two", "k2", "c"]


def member(*history, role_history=None):
    return {"id": "m", "roles": ["member"], "branch_id": history[-1][0][-1],
            "branch_path": history[-1][0],
            "history": [{"branch_id": p[-1], "group_id": None, "branch_path": p,
                         "valid_from": f, "valid_to": t} for p, f, t in history],
            "role_history": role_history}


def caller(scope):
    return Principal("u", scope, frozenset({"secretary"}))


MOVED = member((TWO, None, "2017-06-01"), (ONE, "2017-06-01", None))


@pytest.mark.parametrize("scope, year, seen", [
    ("*", 2017, True),
    ("one", 2017, False),     # bureau two's half of the year is not bureau one's
    ("one", 2018, True),      # all of it in bureau one
    ("one", 2016, False),
    ("two", 2016, True),
    ("two", 2017, False),
    ("a", 2018, True),
])
def test_a_caller_sees_a_transferred_members_year_only_where_they_saw_every_part(
        scope, year, seen):
    assert seen_all_year(caller(scope), MOVED, year) is seen


def test_a_membership_ending_on_new_years_day_is_not_part_of_that_year():
    moved = member((TWO, None, "2018-01-01"), (ONE, "2018-01-01", None))
    assert seen_all_year(caller("one"), moved, 2018)
    assert not seen_all_year(caller("one"), moved, 2017)


@pytest.mark.parametrize("month, day", [
    ("2017-05", dt.date(2017, 5, 31)), ("2017-02", dt.date(2017, 2, 28)),
    ("2016-02", dt.date(2016, 2, 29)), ("2016-12", dt.date(2016, 12, 31)),
    ("2017-06", dt.date(2017, 6, 15)),    # this month: today
    ("2017-13", None), ("June", None), (None, None)])
def test_the_day_a_months_dues_count_for(month, day):
    assert _month_day(month, dt.date(2017, 6, 15)) == day


def test_a_cadre_by_the_roles_held_on_the_services_day():
    history = [{"roles": ["member"], "valid_from": None, "valid_to": "2017-07-01"},
               {"roles": ["county_cadre"], "valid_from": "2017-07-01", "valid_to": None}]
    promoted = {**member((ONE, None, None)), "roles": ["county_cadre"],
                "role_history": history}
    assert not is_cadre(promoted, "2017-06-30")
    assert is_cadre(promoted, "2017-07-01")
    assert is_cadre(promoted, "2017-12-31")
