"""What makes an activity record acceptable (services/activity/domain/activity.py)."""
import datetime as dt

import pytest

from services.activity.domain import (MAX_REASON, MAX_THEME, ActivityDraft, AttendanceLine,
                                      allowed_org_kinds, validate_against_org, validate_input)
from shared.errors import BadInput
from shared.vocabulary import (ABSENT, ACTIVITY_DAY, ACTIVITY_KINDS, BRANCH, BUREAU,
                               CENTRAL_GROUP_STUDY, CITY, COMMITTEE, DEMOCRATIC_LIFE_MEETING,
                               EXCUSED, GENERAL_MEETING, GROUP, GROUP_MEETING, ORG_LIFE_MEETING,
                               PARTY_LECTURE, PRESENT, WINTER_TRAINING)

TODAY = dt.date(2017, 6, 30)


def data(**overrides):
    base = {"org_id": "br1", "kind": ACTIVITY_DAY, "theme": "学习党章",
            "held_on": "2017-06-03",
            "attendance": [{"member_id": "m1", "status": PRESENT},
                           {"member_id": "m2", "status": ABSENT},
                           {"member_id": "m3", "status": EXCUSED, "reason": "出差"}]}
    base.update(overrides)
    return base


def bad(payload, today=TODAY):
    with pytest.raises(BadInput) as err:
        validate_input(payload, today)
    return err.value


# -- validate_input: good input -------------------------------------------------------

def test_good_input_gives_a_draft():
    draft = validate_input(data(), TODAY)
    assert draft == ActivityDraft(
        org_id="br1", kind=ACTIVITY_DAY, theme="学习党章", held_on=dt.date(2017, 6, 3),
        attendance=(AttendanceLine("m1", PRESENT, None), AttendanceLine("m2", ABSENT, None),
                    AttendanceLine("m3", EXCUSED, "出差")),
        speaker_id=None)


def test_theme_and_reason_are_stripped():
    draft = validate_input(data(theme="  学习党章 \n", attendance=[
        {"member_id": "m3", "status": EXCUSED, "reason": "  出差  "}]), TODAY)
    assert draft.theme == "学习党章"
    assert draft.attendance[0].reason == "出差"


def test_blank_reason_on_present_is_none():
    draft = validate_input(data(attendance=[
        {"member_id": "m1", "status": PRESENT, "reason": "   "}]), TODAY)
    assert draft.attendance == (AttendanceLine("m1", PRESENT, None),)


def test_attendance_may_be_empty():
    assert validate_input(data(attendance=[]), TODAY).attendance == ()


def test_held_today_is_accepted():
    assert validate_input(data(held_on=TODAY.isoformat()), TODAY).held_on == TODAY


def test_theme_of_exactly_the_maximum_length_is_accepted():
    assert len(validate_input(data(theme="主" * MAX_THEME), TODAY).theme) == MAX_THEME


def test_speaker_is_kept():
    draft = validate_input(data(kind=PARTY_LECTURE, speaker_id="m9"), TODAY)
    assert draft.speaker_id == "m9"
    assert validate_input(data(speaker_id=""), TODAY).speaker_id is None


@pytest.mark.parametrize("kind", ACTIVITY_KINDS)
def test_every_kind_is_accepted(kind):
    assert validate_input(data(kind=kind), TODAY).kind == kind


# -- validate_input: bad input names the field --------------------------------------------

def test_not_an_object():
    assert bad(["not", "a", "dict"]).field == "input"


@pytest.mark.parametrize("org_id", [None, "", 42])
def test_missing_org_id(org_id):
    payload = data(org_id=org_id)
    assert bad(payload).field == "orgId"


def test_absent_org_id_key():
    payload = data()
    del payload["org_id"]
    assert bad(payload).field == "orgId"


@pytest.mark.parametrize("kind", [None, "", "PICNIC", "activity_day"])
def test_unknown_kind(kind):
    err = bad(data(kind=kind))
    assert err.field == "kind"
    assert ACTIVITY_DAY in err.message     # lists the kinds that exist


@pytest.mark.parametrize("theme", [None, "", "   ", "\n\t", 7])
def test_empty_or_blank_theme(theme):
    assert bad(data(theme=theme)).field == "theme"


def test_theme_too_long():
    err = bad(data(theme="主" * (MAX_THEME + 1)))
    assert err.field == "theme"
    assert str(MAX_THEME + 1) in err.message and str(MAX_THEME) in err.message


@pytest.mark.parametrize("held_on", ["2017-02-30", "2017-6-3", "yesterday", None, ""])
def test_bad_date(held_on):
    assert bad(data(held_on=held_on)).field == "heldOn"


def test_future_date():
    tomorrow = TODAY + dt.timedelta(days=1)
    err = bad(data(held_on=tomorrow.isoformat()))
    assert err.field == "heldOn"
    assert "future" in err.message


