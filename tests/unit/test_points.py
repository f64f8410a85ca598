"""Member points (services/scoring/domain/points.py): which rules an activity
triggers, and how the rule and category caps limit each posting."""
import datetime as dt
from decimal import Decimal

import pytest

from services.scoring.domain.points import (POINT_RULES, Candidate, Posting, YearTotals,
                                            candidates_for_activity,
                                            candidates_for_member_event, member_fact,
                                            parse_rule_set, post, room)
from shared.rules import Version
from shared.vocabulary import (ABSENT, ACTIVITY_DAY, CENTRAL_GROUP_STUDY, COMMITTEE_MEETING,
                               DEMOCRATIC_LIFE_MEETING, EXCUSED, GENERAL_MEETING,
                               GROUP_MEETING, ORG_LIFE_MEETING, PARTY_LECTURE, PRESENT,
                               VOLUNTEER_SERVICE, WINTER_TRAINING)


@pytest.fixture
def shipped(monkeypatch):
    """The shipped rule set, whatever an operator's folder may hold."""
    monkeypatch.delenv("XF_RULES_DIR", raising=False)
    return POINT_RULES.for_day("any-bureau", dt.date(2017, 6, 1))


def activity(kind, *lines, speaker_id=None):
    return {"activity_id": "a1", "org_id": "br1", "org_path": ["c", "b", "k", "br1"],
            "kind": kind, "theme": "t", "held_on": "2017-06-03", "speaker_id": speaker_id,
            "attendance": [{"member_id": m, "status": s} for m, s in lines]}


def keys(candidates):
    return [(c.member_id, c.rule.key) for c in candidates]


# the dimensions of the categories the tests' rule sets use
DIMENSIONS_OF = {"c": "CONDUCT", "study": "POLITICAL"}


def custom(rules, caps=None, number=1, **more):
    body = {"category_caps": caps or {}, "category_dimensions": DIMENSIONS_OF,
            "rules": rules, **more}
    return parse_rule_set(Version("test.yaml", number, dt.date(2017, 1, 1), body))


def rule(key, category, points, cap=None, event="activity_recorded", **when):
    return {"key": key, "category": category, "points": points, "cap": cap,
            "when": {"event": event, **when}}


def post_n(rule_set, totals, key, n, member="m1"):
    candidate = Candidate(member, rule_set.rule(key))
    return [post(rule_set, totals, candidate) for _ in range(n)]


# -- the shipped rule set ---------------------------------------------------------

def test_shipped_rule_set_matches_the_spec(shipped):
    assert shipped.version == 1
    assert shipped.category_caps == {
        "study": Decimal(40), "organisational-life": Decimal(60),
        "serving-the-public": Decimal(40), "contribution": Decimal(30),
        "obligations": Decimal(12)}
    table = {r.key: (r.category, r.points, r.cap) for r in shipped.rules}
    assert table == {
        "attend-activity-day": ("organisational-life", Decimal(2), Decimal(48)),
        "attend-meeting": ("organisational-life", Decimal(1), Decimal(24)),
        "attend-lecture-or-study": ("study", Decimal(2), Decimal(24)),
        "give-lecture": ("contribution", Decimal(5), Decimal(20)),
        "self-study-plan-on-time": ("study", Decimal(2), Decimal(2)),
        "self-study-log-entry": ("study", Decimal("0.5"), Decimal(12)),
        "volunteer-service": ("serving-the-public", Decimal(3), Decimal(30)),
        "household-visit": ("serving-the-public", Decimal(1), Decimal(12)),
        "micro-wish-fulfilled": ("serving-the-public", Decimal(2), Decimal(10)),
        "pledge-fulfilled": ("contribution", Decimal(5), Decimal(10)),
        "dues-paid": ("obligations", Decimal(1), Decimal(12)),
        "absent-without-leave": ("discipline", Decimal(-3), None),
    }


