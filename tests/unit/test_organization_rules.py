"""The organisation tree and its members (services/organization/domain.py)."""
import datetime as dt

import pytest

from services.organization.domain import (MAX_NAME, as_date, clean_name, member_on, path_ids,
                                          republished_facts, validate_member, validate_org)
from shared.errors import BadInput
from shared.events import Envelope
from shared.vocabulary import BRANCH, BUREAU, CITY, COMMITTEE, GROUP, MEMBER_ROLES

D = dt.date
TODAY = D(2017, 6, 30)


def row(id, kind, parent_id=None, name=None):
    return {"id": id, "kind": kind, "parent_id": parent_id, "name": name or f"{kind} {id}"}


CITY_ROW = row("c", CITY, name="淄博市")
BUREAU_ROW = row("b", BUREAU, "c", name="市科技局")
COMMITTEE_ROW = row("k", COMMITTEE, "b", name="局党委")
BRANCH_ROW = row("br", BRANCH, "k", name="机关第一支部")
OTHER_BRANCH = row("br2", BRANCH, "k", name="机关第二支部")
GROUP_ROW = row("g", GROUP, "br", name="第一党小组")
OTHER_GROUP = row("g2", GROUP, "br2", name="第二支部党小组")
ROWS = {CITY: CITY_ROW, BUREAU: BUREAU_ROW, COMMITTEE: COMMITTEE_ROW, BRANCH: BRANCH_ROW,
        GROUP: GROUP_ROW}


# -- validate_org --------------------------------------------------------------------

@pytest.mark.parametrize("kind, parent", [
    (CITY, None), (BUREAU, CITY_ROW), (COMMITTEE, BUREAU_ROW), (BRANCH, COMMITTEE_ROW),
    (GROUP, BRANCH_ROW),
])
def test_each_kind_under_its_parent_kind(kind, parent):
    assert validate_org(kind, parent) is None


def test_a_city_has_no_parent():
    with pytest.raises(BadInput) as err:
        validate_org(CITY, CITY_ROW)
    assert err.value.field == "parentId"
    assert "top" in err.value.message


@pytest.mark.parametrize("kind", [BUREAU, COMMITTEE, BRANCH, GROUP])
def test_everything_below_the_city_needs_a_parent(kind):
    with pytest.raises(BadInput) as err:
        validate_org(kind, None)
    assert err.value.field == "parentId"


@pytest.mark.parametrize("kind, wrong_parent", [
    (BRANCH, BUREAU_ROW), (BRANCH, BRANCH_ROW), (BRANCH, GROUP_ROW), (BRANCH, CITY_ROW),
    (GROUP, COMMITTEE_ROW), (GROUP, GROUP_ROW), (COMMITTEE, CITY_ROW),
    (COMMITTEE, COMMITTEE_ROW), (BUREAU, BUREAU_ROW), (BUREAU, BRANCH_ROW),
])
def test_wrong_parent_kind(kind, wrong_parent):
    with pytest.raises(BadInput) as err:
        validate_org(kind, wrong_parent)
    assert err.value.field == "parentId"
    assert wrong_parent["name"] in err.value.message


def test_branch_under_a_bureau_says_it_needs_a_committee():
    with pytest.raises(BadInput) as err:
        validate_org(BRANCH, BUREAU_ROW)
    assert "committee" in err.value.message and "bureau" in err.value.message


@pytest.mark.parametrize("kind", ["DEPARTMENT", "branch", "", None])
def test_unknown_kind(kind):
    with pytest.raises(BadInput) as err:
        validate_org(kind, COMMITTEE_ROW)
    assert err.value.field == "kind"
    assert BRANCH in err.value.message


# -- clean_name ------------------------------------------------------------------------

def test_clean_name_strips():
    assert clean_name("  机关第一支部 ") == "机关第一支部"
    assert clean_name("支" * MAX_NAME) == "支" * MAX_NAME


@pytest.mark.parametrize("name", [None, "", "   ", 12, "支" * (MAX_NAME + 1)])
def test_clean_name_refuses(name):
    with pytest.raises(BadInput) as err:
        clean_name(name)
    assert err.value.field == "name"


# -- validate_member ---------------------------------------------------------------------

def member(**overrides):
    data = {"name": "张三", "roles": ["member"], "joined_on": "2010-07-01"}
    data.update(overrides)
    return data


def test_a_good_member():
    assert validate_member(member(), BRANCH_ROW, GROUP_ROW, TODAY) == (
        "张三", ["member"], D(2010, 7, 1))


def test_a_member_without_a_group():
    assert validate_member(member(), BRANCH_ROW, None, TODAY)[0] == "张三"


def test_member_role_is_always_added_and_roles_are_sorted_once_each():
    _, roles, _ = validate_member(member(roles=["secretary", "county_cadre", "secretary"]),
                                  BRANCH_ROW, None, TODAY)
    assert roles == ["county_cadre", "member", "secretary"]