def test_attendance_not_a_list():
    assert bad(data(attendance={"m1": PRESENT})).field == "attendance"
    assert bad(data(attendance=None)).field == "attendance"


def test_duplicate_member():
    err = bad(data(attendance=[{"member_id": "m1", "status": PRESENT},
                               {"member_id": "m2", "status": PRESENT},
                               {"member_id": "m1", "status": ABSENT}]))
    assert err.field == "attendance[2].memberId"
    assert "m1" in err.message


@pytest.mark.parametrize("line", [{"status": PRESENT}, {"member_id": "", "status": PRESENT},
                                  {"member_id": 5, "status": PRESENT}, "m1"])
def test_line_without_a_member(line):
    err = bad(data(attendance=[{"member_id": "m0", "status": PRESENT}, line]))
    assert err.field == "attendance[1].memberId"


@pytest.mark.parametrize("status", [None, "LATE", "present"])
def test_unknown_status(status):
    err = bad(data(attendance=[{"member_id": "m1", "status": status}]))
    assert err.field == "attendance[0].status"
    assert EXCUSED in err.message


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_excused_without_reason(reason):
    line = {"member_id": "m1", "status": EXCUSED}
    if reason is not None:
        line["reason"] = reason
    err = bad(data(attendance=[{"member_id": "m0", "status": PRESENT}, line]))
    assert err.field == "attendance[1].reason"


def test_reason_not_text():
    err = bad(data(attendance=[{"member_id": "m1", "status": EXCUSED, "reason": 3}]))
    assert err.field == "attendance[0].reason"


def test_reason_too_long():
    err = bad(data(attendance=[{"member_id": "m1", "status": EXCUSED,
                                "reason": "x" * (MAX_REASON + 1)}]))
    assert err.field == "attendance[0].reason"


def test_speaker_must_be_a_member_id():
    assert bad(data(speaker_id=17)).field == "speakerId"


def test_first_problem_is_reported():
    err = bad(data(org_id="", kind="PICNIC", theme=""))
    assert err.field == "orgId"


# -- validate_against_org -------------------------------------------------------------------

def org(kind, name="第一支部"):
    return {"id": "o1", "kind": kind, "name": name, "path": ["c", "o1"], "bureau_id": "b"}


def draft(kind=ACTIVITY_DAY, members=("m1", "m2"), speaker=None):
    return ActivityDraft("o1", kind, "t", dt.date(2017, 6, 3),
                         tuple(AttendanceLine(m, PRESENT, None) for m in members), speaker)


def test_all_attendees_members_is_accepted():
    assert validate_against_org(draft(), org(BRANCH), {"m1", "m2", "m3"}) is None


def test_attendee_not_a_member_is_named():
    with pytest.raises(BadInput) as err:
        validate_against_org(draft(members=("m1", "x9", "x7")), org(BRANCH), {"m1", "m2"})
    assert err.value.field == "attendance"
    assert "x9" in err.value.message and "x7" in err.value.message
    assert "m1" not in err.value.message
    assert "2017-06-03" in err.value.message


def test_speaker_who_was_no_member_that_day_is_named():
    with pytest.raises(BadInput) as err:
        validate_against_org(draft(kind=PARTY_LECTURE, speaker="s9"), org(BRANCH),
                             {"m1", "m2"}, {"s9": None})
    assert err.value.field == "speakerId"
    assert "s9" in err.value.message and "2017-06-03" in err.value.message


def elsewhere(bureau_id="b"):
    return {"branch_id": "o2", "branch_path": ["c", "o2"], "bureau_id": bureau_id}


def test_speaker_from_another_branch_or_bureau_is_accepted():
    # the gateway decides whether the caller may name them
    for bureau_id in ("b", "other"):
        assert validate_against_org(draft(kind=PARTY_LECTURE, speaker="s9"), org(BRANCH),
                                    {"m1", "m2"}, {"s9": elsewhere(bureau_id)}) is None


def guests(*ids, **overrides):
    return ActivityDraft("o1", ORG_LIFE_MEETING, "t", dt.date(2017, 6, 3),
                         (AttendanceLine("m1", PRESENT, None),), guest_ids=ids, **overrides)


def test_guests_from_other_branches_of_the_bureau_are_accepted():
    assert validate_against_org(guests("g1", "g2"), org(BRANCH), {"m1", "m2"},
                                {"g1": elsewhere(), "g2": elsewhere()}) is None