def test_rule_lookup_by_key(shipped):
    assert shipped.rule("give-lecture").role == "speaker"
    with pytest.raises(KeyError):
        shipped.rule("no-such-rule")


# -- candidates_for_activity ---------------------------------------------------------

def test_present_at_activity_day_attends(shipped):
    got = candidates_for_activity(shipped, activity(ACTIVITY_DAY, ("m1", PRESENT)))
    assert keys(got) == [("m1", "attend-activity-day")]
    assert got[0].rule.points == Decimal(2)


def test_absent_at_activity_day_is_a_deduction(shipped):
    got = candidates_for_activity(shipped, activity(ACTIVITY_DAY, ("m1", ABSENT)))
    assert keys(got) == [("m1", "absent-without-leave")]
    assert got[0].rule.points == Decimal(-3)


def test_excused_scores_nothing(shipped):
    assert candidates_for_activity(shipped, activity(ACTIVITY_DAY, ("m1", EXCUSED))) == []
    assert candidates_for_activity(shipped, activity(PARTY_LECTURE, ("m1", EXCUSED))) == []


def test_mixed_attendance_keeps_attendance_order(shipped):
    got = candidates_for_activity(shipped, activity(
        ACTIVITY_DAY, ("m3", PRESENT), ("m1", ABSENT), ("m2", EXCUSED), ("m4", PRESENT)))
    assert keys(got) == [("m3", "attend-activity-day"), ("m1", "absent-without-leave"),
                         ("m4", "attend-activity-day")]


@pytest.mark.parametrize("kind", [GENERAL_MEETING, COMMITTEE_MEETING, GROUP_MEETING])
def test_present_at_meetings_attends_meeting(shipped, kind):
    assert keys(candidates_for_activity(shipped, activity(kind, ("m1", PRESENT)))) == [
        ("m1", "attend-meeting")]


def test_volunteer_service_present(shipped):
    got = candidates_for_activity(shipped, activity(VOLUNTEER_SERVICE, ("m1", PRESENT)))
    assert keys(got) == [("m1", "volunteer-service")]


def test_volunteer_service_absent_is_not_organisational_life(shipped):
    # absent-without-leave covers organisational-life activities only
    assert candidates_for_activity(shipped, activity(VOLUNTEER_SERVICE, ("m1", ABSENT))) == []


@pytest.mark.parametrize("kind", [GENERAL_MEETING, COMMITTEE_MEETING, GROUP_MEETING,
                                  PARTY_LECTURE, ORG_LIFE_MEETING, DEMOCRATIC_LIFE_MEETING,
                                  CENTRAL_GROUP_STUDY])
def test_absent_from_any_organisational_life_activity_is_deducted(shipped, kind):
    assert keys(candidates_for_activity(shipped, activity(kind, ("m1", ABSENT)))) == [
        ("m1", "absent-without-leave")]


def test_speaker_of_a_party_lecture_gives_lecture_last(shipped):
    got = candidates_for_activity(shipped, activity(
        PARTY_LECTURE, ("m1", PRESENT), ("m2", ABSENT), speaker_id="s1"))
    assert keys(got) == [("m1", "attend-lecture-or-study"), ("m2", "absent-without-leave"),
                         ("s1", "give-lecture")]
    assert got[-1].rule.points == Decimal(5)


def test_keynote_at_centre_group_study_gives_lecture(shipped):
    got = candidates_for_activity(shipped, activity(CENTRAL_GROUP_STUDY, speaker_id="s1"))
    assert keys(got) == [("s1", "give-lecture")]


def test_a_speaker_at_an_activity_day_earns_nothing_as_speaker(shipped):
    assert candidates_for_activity(shipped, activity(ACTIVITY_DAY, speaker_id="s1")) == []


def test_winter_training_present_posts_nothing(shipped):
    assert candidates_for_activity(shipped, activity(WINTER_TRAINING, ("m1", PRESENT))) == []


