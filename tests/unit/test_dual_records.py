"""Dual records (services/scoring/domain/dual_records.py): which fact of an
activity counts where, guests at a contact branch, and who is a cadre."""
import datetime as dt

import pytest

from services.scoring.domain.dual_records import (
    ACTIVITY_DAYS, COUNTERS, DEMOCRATIC_LIFE_MEETINGS, DUAL_ORG_LIFE, DUES_MONTHS_PAID,
    GRASSROOTS_VISITS, ORG_LIFE_KINDS, ORG_LIFE_MEETINGS, VOLUNTEER_SERVICES, activity_counts,
    cadre_day, contacts_on, dues_counts, is_cadre, record, visit_counts)
from shared.vocabulary import (ABSENT, ACTIVITY_DAY, CENTRAL_GROUP_STUDY, COMMITTEE_MEETING,
                               DEMOCRATIC_LIFE_MEETING, EXCUSED, GENERAL_MEETING, GROUP_MEETING,
                               ORG_LIFE_MEETING, PARTY_LECTURE, PRESENT, VOLUNTEER_SERVICE,
                               WINTER_TRAINING)

BRANCH = ["city", "bureau", "committee", "branch"]
GROUP = BRANCH + ["group"]
OTHER = ["city", "bureau", "committee", "other"]
CONTACT = {"cadre": [("/city/bureau/committee/branch/", dt.date(2017, 3, 1))]}


def activity(kind, *lines, guests=(), held_on="2017-06-03", org_path=BRANCH):
    return {"kind": kind, "held_on": held_on, "org_path": org_path,
            "attendance": [{"member_id": m, "status": s} for m, s in lines],
            "guest_ids": list(guests)}


def counts(payload, contacts=None):
    contacts = CONTACT if contacts is None else contacts
    return activity_counts(payload, lambda m: contacts.get(m, ()))


def test_organisational_life_is_the_three_meetings_the_lecture_and_the_org_life_meeting():
    assert set(ORG_LIFE_KINDS) == {GENERAL_MEETING, COMMITTEE_MEETING, GROUP_MEETING,
                                   PARTY_LECTURE, ORG_LIFE_MEETING}


def test_present_at_an_activity_day_counts_a_day_absent_or_excused_nothing():
    got = counts(activity(ACTIVITY_DAY, ("a", PRESENT), ("b", ABSENT), ("c", EXCUSED)))
    assert got == {("a", ACTIVITY_DAYS): 1}


@pytest.mark.parametrize("kind", ORG_LIFE_KINDS)
def test_each_kind_of_organisational_life_counts_for_the_holders_attendance(kind):
    got = counts(activity(kind, ("a", PRESENT), ("b", ABSENT)))
    assert got == {("a", ORG_LIFE_MEETINGS): 1}


@pytest.mark.parametrize("kind", [CENTRAL_GROUP_STUDY, WINTER_TRAINING])
def test_other_kinds_count_nowhere(kind):
    assert counts(activity(kind, ("a", PRESENT), guests=["cadre"])) == \
        {("cadre", GRASSROOTS_VISITS): 1}  # a guest at a contact branch all the same


def test_a_democratic_life_meeting_counts_for_the_present_and_the_guests():
    got = counts(activity(DEMOCRATIC_LIFE_MEETING, ("a", PRESENT), ("b", ABSENT),
                          guests=["g"]))
    assert got == {("a", DEMOCRATIC_LIFE_MEETINGS): 1, ("g", DEMOCRATIC_LIFE_MEETINGS): 1}


def test_volunteer_service_and_activity_days_count_guests_as_present():
    assert counts(activity(VOLUNTEER_SERVICE, ("a", PRESENT), guests=["g"])) == {
        ("a", VOLUNTEER_SERVICES): 1, ("g", VOLUNTEER_SERVICES): 1}
    assert counts(activity(ACTIVITY_DAY, guests=["g"])) == {("g", ACTIVITY_DAYS): 1}