@pytest.mark.parametrize("roles", [None, []])
def test_no_roles_means_member(roles):
    assert validate_member(member(roles=roles), BRANCH_ROW, None, TODAY)[1] == ["member"]


def test_every_known_role_is_accepted():
    _, roles, _ = validate_member(member(roles=list(MEMBER_ROLES)), BRANCH_ROW, None, TODAY)
    assert roles == sorted(MEMBER_ROLES)


def test_unknown_role():
    with pytest.raises(BadInput) as err:
        validate_member(member(roles=["secretary", "king"]), BRANCH_ROW, None, TODAY)
    assert err.value.field == "roles"
    assert "king" in err.value.message
    assert "secretary" in err.value.message     # lists what is allowed


def test_roles_must_be_a_list():
    with pytest.raises(BadInput) as err:
        validate_member(member(roles="secretary"), BRANCH_ROW, None, TODAY)
    assert err.value.field == "roles"


@pytest.mark.parametrize("kind", [CITY, BUREAU, COMMITTEE, GROUP])
def test_branch_must_be_a_branch(kind):
    with pytest.raises(BadInput) as err:
        validate_member(member(), ROWS[kind], None, TODAY)
    assert err.value.field == "branchId"
    assert ROWS[kind]["name"] in err.value.message


def test_group_must_belong_to_the_branch():
    with pytest.raises(BadInput) as err:
        validate_member(member(), BRANCH_ROW, OTHER_GROUP, TODAY)
    assert err.value.field == "groupId"
    # the group may be another bureau's: only the branch the caller chose is named
    assert OTHER_GROUP["name"] not in err.value.message
    assert BRANCH_ROW["name"] in err.value.message


def test_group_must_be_a_group():
    with pytest.raises(BadInput) as err:
        validate_member(member(), BRANCH_ROW, row("x", BRANCH, "br"), TODAY)
    assert err.value.field == "groupId"


def test_group_of_the_other_branch_fits_that_branch():
    assert validate_member(member(), OTHER_BRANCH, OTHER_GROUP, TODAY)[0] == "张三"


def test_joined_in_the_future():
    with pytest.raises(BadInput) as err:
        validate_member(member(joined_on="2017-07-01"), BRANCH_ROW, None, TODAY)
    assert err.value.field == "joinedOn"
    assert "future" in err.value.message


def test_joined_today_is_fine():
    assert validate_member(member(joined_on="2017-06-30"), BRANCH_ROW, None, TODAY)[2] == TODAY


@pytest.mark.parametrize("joined", [None, ""])
def test_joined_on_is_optional(joined):
    assert validate_member(member(joined_on=joined), BRANCH_ROW, None, TODAY)[2] is None


@pytest.mark.parametrize("joined", ["2017-02-30", "1 July 2010", "2010-7-1"])
def test_joined_on_must_be_a_date(joined):
    with pytest.raises(BadInput) as err:
        validate_member(member(joined_on=joined), BRANCH_ROW, None, TODAY)
    assert err.value.field == "joinedOn"


@pytest.mark.parametrize("name", [None, "", "  "])
def test_member_needs_a_name(name):
    with pytest.raises(BadInput) as err:
        validate_member(member(name=name), BRANCH_ROW, None, TODAY)
    assert err.value.field == "name"


# -- member_on --------------------------------------------------------------------------

FIRST = {"branch_id": "br", "valid_from": D(2015, 1, 1), "valid_to": D(2017, 4, 1)}
SECOND = {"branch_id": "br2", "valid_from": D(2017, 4, 1), "valid_to": None}
HISTORY = [FIRST, SECOND]


@pytest.mark.parametrize("day, branch", [
    (D(2015, 1, 1), "br"),          # valid_from is inclusive
    (D(2017, 3, 31), "br"),         # the last day before valid_to
    (D(2017, 4, 1), "br2"),         # valid_to is exclusive: the transfer day is the new branch
    (D(2030, 1, 1), "br2"),         # open-ended
])
def test_member_on_at_the_edges(day, branch):
    assert member_on(HISTORY, day)["branch_id"] == branch


def test_member_on_before_joining_is_none():
    assert member_on(HISTORY, D(2014, 12, 31)) is None


def test_member_on_after_leaving_is_none():
    assert member_on([FIRST], D(2017, 4, 1)) is None
    assert member_on([FIRST], D(2017, 3, 31)) is FIRST


def test_member_on_without_a_start_date_covers_the_past():
    rows = [{"branch_id": "br", "valid_from": None, "valid_to": None}]
    assert member_on(rows, D(1950, 1, 1)) is rows[0]


def test_member_on_with_no_history():
    assert member_on([], D(2017, 6, 1)) is None


# -- helpers -----------------------------------------------------------------------------

def test_path_ids():
    assert path_ids("/c/b/k/br/") == ["c", "b", "k", "br"]
    assert path_ids("/") == []


def test_as_date():
    assert as_date("2017-06-03") == D(2017, 6, 3)
    assert as_date(D(2017, 6, 3)) == D(2017, 6, 3)