def test_rules_of_other_events_never_fire_on_activities(shipped):
    got = candidates_for_activity(shipped, activity(ACTIVITY_DAY, ("m1", PRESENT)))
    assert all(c.rule.event == "activity_recorded" for c in got)
    assert "dues-paid" not in [c.rule.key for c in got]


# -- post: rule caps -------------------------------------------------------------------

def test_first_posting_gets_the_full_points(shipped):
    totals = YearTotals.empty()
    got = post(shipped, totals, Candidate("m1", shipped.rule("attend-activity-day")))
    assert got == Posting("m1", "attend-activity-day", "organisational-life", Decimal(2),
                          "DISCIPLINE")
    assert totals.by_rule == {"attend-activity-day": Decimal(2)}
    assert totals.by_category == {"organisational-life": Decimal(2)}


def test_activity_day_cap_48_fits_24_postings_and_not_the_25th(shipped):
    totals = YearTotals.empty()
    postings = post_n(shipped, totals, "attend-activity-day", 24)
    assert [p.points for p in postings] == [Decimal(2)] * 24
    assert totals.by_rule["attend-activity-day"] == Decimal(48)
    assert post_n(shipped, totals, "attend-activity-day", 1) == [None]
    assert totals.by_rule["attend-activity-day"] == Decimal(48)
    assert totals.by_category["organisational-life"] == Decimal(48)


def test_rule_cap_counts_what_was_already_posted_this_year(shipped):
    totals = YearTotals({"attend-activity-day": Decimal(46)},
                        {"organisational-life": Decimal(46)})
    assert post_n(shipped, totals, "attend-activity-day", 2) == [
        Posting("m1", "attend-activity-day", "organisational-life", Decimal(2), "DISCIPLINE"), None]


def test_caps_are_per_member_totals_not_shared(shipped):
    full = YearTotals({"attend-activity-day": Decimal(48)},
                      {"organisational-life": Decimal(48)})
    fresh = YearTotals.empty()
    candidate = Candidate("m2", shipped.rule("attend-activity-day"))
    assert post(shipped, full, candidate) is None
    assert post(shipped, fresh, candidate).points == Decimal(2)


# -- post: category caps --------------------------------------------------------------

def test_category_cap_is_shared_between_rules(shipped):
    totals = YearTotals.empty()
    post_n(shipped, totals, "attend-activity-day", 24)          # 48 organisational life
    meetings = post_n(shipped, totals, "attend-meeting", 14)
    assert [p.points for p in meetings[:12]] == [Decimal(1)] * 12
    assert meetings[12:] == [None, None]                        # 60 reached, not 24
    assert totals.by_category["organisational-life"] == Decimal(60)
    assert totals.by_rule["attend-meeting"] == Decimal(12)


def test_category_cap_blocks_a_rule_with_room_left(shipped):
    totals = YearTotals({"attend-meeting": Decimal(24), "attend-activity-day": Decimal(36)},
                        {"organisational-life": Decimal(60)})
    assert shipped.rule("attend-activity-day").cap - Decimal(36) == Decimal(12)
    assert post_n(shipped, totals, "attend-activity-day", 1) == [None]


def test_room_is_the_smaller_of_rule_and_category(shipped):
    totals = YearTotals({"attend-activity-day": Decimal(48)},
                        {"organisational-life": Decimal(48)})
    assert room(shipped, shipped.rule("attend-meeting"), totals) == Decimal(12)
    assert room(shipped, shipped.rule("attend-activity-day"), totals) == Decimal(0)
    assert room(shipped, shipped.rule("absent-without-leave"), totals) is None


def test_room_never_goes_negative(shipped):
    # e.g. a bureau lowered a cap in a new version after points were posted
    totals = YearTotals({"attend-activity-day": Decimal(50)},
                        {"organisational-life": Decimal(70)})
    assert room(shipped, shipped.rule("attend-activity-day"), totals) == Decimal(0)
    assert post_n(shipped, totals, "attend-activity-day", 1) == [None]


# -- post: clipping -----------------------------------------------------------------------

