"""What supervision keeps of a pioneer title withdrawn (摘牌, V3), pure: the
withdrawal read from the event's payload, its year and period, and the note
of the committee's item naming the titles."""
import datetime as dt

import pytest

from services.supervision.domain import withdrawals
from shared.errors import PoisonMessage


def payload(**changes):
    base = {"pioneer_id": "p1", "category": "INDIVIDUAL", "name": " 张三 ", "org_id": "b1",
            "org_path": ["city", "bureau", "committee", "b1"], "committee_id": "committee",
            "holder_id": "m1", "year": 2016, "rectify_by": "2018-03-01", "on": "2018-03-02"}
    return {**base, **changes}


def test_a_withdrawal_is_of_the_year_it_happened_not_of_the_title():
    w = withdrawals.from_payload(payload(), "bureau")
    assert w == withdrawals.Withdrawal("p1", "bureau", "committee", dt.date(2018, 3, 2), "张三")
    assert (w.year, w.period) == (2018, "2018")


def test_a_title_held_by_a_committee_itself_is_its_own_committee():
    w = withdrawals.from_payload(payload(org_id="committee",
                                         org_path=["city", "bureau", "committee"]), "bureau")
    assert w.committee_id == "committee"


@pytest.mark.parametrize("changes, words", [
    ({"committee_id": "other"}, "not the committee"),
    ({"committee_id": ""}, "not the committee"),
    ({"on": "2018-02-30"}, "'on' must be a day"),
    ({"on": None}, "'on' must be a day"),
])
def test_a_payload_that_cannot_be_read_is_poison(changes, words):
    with pytest.raises(PoisonMessage) as refused:
        withdrawals.from_payload(payload(**changes), "bureau")
    assert words in str(refused.value)


def test_the_note_names_every_title_in_the_order_given():
    assert withdrawals.note(["张三"]) == withdrawals.NOTE_OPENING + "张三"
    assert withdrawals.note(["张三", "第一支部"]).endswith("张三; 第一支部")
    assert withdrawals.WITHDRAWAL_RULE == "V3"
