"""The rules of households (联户), pairing (结对帮扶) and pledges (亮身份亮承诺),
pure: what may be registered, made and settled, and when an OPEN pledge
reads OVERDUE."""
import datetime as dt

import pytest

from services.activity.domain import households, pledges
from services.scoring.domain import points
from shared.errors import BadInput, Conflict
from tests.unit.test_gateway import FakeServices, run

D = dt.date
TODAY = D(2017, 6, 15)
MEMBER = {"id": "m1", "bureau_id": "b1", "branch_id": "br1"}


def household(**changes):
    return {"member_id": "m1", "name": "张家", "address": "一路1号", "phone": "13800000000",
            "in_difficulty": False, "paired_cadre_id": None, **changes}


def test_a_household_needs_a_name_and_an_address_of_at_most_200_characters():
    draft = households.validate_household(household(name="  张家 "))
    assert (draft.name, draft.in_difficulty, draft.phone) == ("张家", False, "13800000000")
    for field, value in (("name", " "), ("address", ""), ("name", None), ("address", "x" * 201)):
        with pytest.raises(BadInput) as err:
            households.validate_household(household(**{field: value}))
        assert err.value.field == field
    assert households.validate_household(household(phone=None)).phone is None


def test_a_sixth_household_is_refused_and_a_fifth_is_not():
    for registered in range(5):
        households.check_room(registered)
    with pytest.raises(BadInput, match="at most 5"):
        households.check_room(5)


def test_only_a_household_in_difficulty_is_paired():
    with pytest.raises(BadInput, match="in difficulty") as err:
        households.validate_household(household(paired_cadre_id="c1"))
    assert err.value.field == "pairedCadreId"
    draft = households.validate_household(household(in_difficulty=True, paired_cadre_id="c1"))
    assert draft.paired_cadre_id == "c1"


def paired():
    return households.validate_household(household(in_difficulty=True, paired_cadre_id="c1"))


def test_the_cadre_holds_county_cadre_today_in_the_members_bureau():
    cadre = {"id": "c1", "bureau_id": "b1"}
    households.check_pairing(paired(), MEMBER, cadre, ["member", "county_cadre"])
    refusals = [(cadre, ["member", "secretary"]),          # not a county-level cadre
                ({"id": "c1", "bureau_id": "b2"}, ["county_cadre"]),  # another bureau
                (None, [])]                                  # no such member
    messages = set()
    for who, roles in refusals:
        with pytest.raises(BadInput) as err:
            households.check_pairing(paired(), MEMBER, who, roles)
        assert err.value.field == "pairedCadreId"
        messages.add(err.value.message)
    assert len(messages) == 1  # the same words: nothing told about ids elsewhere
    households.check_pairing(households.validate_household(household()), MEMBER, None, [])


def test_a_visit_is_not_in_the_future_and_has_a_note():
    visit = households.validate_visit("h1", "2017-06-15", " 走访 ", TODAY)
    assert (visit.on, visit.note) == (TODAY, "走访")
    with pytest.raises(BadInput) as err:
        households.validate_visit("h1", "2017-06-16", "走访", TODAY)
    assert err.value.field == "on"
    with pytest.raises(BadInput) as err:
        households.validate_visit("h1", "2017-06-15", "  ", TODAY)
    assert err.value.field == "note"


def pledge(**changes):
    return {"member_id": "m1", "year": 2017, "area": "SERVICE", "content": "帮扶两户",
            "due": "2017-09-30", **changes}


def test_a_pledge_is_due_within_its_year_and_not_before_today():
    draft = pledges.validate_pledge(pledge(), TODAY)
    assert (draft.year, draft.due, draft.area) == (2017, D(2017, 9, 30), "SERVICE")
    assert pledges.validate_pledge(pledge(due="2017-06-15"), TODAY).due == TODAY
    for due in ("2018-01-01", "2017-06-14", "2016-12-31"):
        with pytest.raises(BadInput) as err:
            pledges.validate_pledge(pledge(due=due), TODAY)
        assert err.value.field == "due"


def test_a_pledge_due_next_year_is_refused_naming_the_year():
    with pytest.raises(BadInput, match="not in 2017"):
        pledges.validate_pledge(pledge(due="2018-03-01"), TODAY)


def test_a_pledge_has_an_area_and_content_of_at_most_1000_characters():
    for field, value in (("area", "OTHER"), ("content", " "), ("content", "x" * 1001),
                         ("year", "2017"), ("year", True)):
        with pytest.raises(BadInput) as err:
            pledges.validate_pledge(pledge(**{field: value}), TODAY)
        assert err.value.field == field
    assert pledges.validate_pledge(pledge(content="x" * 1000), TODAY)


def test_a_third_pledge_of_the_year_is_refused():
    pledges.check_room(0, 2017)
    pledges.check_room(1, 2017)
    with pytest.raises(BadInput, match="at most 2"):
        pledges.check_room(2, 2017)