def test_last_posting_is_clipped_to_the_rule_room():
    rules = custom([rule("r", "c", 2, cap=5, kinds=[ACTIVITY_DAY], status=PRESENT)])
    totals = YearTotals.empty()
    got = post_n(rules, totals, "r", 4)
    assert [p and p.points for p in got] == [Decimal(2), Decimal(2), Decimal(1), None]
    assert totals.by_rule["r"] == Decimal(5)


def test_clipped_to_a_room_of_one():
    rules = custom([rule("r", "c", 2, cap=10, kinds=[ACTIVITY_DAY], status=PRESENT)],
                   caps={"c": 1})
    totals = YearTotals.empty()
    assert post_n(rules, totals, "r", 2) == [Posting("m1", "r", "c", Decimal(1), "CONDUCT"), None]


def test_volunteer_service_clipped_by_the_serving_the_public_cap(shipped):
    totals = YearTotals.empty()
    post_n(shipped, totals, "volunteer-service", 9)    # 27 of 30
    post_n(shipped, totals, "household-visit", 12)     # 12 of 12 -> category 39 of 40
    assert totals.by_category["serving-the-public"] == Decimal(39)
    got = post_n(shipped, totals, "volunteer-service", 2)
    assert got == [Posting("m1", "volunteer-service", "serving-the-public", Decimal(1),
                          "CONDUCT"), None]
    assert totals.by_category["serving-the-public"] == Decimal(40)
    assert totals.by_rule["volunteer-service"] == Decimal(28)


def test_volunteer_service_rule_cap_30(shipped):
    totals = YearTotals.empty()
    got = post_n(shipped, totals, "volunteer-service", 11)
    assert [p.points for p in got[:10]] == [Decimal(3)] * 10
    assert got[10] is None


# -- post: deductions -------------------------------------------------------------------

def test_deductions_are_never_capped(shipped):
    totals = YearTotals.empty()
    got = post_n(shipped, totals, "absent-without-leave", 30)
    assert [p.points for p in got] == [Decimal(-3)] * 30
    assert all(p.category == "discipline" for p in got)


def test_deductions_do_not_consume_any_cap(shipped):
    totals = YearTotals.empty()
    post_n(shipped, totals, "absent-without-leave", 5)
    assert totals.by_rule == {} and totals.by_category == {}
    assert len([p for p in post_n(shipped, totals, "attend-activity-day", 25) if p]) == 24


def test_a_deduction_in_a_capped_category_neither_is_capped_nor_gives_room():
    rules = custom([
        rule("bonus", "c", 2, cap=4, kinds=[ACTIVITY_DAY], status=PRESENT),
        rule("penalty", "c", -3, kinds=[ACTIVITY_DAY], status=ABSENT),
    ], caps={"c": 4})
    totals = YearTotals.empty()
    assert [p.points for p in post_n(rules, totals, "bonus", 2)] == [Decimal(2)] * 2
    penalty = post_n(rules, totals, "penalty", 1)[0]
    assert penalty == Posting("m1", "penalty", "c", Decimal(-3), "CONDUCT")
    assert totals.by_category["c"] == Decimal(4)     # the deduction gave no room back
    assert post_n(rules, totals, "bonus", 1) == [None]


def test_year_totals_ignore_deductions_when_loaded():
    totals = YearTotals.empty()
    totals.add("absent-without-leave", "discipline", Decimal(-3))
    totals.add("attend-meeting", "organisational-life", Decimal(1))
    totals.add("attend-meeting", "organisational-life", Decimal(1))
    assert totals.by_rule == {"attend-meeting": Decimal(2)}
    assert totals.by_category == {"organisational-life": Decimal(2)}


# -- post: half points ----------------------------------------------------------------------

def test_half_points_are_exact_decimals(shipped):
    totals = YearTotals.empty()
    got = post_n(shipped, totals, "self-study-log-entry", 25)
    assert [p.points for p in got[:24]] == [Decimal("0.5")] * 24
    assert got[24] is None
    assert totals.by_rule["self-study-log-entry"] == Decimal(12)
    assert isinstance(got[0].points, Decimal)