# -- transfers ---------------------------------------------------------------------------

from services.organization.domain import validate_transfer  # noqa: E402

TRANSFER_TODAY = D(2017, 9, 1)
BRANCH_ROW = {"id": "b2", "name": "第二支部", "kind": "BRANCH", "parent_id": "c"}
GROUP_ROW = {"id": "g2", "name": "第一小组", "kind": "GROUP", "parent_id": "b2"}
CURRENT = {"branch_id": "b1", "group_id": None, "valid_from": D(2017, 1, 1), "valid_to": None}


def transfer_error(**changes):
    args = {"current": CURRENT, "target": BRANCH_ROW, "group": None, "on": D(2017, 6, 15),
            "today": TRANSFER_TODAY, **changes}
    with pytest.raises(BadInput) as err:
        validate_transfer(**args)
    return err.value


def test_a_transfer_to_another_branch_is_allowed():
    assert validate_transfer(CURRENT, BRANCH_ROW, GROUP_ROW, D(2017, 6, 15), TRANSFER_TODAY) is None
    assert validate_transfer({**CURRENT, "valid_from": None}, BRANCH_ROW, None,
                             D(2017, 9, 1), TRANSFER_TODAY) is None


def test_a_transfer_to_a_group_within_the_same_branch_is_allowed():
    same = {**BRANCH_ROW, "id": "b1"}
    group = {**GROUP_ROW, "parent_id": "b1"}
    assert validate_transfer(CURRENT, same, group, D(2017, 6, 15), TRANSFER_TODAY) is None


@pytest.mark.parametrize("changes, field, words", [
    ({"target": {**BRANCH_ROW, "kind": "COMMITTEE"}}, "branchId", "committee"),
    ({"group": {**GROUP_ROW, "parent_id": "elsewhere"}}, "groupId", "not a party group"),
    ({"on": D(2017, 9, 2)}, "on", "future"),
    ({"on": D(2017, 1, 1)}, "on", "after"),
    ({"current": {**CURRENT, "valid_to": D(2017, 5, 1)}}, "memberId", "left"),
    ({"target": {**BRANCH_ROW, "id": "b1"}}, "branchId", "already"),
])
def test_a_bad_transfer_says_what_is_wrong(changes, field, words):
    err = transfer_error(**changes)
    assert err.field == field and words in err.message


# -- republished_facts ---------------------------------------------------------------

def test_republished_facts_tell_each_org_and_each_member_as_they_are_now():
    """A member who moved is told at their current branch (in that branch's
    bureau), and their last move is told after every registration, so a copy
    that missed the move is corrected; a member who never moved is told once."""
    orgs = [{"id": i, "name": f"org {i}", "kind": kind, "parent_id": parent,
             "bureau_id": "b1", "path": path}
            for i, kind, parent, path in (("b1", BUREAU, "c", "/c/b1/"),
                                          ("k1", COMMITTEE, "b1", "/c/b1/k1/"),
                                          ("br1", BRANCH, "k1", "/c/b1/k1/br1/"))]
    branches = {"br1": {"bureau_id": "b1"}, "br9": {"bureau_id": "b2"}}

    def membership(branch, since, until=None, group=None):
        return {"branch_id": branch, "group_id": group, "valid_from": since, "valid_to": until}

    people = [
        ({"id": "m1", "name": "甲", "roles": ["secretary"]}, [membership("br1", None)]),
        ({"id": "m2", "name": "乙", "roles": ["member"]},
         [membership("br1", D(2016, 1, 1), D(2017, 5, 1)),
          membership("br9", D(2017, 5, 1), group="g9")]),
    ]
    facts = republished_facts(orgs, people, branches, lambda org: D(2016, 12, 1))
    assert [(t, b, p.get("org_id") or p.get("member_id")) for t, b, p in facts] == [
        ("organization_created", "b1", "b1"), ("organization_created", "b1", "k1"),
        ("organization_created", "b1", "br1"),
        ("member_registered", "b1", "m1"), ("member_registered", "b2", "m2"),
        ("member_transferred", "b2", "m2")]
    assert facts[1][2] == {"org_id": "k1", "name": "org k1", "kind": COMMITTEE,
                           "parent_id": "b1", "path": ["c", "b1", "k1"],
                           "created_on": "2016-12-01"}
    assert facts[3][2] == {"member_id": "m1", "name": "甲", "branch_id": "br1",
                           "group_id": None, "roles": ["secretary"], "joined_on": None}
    assert facts[4][2] == {"member_id": "m2", "name": "乙", "branch_id": "br9",
                           "group_id": "g9", "roles": ["member"], "joined_on": "2016-01-01"}
    assert facts[5][2] == {"member_id": "m2", "from_branch_id": "br1", "branch_id": "br9",
                           "group_id": "g9", "on": "2017-05-01"}
    # each is a valid event of the catalogue
    for event_type, bureau_id, payload in facts:
        Envelope.new(event_type, bureau_id, payload)
