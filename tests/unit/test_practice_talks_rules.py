"""The rules of talks (谈心谈话), minutes (议事规则) and wishes (微心愿 / 双代),
pure: what a talk needs, who must speak in a branch decision and in which
order, and every move of a wish's state machine."""
import datetime as dt

import pytest

from services.activity.domain import minutes, talks, wishes
from shared.errors import BadInput, Conflict

TODAY = dt.date(2017, 6, 10)


# -- talks ---------------------------------------------------------------------------

def talk(**changes):
    return {"org_id": "br", "kind": "INDIVIDUAL", "held_on": "2017-06-03",
            "participant_ids": ["sec", "m1"], "notes": " 谈了思想 ", **changes}


def test_a_talk_between_two_members_is_accepted_with_the_initiator_first():
    draft = talks.validate_input(talk(), TODAY)
    assert draft.participant_ids == ("sec", "m1") and draft.notes == "谈了思想"
    assert draft.held_on == dt.date(2017, 6, 3) and draft.kind == "INDIVIDUAL"
    assert talks.validate_input(talk(notes=None), TODAY).notes is None


@pytest.mark.parametrize("changes, field, words", [
    ({"participant_ids": ["sec", "sec"]}, "participantIds[1]", "two different members"),
    ({"participant_ids": ["sec"]}, "participantIds", "exactly two"),
    ({"participant_ids": ["sec", "m1", "m2"]}, "participantIds", "exactly two"),
    ({"participant_ids": ["sec", ""]}, "participantIds[1]", "member id"),
    ({"kind": "CHAT"}, "kind", "INDIVIDUAL, INITIATED, REQUESTED"),
    ({"held_on": "2017-06-11"}, "heldOn", "in the future"),
    ({"held_on": "2017-02-30"}, "heldOn", "not a day"),
    ({"org_id": ""}, "orgId", "branch or committee"),
    ({"notes": "字" * 2001}, "notes", "at most 2000"),
])
def test_a_bad_talk_is_refused_naming_the_field(changes, field, words):
    with pytest.raises(BadInput) as err:
        talks.validate_input(talk(**changes), TODAY)
    assert err.value.field == field and words in err.value.message


BRANCH = {"id": "br", "name": "第一支部", "kind": "BRANCH", "bureau_id": "b1"}
HERE = {"branch_id": "br", "branch_path": ["c", "b1", "k", "br"], "bureau_id": "b1"}


def test_a_talk_is_filed_under_a_branch_or_committee_between_members_of_its_bureau():
    good = talks.validate_input(talk(), TODAY)
    talks.validate_against_org(good, BRANCH, {"sec": HERE, "m1": {**HERE, "branch_id": "br2"}})
    talks.validate_against_org(good, {**BRANCH, "kind": "COMMITTEE"}, {"sec": HERE, "m1": HERE})
    cases = [({**BRANCH, "kind": "GROUP"}, {"sec": HERE, "m1": HERE}, "orgId"),
             (BRANCH, {"sec": HERE, "m1": None}, "participantIds[1]"),
             (BRANCH, {"sec": {**HERE, "bureau_id": "b2"}, "m1": HERE}, "participantIds[0]")]
    for org, where, field in cases:
        with pytest.raises(BadInput) as err:
            talks.validate_against_org(good, org, where)
        assert err.value.field == field


# -- minutes -------------------------------------------------------------------------

MEETING = {"id": "a1", "kind": "GENERAL_MEETING", "held_on": "2017-06-03",
           "attendance": [{"member_id": m, "status": "PRESENT"} for m in ("sec", "c1", "c2", "m1")]
           + [{"member_id": "away", "status": "EXCUSED"}, {"member_id": "c3", "status": "ABSENT"}],
           "guest_ids": ["guest"]}
ROLES = {"sec": ["secretary"], "c1": ["branch_committee"], "c2": ["branch_committee", "member"],
         "m1": ["member"], "c3": ["branch_committee"]}
NAMES = {"sec": "书记", "c1": "委员一", "c2": "委员二", "m1": "党员", "c3": "委员三"}


def minutes_of(speakers, decisions=("通过",), topic="发展党员"):
    return minutes.validate_input({"topic": topic, "speaker_ids": list(speakers),
                                   "decisions": list(decisions)})


def order_problem(speakers, meeting=MEETING, decisions=("通过",)):
    draft = minutes_of(speakers, decisions)
    minutes.check_speakers(draft, meeting)
    if not minutes.is_branch_decision(draft, meeting):
        return None
    problem = minutes.speaking_order(draft, meeting, ROLES)
    return minutes.explain(problem, NAMES.get) if problem else None


def test_in_a_branch_decision_the_committee_speaks_and_the_secretary_last():
    assert order_problem(["c1", "m1", "c2", "guest", "sec"]) is None