def test_half_point_clipping():
    rules = custom([rule("r", "c", 2, kinds=[ACTIVITY_DAY], status=PRESENT)],
                   caps={"c": "2.5"})
    totals = YearTotals.empty()
    assert [p and p.points for p in post_n(rules, totals, "r", 3)] == [
        Decimal(2), Decimal("0.5"), None]


def test_float_points_become_exact_decimals():
    rules = custom([rule("r", "c", 0.1, kinds=[ACTIVITY_DAY], status=PRESENT)])
    assert rules.rule("r").points == Decimal("0.1")


def test_study_category_cap_40_limits_lectures_and_self_study(shipped):
    totals = YearTotals.empty()
    post_n(shipped, totals, "attend-lecture-or-study", 12)     # 24
    post_n(shipped, totals, "self-study-log-entry", 24)        # 12 -> 36
    post_n(shipped, totals, "self-study-plan-on-time", 1)      # 2 -> 38
    assert totals.by_category["study"] == Decimal(38)
    # attend-lecture-or-study is at its own cap; the plan rule too; log entries too
    assert post_n(shipped, totals, "attend-lecture-or-study", 1) == [None]
    assert post_n(shipped, totals, "self-study-plan-on-time", 1) == [None]
    assert post_n(shipped, totals, "self-study-log-entry", 1) == [None]


# -- custom rule sets --------------------------------------------------------------------------

def test_custom_rule_set_parses():
    rules = custom([rule("r", "c", 3, cap=9, kinds=[VOLUNTEER_SERVICE], status=PRESENT),
                    rule("s", "c", 1, event="dues_paid")],
                   caps={"c": 10}, number=7)
    assert rules.version == 7
    assert rules.category_caps == {"c": Decimal(10)}
    r = rules.rule("r")
    assert (r.category, r.points, r.cap, r.event, r.kinds, r.status, r.role) == (
        "c", Decimal(3), Decimal(9), "activity_recorded", (VOLUNTEER_SERVICE,), PRESENT, None)
    assert rules.rule("s").cap is None


def test_a_custom_rule_fires_on_its_kinds():
    rules = custom([rule("r", "c", 3, kinds=[WINTER_TRAINING], status=PRESENT)])
    got = candidates_for_activity(rules, activity(WINTER_TRAINING, ("m1", PRESENT)))
    assert keys(got) == [("m1", "r")]


@pytest.mark.parametrize("rules, fragment", [
    ([rule("r", "c", 1, kinds=["ACTIVITY_NIGHT"], status=PRESENT)], "ACTIVITY_NIGHT"),
    ([rule("r", "c", 1, kinds=[ACTIVITY_DAY], status=EXCUSED)], "excused"),
    ([rule("r", "c", 1, kinds=[ACTIVITY_DAY], status="LATE")], "status must be one of"),
    ([rule("r", "c", 1, kinds=[ACTIVITY_DAY], role="host")], "role must be one of"),
    ([{"key": "r", "category": "c", "points": 1, "when": {}}], "when.event"),
    ([{"key": "r", "category": "c", "points": 1}], "when.event"),
    ([rule("r", "c", 1, event="dues_paid"), rule("r", "c", 2, event="dues_paid")], "unique"),
    ([{"category": "c", "points": 1, "when": {"event": "dues_paid"}}], "key"),
    ([rule("r", "c", "lots", event="dues_paid")], "points of r"),
    ([rule("r", "c", True, event="dues_paid")], "points of r"),
    ([rule("r", "c", 1, cap=[5], event="dues_paid")], "cap of r"),
    ([], "at least one rule"),
])
def test_bad_rule_sets_say_what_is_wrong(rules, fragment):
    with pytest.raises(ValueError) as err:
        custom(rules)
    assert fragment in str(err.value)