def test_an_open_pledge_reads_overdue_from_the_day_after_its_due_day():
    due = D(2017, 6, 30)
    assert pledges.state_on("OPEN", due, D(2017, 6, 30)) == "OPEN"   # the due day itself
    assert pledges.state_on("OPEN", due, D(2017, 7, 1)) == "OVERDUE"
    assert pledges.is_overdue("OPEN", due, D(2017, 7, 1))
    assert not pledges.is_overdue("OPEN", due, due)
    for settled in ("FULFILLED", "UNFULFILLED"):
        assert pledges.state_on(settled, due, D(2018, 1, 1)) == settled


MADE = D(2017, 3, 1)
DUE = D(2017, 6, 30)


def test_settling_fulfilled_on_or_before_due_is_on_time():
    done = pledges.settle("OPEN", DUE, MADE, True, "2017-06-30", " 已完成 ", D(2017, 7, 2))
    assert (done.state, done.on_time, done.note) == ("FULFILLED", True, "已完成")
    late = pledges.settle("OPEN", DUE, MADE, True, "2017-07-01", None, D(2017, 7, 2))
    assert (late.state, late.on_time) == ("FULFILLED", False)
    overdue = pledges.settle("OVERDUE", DUE, MADE, False, "2017-07-02", None, D(2017, 7, 2))
    assert (overdue.state, overdue.on_time) == ("UNFULFILLED", False)


def test_only_an_open_or_overdue_pledge_is_settled():
    for state in ("FULFILLED", "UNFULFILLED"):
        with pytest.raises(Conflict, match=state):
            pledges.settle(state, DUE, MADE, True, "2017-06-01", None, TODAY)


def test_a_settlement_is_not_in_the_future_nor_before_the_pledge():
    with pytest.raises(BadInput) as err:
        pledges.settle("OPEN", DUE, MADE, True, "2017-06-16", None, TODAY)
    assert err.value.field == "on"
    with pytest.raises(BadInput) as err:
        pledges.settle("OPEN", DUE, MADE, True, "2017-02-28", None, TODAY)
    assert err.value.field == "on"
    with pytest.raises(BadInput) as err:
        pledges.settle("OPEN", DUE, MADE, "yes", "2017-06-01", None, TODAY)
    assert err.value.field == "fulfilled"


# -- scoring: the member events of households and pledges -------------------------

def test_a_visit_counts_in_its_days_year_and_a_fulfilled_pledge_in_its_own():
    assert points.member_fact("household_visited", {"member_id": "m1", "on": "2017-12-31"}) \
        == ("m1", D(2017, 12, 31), 2017)
    assert points.member_fact("pledge_fulfilled", {
        "member_id": "m1", "on": "2018-01-03", "year": 2017, "on_time": False}) \
        == ("m1", D(2018, 1, 3), 2017)


def test_the_shipped_rules_post_a_visit_and_only_an_on_time_fulfilment():
    rule_set = points.POINT_RULES.for_day("bureau-x", D(2017, 6, 1))
    visit = points.candidates_for_member_event(rule_set, "household_visited",
                                               {"member_id": "m1", "on": "2017-06-01"})
    assert [c.rule.key for c in visit] == ["household-visit"]
    on_time = points.candidates_for_member_event(
        rule_set, "pledge_fulfilled", {"member_id": "m1", "year": 2017, "on_time": True})
    assert [c.rule.key for c in on_time] == ["pledge-fulfilled"]
    assert points.candidates_for_member_event(
        rule_set, "pledge_fulfilled", {"member_id": "m1", "year": 2017, "on_time": False}) == []


# -- the gateway: the phone only inside the member's branch ----------------------

class City(FakeServices):
    def households_of(self, member_id):
        branch = self.members[member_id]["branch_id"]
        return [{"id": "h1", "member_id": member_id, "name": "张家", "address": "一路1号",
                 "phone": "13800000000", "in_difficulty": False, "paired_cadre_id": None,
                 "branch_id": branch, "branch_path": self.orgs[branch]["path"],
                 "registered_on": "2017-06-01"}]


PHONE = 'query { households(memberId: "bureau0-branch0-m0") { name phone } }'


@pytest.mark.parametrize("scope,roles,phone", [
    ("bureau0-branch0", ("secretary",), "13800000000"),     # the member's branch
    ("bureau0", ("admin",), None),                            # the bureau, above the branch
    ("*", ("admin",), None),
])
def test_the_phone_is_shown_inside_the_members_branch_only(scope, roles, phone):
    status, body = run(City(1, 2, 2), PHONE, scope=scope, roles=roles)
    assert "errors" not in body, body
    assert body["data"]["households"] == [{"name": "张家", "phone": phone}]


def test_another_branch_reads_neither_the_household_nor_its_phone():
    status, body = run(City(1, 2, 2), PHONE, scope="bureau0-branch1", roles=("secretary",))
    assert body["data"] is None or body["data"]["households"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert "13800000000" not in str(body)