def test_a_secretary_speaking_first_in_a_decision_is_refused_saying_who():
    err = order_problem(["sec", "c1", "c2"])
    assert err.field == "speakerIds"
    assert "书记" in err.message and "speaks last" in err.message and "委员二" in err.message


def test_a_committee_member_present_who_did_not_speak_is_named():
    err = order_problem(["c1", "sec"])
    assert "委员二 did not" in err.message and "speaks last" not in err.message
    # the absent committee member need not speak
    assert order_problem(["c2", "c1", "sec"]) is None


def test_a_silent_secretary_is_named_among_the_committee():
    err = order_problem(["c1", "c2"])
    assert "书记" in err.message and "did not" in err.message


def test_without_decisions_or_outside_a_deciding_meeting_any_order_goes():
    assert order_problem(["sec", "m1"], decisions=()) is None
    assert order_problem(["sec", "m1"], meeting={**MEETING, "kind": "PARTY_LECTURE"}) is None
    assert order_problem(["sec", "c1"],
                         meeting={**MEETING, "kind": "COMMITTEE_MEETING"}) is not None


@pytest.mark.parametrize("speaker", ["away", "c3", "stranger"])
def test_a_speaker_not_present_is_refused(speaker):
    with pytest.raises(BadInput) as err:
        order_problem(["c1", speaker, "sec"])
    assert err.value.field == "speakerIds[1]" and "not present" in err.value.message


@pytest.mark.parametrize("data, field", [
    ({"topic": " ", "speaker_ids": [], "decisions": []}, "topic"),
    ({"topic": "议", "speaker_ids": ["c1", "c1"], "decisions": []}, "speakerIds[1]"),
    ({"topic": "议", "speaker_ids": "c1", "decisions": []}, "speakerIds"),
    ({"topic": "议", "speaker_ids": [], "decisions": ["通过", ""]}, "decisions[1]"),
    ({"topic": "议", "speaker_ids": [], "decisions": ["x"] * 51}, "decisions"),
])
def test_bad_minutes_are_refused_naming_the_field(data, field):
    with pytest.raises(BadInput) as err:
        minutes.validate_input(data)
    assert err.value.field == field


# -- wishes ----------------------------------------------------------------------------

ALLOWED = {("OPEN", "claim"): "CLAIMED", ("CLAIMED", "fulfil"): "FULFILLED",
           ("OPEN", "cancel"): "CANCELLED", ("CLAIMED", "cancel"): "CANCELLED"}


@pytest.mark.parametrize("state", wishes.WISH_STATES)
@pytest.mark.parametrize("move", ["claim", "fulfil", "cancel"])
def test_every_move_from_every_state(state, move):
    if (state, move) in ALLOWED:
        assert wishes.transition(state, move) == ALLOWED[(state, move)]
        assert state in wishes.sources(move)
    else:
        with pytest.raises(Conflict) as err:
            wishes.transition(state, move)
        assert f"the wish is {state}" in err.value.message
        assert state not in wishes.sources(move)


def test_a_wish_needs_a_branch_a_kind_a_title_and_a_requester():
    draft = wishes.validate_wish({"branch_id": "br", "kind": "PROXY_SERVICE", "title": " 代缴电费 ",
                                  "requester": "李大爷", "contact": ""})
    assert (draft.title, draft.contact) == ("代缴电费", None)
    for changes, field in (({"title": ""}, "title"), ({"requester": " "}, "requester"),
                           ({"kind": "GIFT"}, "kind"), ({"branch_id": None}, "branchId"),
                           ({"contact": "1" * 201}, "contact")):
        with pytest.raises(BadInput) as err:
            wishes.validate_wish({"branch_id": "br", "kind": "MICRO_WISH", "title": "t",
                                  "requester": "r", **changes})
        assert err.value.field == field


def test_a_wish_is_fulfilled_not_in_the_future_nor_before_its_claim():
    assert wishes.check_fulfilment("2017-06-10", " 已送达 ", TODAY) == (TODAY, "已送达")
    with pytest.raises(BadInput):
        wishes.check_fulfilment("2017-06-11", None, TODAY)
    wishes.check_after_claim(dt.date(2017, 6, 5), dt.date(2017, 6, 5))
    with pytest.raises(BadInput) as err:
        wishes.check_after_claim(dt.date(2017, 6, 4), dt.date(2017, 6, 5))
    assert err.value.field == "on" and "before the wish was claimed" in err.value.message


def test_cancelling_needs_a_reason_and_the_state_filter_a_state():
    with pytest.raises(BadInput) as err:
        wishes.check_reason("  ")
    assert err.value.field == "reason"
    assert wishes.check_state_filter(None) is None
    with pytest.raises(BadInput):
        wishes.check_state_filter("DONE")