@pytest.mark.parametrize("extra, message", [
    ({"g1": elsewhere(), "m2": elsewhere()}, "belonged to 第一支部"),
    ({"g1": elsewhere(), "g2": None}, "not a party member on 2017-06-03"),
    ({"g1": elsewhere(), "g2": elsewhere("other")}, "same bureau as 第一支部"),
])
def test_a_bad_guest_is_named_by_its_place_and_not_by_its_id(extra, message):
    second = [m for m in extra if m != "g1"][0]
    with pytest.raises(BadInput) as err:
        validate_against_org(guests("g1", second), org(BRANCH), {"m1", "m2"}, extra)
    assert err.value.field == "guestIds[1]"
    assert message in err.value.message and second not in err.value.message


def test_guests_are_checked_on_the_input_alone():
    assert validate_input(data(guest_ids=["g1", "g2"]), TODAY).guest_ids == ("g1", "g2")
    assert validate_input(data(guest_ids=None), TODAY).guest_ids == ()
    assert bad(data(guest_ids="g1")).field == "guestIds"
    assert bad(data(guest_ids=[f"g{i}" for i in range(101)])).field == "guestIds"
    assert validate_input(data(guest_ids=[f"g{i}" for i in range(100)]), TODAY).guest_ids
    for raw, index in ((["g1", 7], 1), (["g1", ""], 1), (["g1", "g1"], 1)):
        err = bad(data(guest_ids=raw))
        assert err.field == f"guestIds[{index}]" and "g1" not in err.message


def test_an_attendee_listed_as_a_guest_too_is_refused():
    attendee = data()["attendance"][0]["member_id"]
    err = bad(data(guest_ids=["g1", attendee]))
    assert err.field == "guestIds[1]" and "attendance" in err.message


def test_theme_source_defaults_to_the_superior():
    assert validate_input(data(), TODAY).theme_source == "SUPERIOR"
    assert validate_input(data(theme_source=None), TODAY).theme_source == "SUPERIOR"
    assert validate_input(data(theme_source="MEMBER"), TODAY).theme_source == "MEMBER"
    assert bad(data(theme_source="member")).field == "themeSource"


def test_speaker_who_is_a_member_is_accepted():
    assert validate_against_org(draft(kind=PARTY_LECTURE, speaker="m2"), org(BRANCH),
                                {"m1", "m2"}) is None


def test_activity_day_held_by_a_committee_is_refused():
    with pytest.raises(BadInput) as err:
        validate_against_org(draft(ACTIVITY_DAY), org(COMMITTEE, "局党委"), {"m1", "m2"})
    assert err.value.field == "orgId"
    assert "局党委" in err.value.message and "committee" in err.value.message


def test_central_group_study_held_by_a_branch_is_refused():
    with pytest.raises(BadInput) as err:
        validate_against_org(draft(CENTRAL_GROUP_STUDY), org(BRANCH), {"m1", "m2"})
    assert err.value.field == "orgId"


def test_org_kind_is_checked_before_membership():
    with pytest.raises(BadInput) as err:
        validate_against_org(draft(CENTRAL_GROUP_STUDY, members=("x1",)), org(BRANCH), set())
    assert err.value.field == "orgId"


@pytest.mark.parametrize("kind, holder", [
    (GROUP_MEETING, GROUP), (GROUP_MEETING, BRANCH), (ACTIVITY_DAY, BRANCH),
    (ACTIVITY_DAY, GROUP), (GENERAL_MEETING, BRANCH), (CENTRAL_GROUP_STUDY, COMMITTEE),
    (DEMOCRATIC_LIFE_MEETING, COMMITTEE), (WINTER_TRAINING, COMMITTEE),
])
def test_allowed_holders(kind, holder):
    assert validate_against_org(draft(kind), org(holder), {"m1", "m2"}) is None


@pytest.mark.parametrize("kind, holder", [
    (GROUP_MEETING, COMMITTEE), (WINTER_TRAINING, BRANCH), (DEMOCRATIC_LIFE_MEETING, GROUP),
    (ACTIVITY_DAY, BUREAU), (ACTIVITY_DAY, CITY), (CENTRAL_GROUP_STUDY, BUREAU),
    (GENERAL_MEETING, GROUP), (PARTY_LECTURE, GROUP), ("COMMITTEE_MEETING", GROUP),
    ("ORG_LIFE_MEETING", GROUP),
])
def test_refused_holders(kind, holder):
    with pytest.raises(BadInput) as err:
        validate_against_org(draft(kind), org(holder), {"m1", "m2"})
    assert err.value.field == "orgId"


def test_allowed_org_kinds():
    assert allowed_org_kinds(CENTRAL_GROUP_STUDY) == (COMMITTEE,)
    assert set(allowed_org_kinds(GROUP_MEETING)) == {GROUP, BRANCH}
    assert set(allowed_org_kinds(ACTIVITY_DAY)) == {BRANCH, GROUP}
    assert allowed_org_kinds(GENERAL_MEETING) == (BRANCH,)