def test_a_guest_at_organisational_life_elsewhere_is_not_the_own_branchs():
    assert counts(activity(GENERAL_MEETING, ("a", PRESENT), guests=["g"])) == {
        ("a", ORG_LIFE_MEETINGS): 1}


@pytest.mark.parametrize("kind", ORG_LIFE_KINDS)
def test_a_cadre_guest_at_a_contact_branchs_organisational_life_counts_dual_and_a_visit(kind):
    got = counts(activity(kind, ("a", PRESENT), guests=["cadre"]))
    assert got == {("a", ORG_LIFE_MEETINGS): 1, ("cadre", DUAL_ORG_LIFE): 1,
                   ("cadre", GRASSROOTS_VISITS): 1}


def test_a_party_group_of_the_contact_branch_is_the_contact_branchs():
    got = counts(activity(GROUP_MEETING, guests=["cadre"], org_path=GROUP))
    assert got == {("cadre", DUAL_ORG_LIFE): 1, ("cadre", GRASSROOTS_VISITS): 1}


def test_another_branch_or_a_day_before_the_contact_is_not_a_contact_visit():
    assert counts(activity(COMMITTEE_MEETING, guests=["cadre"], org_path=OTHER)) == {}
    assert counts(activity(COMMITTEE_MEETING, guests=["cadre"], held_on="2017-02-28")) == {}
    # the day of the assignment is in
    assert counts(activity(COMMITTEE_MEETING, guests=["cadre"], held_on="2017-03-01")) == {
        ("cadre", DUAL_ORG_LIFE): 1, ("cadre", GRASSROOTS_VISITS): 1}


def test_a_guest_at_a_contact_branchs_activity_day_counts_the_day_and_a_visit_not_dual():
    assert counts(activity(ACTIVITY_DAY, guests=["cadre"])) == {
        ("cadre", ACTIVITY_DAYS): 1, ("cadre", GRASSROOTS_VISITS): 1}


def test_a_branch_path_is_matched_whole_not_by_a_prefix_of_an_id():
    contacts = [("/city/bureau/committee/bran/", dt.date(2017, 1, 1))]
    assert not contacts_on(contacts, BRANCH, dt.date(2017, 6, 1))
    assert contacts_on([(BRANCH, dt.date(2017, 1, 1))], "/city/bureau/committee/branch/",
                       dt.date(2017, 6, 1))


def test_a_member_listed_twice_counts_once():
    got = counts(activity(ACTIVITY_DAY, ("a", PRESENT), ("a", PRESENT), guests=["a"]))
    assert got == {("a", ACTIVITY_DAYS): 1}


def test_visits_and_dues_count_one_each():
    assert visit_counts("m") == {("m", GRASSROOTS_VISITS): 1}
    assert dues_counts("m") == {("m", DUES_MONTHS_PAID): 1}


@pytest.mark.parametrize("year, today, day", [
    (2016, dt.date(2017, 6, 3), dt.date(2016, 12, 31)),   # a year gone by: Dec 31
    (2017, dt.date(2017, 6, 3), dt.date(2017, 6, 3)),     # this year: today
    (2017, dt.date(2017, 12, 31), dt.date(2017, 12, 31)),
    (2018, dt.date(2017, 6, 3), dt.date(2017, 6, 3)),     # a year to come: today
])
def test_the_day_whose_roles_make_a_cadre(year, today, day):
    assert cadre_day(year, today) == day


@pytest.mark.parametrize("roles, cadre", [
    (["bureau_committee"], True), (["bureau_secretary"], True), (["county_cadre"], True),
    (["member", "secretary"], False), (["branch_committee"], False), ([], False),
    (None, False)])
def test_a_cadre_holds_a_cadre_role(roles, cadre):
    assert is_cadre(roles) is cadre


def test_a_record_has_every_counter_zero_when_never_counted():
    got = record({ACTIVITY_DAYS: 3}, True)
    assert got == {"cadre": True, **{c: (3 if c == ACTIVITY_DAYS else 0) for c in COUNTERS}}
    assert len(COUNTERS) == 7