def test_unknown_activity_kind_is_named_with_its_rule():
    with pytest.raises(ValueError) as err:
        custom([rule("attend-x", "c", 1, kinds=[ACTIVITY_DAY, "PICNIC"], status=PRESENT)])
    assert "attend-x" in str(err.value) and "PICNIC" in str(err.value)
    assert "ACTIVITY_DAY'" not in str(err.value)


def test_duplicate_key_points_at_the_second_rule():
    with pytest.raises(ValueError) as err:
        custom([rule("r", "c", 1, event="a"), rule("q", "c", 1, event="b"),
                rule("r", "c", 1, event="c")])
    assert "rules[2]" in str(err.value)


@pytest.mark.parametrize("caps, fragment", [
    ({"study": "forty"}, "study"),
    ({"study": -1}, "category cap of study is -1"),
    (["study", 40], "category_caps must map"),
])
def test_bad_category_cap_is_named(caps, fragment):
    with pytest.raises(ValueError) as err:
        custom([rule("r", "c", 1, event="dues_paid")], caps=caps)
    assert fragment in str(err.value)


@pytest.mark.parametrize("rules, fragment", [
    (["attend-activity-day"], "rules[0]"),
    ([{"key": "r", "category": "c", "points": 1, "when": "dues_paid"}], "when.event"),
    ([rule("r", "c", ".nan", event="dues_paid")], "points of r"),
    ([rule("r", "c", float("nan"), event="dues_paid")], "points of r"),
    ([rule("r", "c", 1, cap="Infinity", event="dues_paid")], "cap of r"),
    ([rule("r", "c", 1, cap=-5, event="dues_paid")], "cap of r is -5"),
    ([{"key": "r", "points": 1, "when": {"event": "dues_paid"}}], "category"),
    ([{"key": "r", "category": "c", "when": {"event": "dues_paid"}}], "points"),
])
def test_malformed_rules_are_value_errors_not_crashes(rules, fragment):
    with pytest.raises(ValueError) as err:
        custom(rules)
    assert fragment in str(err.value)


# -- guests (双重组织生活) ----------------------------------------------------------------

def test_guests_score_like_present_attendees_after_the_attendance(shipped):
    lecture = {**activity(PARTY_LECTURE, ("m1", PRESENT), ("m2", ABSENT), speaker_id="g2"),
               "guest_ids": ["g1", "g2"]}
    assert keys(candidates_for_activity(shipped, lecture)) == [
        ("m1", "attend-lecture-or-study"), ("m2", "absent-without-leave"),
        ("g1", "attend-lecture-or-study"), ("g2", "attend-lecture-or-study"),
        ("g2", "give-lecture")]


def test_a_guest_at_an_org_life_meeting_takes_no_attendance_rule_of_the_shipped_set(shipped):
    # the shipped set gives no points for attending an ORG_LIFE_MEETING; a
    # guest is never deducted (a guest is always present)
    meeting = {**activity(ORG_LIFE_MEETING, ("m1", ABSENT)), "guest_ids": ["g1"]}
    assert keys(candidates_for_activity(shipped, meeting)) == [("m1", "absent-without-leave")]


def test_an_event_recorded_before_guests_has_none(shipped):
    assert keys(candidates_for_activity(shipped, activity(ACTIVITY_DAY, ("m1", PRESENT)))) \
        == [("m1", "attend-activity-day")]


# -- a member's own events, and when.if ---------------------------------------------------

def plan_filed(on_time=True, refiled=False, year=2017, filed_on="2017-03-20"):
    return {"member_id": "m1", "branch_id": "br1", "year": year, "filed_on": filed_on,
            "on_time": on_time, "refiled": refiled}


def logged(evidence=True, on="2017-05-02"):
    return {"entry_id": "e1", "member_id": "m1", "on": on, "kind": "READING", "minutes": 60,
            "evidence": evidence}


