"""A member's roles through time and contact branches (联系点)
(services/organization/domain/roles.py)."""
import datetime as dt

import pytest

from services.organization.domain.roles import (APPEND, REPLACE, UNCHANGED, clean_roles,
                                                role_change, roles_on, validate_contact)
from shared.errors import BadInput
from shared.vocabulary import MEMBER_ROLES, ROLE_TITLES

D = dt.date
TODAY = D(2017, 6, 30)
HISTORY = [
    {"roles": ["member"], "valid_from": None, "valid_to": D(2016, 3, 1)},
    {"roles": ["branch_committee", "member"], "valid_from": D(2016, 3, 1),
     "valid_to": D(2017, 5, 1)},
    {"roles": ["member", "secretary"], "valid_from": D(2017, 5, 1), "valid_to": None},
]


def bad(call, field):
    with pytest.raises(BadInput) as err:
        call()
    assert err.value.field == field
    return err.value.message


# -- roles judged on the day ----------------------------------------------------------

@pytest.mark.parametrize("day, roles", [
    (None, ["member", "secretary"]),
    (D(2010, 1, 1), ["member"]),
    (D(2016, 2, 29), ["member"]),
    (D(2016, 3, 1), ["branch_committee", "member"]),
    ("2017-04-30", ["branch_committee", "member"]),
    (D(2017, 5, 1), ["member", "secretary"]),
    (TODAY, ["member", "secretary"]),
])
def test_the_roles_are_those_in_force_on_the_day(day, roles):
    assert roles_on(HISTORY, day) == roles


def test_a_day_before_the_first_recorded_roles_gets_the_first_ones():
    history = [{"roles": ["member", "county_cadre"], "valid_from": D(2015, 1, 1),
                "valid_to": None}]
    assert roles_on(history, D(2014, 1, 1)) == ["member", "county_cadre"]
    assert roles_on([], TODAY) is None


def test_roles_are_cleaned_sorted_and_always_hold_member():
    assert clean_roles(["secretary", "secretary"]) == ["member", "secretary"]
    assert clean_roles([]) == clean_roles(None) == ["member"]
    assert "county" in bad(lambda: clean_roles(["secretary", "county"]), "roles")
    assert bad(lambda: clean_roles("secretary"), "roles")
    assert bad(lambda: clean_roles([3]), "roles")


def test_the_chinese_titles_name_every_role_once():
    assert sorted(ROLE_TITLES.values()) == sorted(MEMBER_ROLES)


# -- a change of roles ----------------------------------------------------------------

CURRENT = {"roles": ["member", "secretary"], "valid_from": D(2017, 5, 1)}


def test_a_change_after_the_last_appends_and_the_same_day_replaces():
    assert role_change(CURRENT, ["member"], D(2017, 6, 1), TODAY) == APPEND
    assert role_change(CURRENT, ["member"], TODAY, TODAY) == APPEND
    assert role_change(CURRENT, ["member"], D(2017, 5, 1), TODAY) == REPLACE
    assert role_change(CURRENT, ["member", "secretary"], TODAY, TODAY) == UNCHANGED


def test_roles_held_since_before_records_began_may_change_on_any_past_day():
    since_always = {"roles": ["member"], "valid_from": None}
    assert role_change(since_always, ["member", "secretary"], D(2001, 1, 1), TODAY) == APPEND


def test_a_day_in_the_future_or_before_the_last_change_is_bad_input():
    assert "future" in bad(lambda: role_change(CURRENT, ["member"], D(2017, 7, 1), TODAY), "on")
    assert "2017-05-01" in bad(lambda: role_change(CURRENT, ["member"], D(2017, 4, 30), TODAY),
                               "on")


# -- contact branches ------------------------------------------------------------------

BRANCH = {"id": "br", "kind": "BRANCH", "bureau_id": "b1", "name": "机关第一支部"}


@pytest.mark.parametrize("roles", [["bureau_committee", "member"], ["bureau_secretary"]])
def test_a_bureau_committee_member_contacts_a_branch_of_their_bureau(roles):
    assert validate_contact(roles, "b1", BRANCH) is None


def test_only_a_bureau_committee_member_contacts_a_branch():
    message = bad(lambda: validate_contact(["member", "secretary"], "b1", BRANCH), "memberId")
    assert "bureau_committee" in message


def test_a_branch_of_another_bureau_or_no_branch_is_refused_without_naming_it():
    message = bad(lambda: validate_contact(["bureau_committee"], "b2", BRANCH), "branchId")
    assert "another" in message and BRANCH["name"] not in message and "b1" not in message
    committee = {**BRANCH, "kind": "COMMITTEE"}
    assert "committee" in bad(lambda: validate_contact(["bureau_committee"], "b1", committee),
                              "branchId")