def test_shipped_self_study_rules_require_their_flags(shipped):
    assert shipped.rule("self-study-plan-on-time").flag == "on_time"
    assert shipped.rule("self-study-log-entry").flag == "evidence"


@pytest.mark.parametrize("payload, expected", [
    (plan_filed(), [("m1", "self-study-plan-on-time")]),
    (plan_filed(on_time=False), []),
    (plan_filed(refiled=True), []),
    (plan_filed(on_time="yes"), []),  # only a true flag is true
])
def test_a_self_study_plan_posts_when_filed_on_time_and_first(shipped, payload, expected):
    assert keys(candidates_for_member_event(shipped, "self_study_plan_filed", payload)) == \
        expected


@pytest.mark.parametrize("evidence, expected", [
    (True, [("m1", "self-study-log-entry")]), (False, []), (None, [])])
def test_a_log_entry_posts_with_evidence_only(shipped, evidence, expected):
    payload = logged(evidence)
    assert keys(candidates_for_member_event(shipped, "self_study_logged", payload)) == expected


def test_a_rule_without_if_posts_on_every_event_of_its_kind():
    rule_set = custom([rule("log", "study", 1, event="self_study_logged")])
    assert keys(candidates_for_member_event(rule_set, "self_study_logged", logged(False))) == [
        ("m1", "log")]
    assert candidates_for_member_event(rule_set, "self_study_plan_filed", plan_filed()) == []


@pytest.mark.parametrize("flag, event", [
    ("evidence", "self_study_plan_filed"),   # another event's flag
    ("on-time", "self_study_plan_filed"),    # a misspelling
    (["on_time"], "self_study_plan_filed"),  # not a name
    (True, "self_study_logged"),
    ("on_time", "activity_recorded"),        # an event with no flags
])
def test_when_if_must_name_a_flag_of_the_event(flag, event):
    with pytest.raises(ValueError, match="when.if"):
        custom([rule("r", "study", 1, event=event, **{"if": flag})])


def test_member_fact_gives_member_day_and_year_of_the_cap():
    assert member_fact("self_study_plan_filed", plan_filed(year=2018, filed_on="2017-12-20")) \
        == ("m1", dt.date(2017, 12, 20), 2018)
    assert member_fact("self_study_logged", logged(on="2018-01-02")) == \
        ("m1", dt.date(2018, 1, 2), 2018)
    for bad in ({**logged(), "on": "yesterday"}, {**plan_filed(), "year": None},
                {**logged(), "member_id": ""}):
        event = "self_study_logged" if "entry_id" in bad else "self_study_plan_filed"
        with pytest.raises(ValueError):
            member_fact(event, bad)


def test_log_entries_post_half_points_up_to_the_cap_then_clip(shipped):
    totals = YearTotals.empty()
    got = post_n(shipped, totals, "self-study-log-entry", 26)
    assert [p.points for p in got[:24]] == [Decimal("0.5")] * 24
    assert got[24:] == [None, None]
    assert totals.by_rule["self-study-log-entry"] == Decimal(12)


def test_the_study_category_cap_limits_self_study_too(shipped):
    totals = YearTotals({}, {"study": Decimal("39.75")})
    [p] = post_n(shipped, totals, "self-study-log-entry", 1)
    assert p.points == Decimal("0.25")
    assert post_n(shipped, totals, "self-study-plan-on-time", 1) == [None]


def test_a_fulfilled_wish_posts_micro_wish_fulfilled_to_the_claimer_in_the_days_year(shipped):
    payload = {"wish_id": "w1", "branch_id": "br", "member_id": "m1", "kind": "PROXY_SERVICE",
               "on": "2018-01-02"}
    assert member_fact("micro_wish_fulfilled", payload) == ("m1", dt.date(2018, 1, 2), 2018)
    [candidate] = candidates_for_member_event(shipped, "micro_wish_fulfilled", payload)
    assert (candidate.member_id, candidate.rule.key, candidate.rule.points) == \
        ("m1", "micro-wish-fulfilled", Decimal(2))
