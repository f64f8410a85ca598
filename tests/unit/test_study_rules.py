"""The study service's pure rules: annual plans (every month planned, the
kinds of each plan, the 三会一课 of a meetings plan, who files), theme
proposals and adoption, self-study plans and log entries."""
import datetime as dt

import pytest

from services.study.domain import plans, self_study, themes
from services.study.domain.common import check_year
from services.study.handlers import held_rows
from shared.errors import BadInput

TODAY = dt.date(2017, 6, 15)


def study_items(theme="学党章", kind="ACTIVITY_DAY", months=range(1, 13), source=None):
    items = [{"month": m, "kind": kind, "theme": f"{theme}{m}"} for m in months]
    if source:
        for item in items:
            item["source"] = source
    return items


def meetings_items(general=(1, 4, 7, 10), committee=range(1, 13), lecture=(6,)):
    items = [{"month": m, "kind": "COMMITTEE_MEETING", "theme": f"支委会{m}"} for m in committee]
    items += [{"month": m, "kind": "GENERAL_MEETING", "theme": f"党员大会{m}"} for m in general]
    items += [{"month": m, "kind": "PARTY_LECTURE", "theme": f"党课{m}"} for m in lecture]
    return items


def plan(items, kind="STUDY", year=2017, org_id="b1"):
    return {"org_id": org_id, "year": year, "kind": kind, "items": items}


def refused(data, today=TODAY):
    with pytest.raises(BadInput) as err:
        plans.validate_plan(data, today)
    return err.value


# -- a plan that is filed ------------------------------------------------------------

def test_a_study_plan_with_a_themed_item_each_month_is_filed_sorted_by_month():
    items = list(reversed(study_items()))
    filed = plans.validate_plan(plan(items), TODAY)
    assert [i.month for i in filed.items] == list(range(1, 13))
    assert filed.items[0] == plans.PlanItem(1, "ACTIVITY_DAY", "学党章1", "SUPERIOR")
    assert (filed.org_id, filed.year, filed.kind) == ("b1", 2017, "STUDY")


def test_themes_are_trimmed_and_the_source_defaults_to_superior():
    items = study_items()
    items[0]["theme"] = "  两学一做  "
    items[1]["source"] = "MEMBER"
    filed = plans.validate_plan(plan(items), TODAY)
    assert filed.items[0].theme == "两学一做" and filed.items[0].source == "SUPERIOR"
    assert filed.items[1].source == "MEMBER"


def test_a_month_may_hold_several_items_of_every_study_kind():
    items = study_items() + [{"month": 3, "kind": k, "theme": k} for k in
                             ("PARTY_LECTURE", "CENTRAL_GROUP_STUDY", "WINTER_TRAINING")]
    assert len(plans.validate_plan(plan(items), TODAY).items) == 15


def test_a_meetings_plan_holding_the_three_meetings_and_one_lecture_is_filed():
    filed = plans.validate_plan(plan(meetings_items() + [
        {"month": 2, "kind": "GROUP_MEETING", "theme": "小组会"}], "MEETINGS"), TODAY)
    assert len(filed.items) == 18 and filed.kind == "MEETINGS"


def test_a_general_meeting_anywhere_in_each_quarter_is_enough():
    assert plans.validate_plan(plan(meetings_items(general=(3, 5, 9, 12)), "MEETINGS"), TODAY)


# -- every month planned -------------------------------------------------------------

@pytest.mark.parametrize("month, name", [(1, "January"), (2, "February"), (7, "July"),
                                         (12, "December")])
def test_a_month_without_an_item_is_named(month, name):
    err = refused(plan(study_items(months=[m for m in range(1, 13) if m != month])))
    assert err.field == "items"
    assert f"month {month} ({name}) has no item" in err.message


def test_every_missing_month_is_named():
    err = refused(plan(study_items(months=range(1, 10))))
    assert "month 10 (October), month 11 (November), month 12 (December) have no item" \
        in err.message


def test_no_items_at_all_is_bad_input():
    assert refused(plan([])).field == "items"


@pytest.mark.parametrize("theme", ["", "   ", None, 5])
def test_an_item_without_a_theme_is_refused_naming_its_month(theme):
    items = study_items()
    items[4]["theme"] = theme
    err = refused(plan(items))
    assert err.field == "items[4].theme"
    if theme is not None and not isinstance(theme, int):
        assert "month 5 (May)" in err.message and "empty" in err.message


def test_a_theme_longer_than_200_characters_is_refused():
    items = study_items()
    items[0]["theme"] = "学" * 201
    err = refused(plan(items))
    assert err.field == "items[0].theme" and "201 characters; at most 200" in err.message
    items[0]["theme"] = "学" * 200
    assert plans.validate_plan(plan(items), TODAY)


@pytest.mark.parametrize("month", [0, 13, -1, "3", None, True, 1.5])
def test_a_month_outside_1_to_12_is_refused(month):
    items = study_items()
    items[2]["month"] = month
    err = refused(plan(items))
    assert err.field == "items[2].month" and "use 1 to 12" in err.message


def test_more_than_200_items_are_refused():
    items = study_items() * 17  # 204
    err = refused(plan(items))
    assert err.field == "items" and "204 items" in err.message
    assert plans.validate_plan(plan((study_items() * 17)[:200]), TODAY)


def test_an_unknown_source_is_refused():
    items = study_items()
    items[0]["source"] = "BOSS"
    assert refused(plan(items)).field == "items[0].source"


# -- the kinds of each plan ------------------------------------------------------------

@pytest.mark.parametrize("kind", ["GENERAL_MEETING", "COMMITTEE_MEETING", "GROUP_MEETING",
                                  "VOLUNTEER_SERVICE", "ORG_LIFE_MEETING", "NOT_A_KIND"])
def test_a_study_plan_holds_only_study_kinds(kind):
    items = study_items()
    items[8]["kind"] = kind
    err = refused(plan(items))
    assert err.field == "items[8].kind"
    assert "month 9 (September)" in err.message and "ACTIVITY_DAY" in err.message


@pytest.mark.parametrize("kind", ["ACTIVITY_DAY", "CENTRAL_GROUP_STUDY", "WINTER_TRAINING",
                                  "DEMOCRATIC_LIFE_MEETING"])
def test_a_meetings_plan_holds_only_meeting_kinds_and_lectures(kind):
    items = meetings_items() + [{"month": 2, "kind": kind, "theme": "别的"}]
    err = refused(plan(items, "MEETINGS"))
    assert err.field.endswith(".kind") and "GENERAL_MEETING" in err.message


def test_an_unknown_plan_kind_is_refused():
    assert refused(plan(study_items(), "YEARLY")).field == "kind"


# -- 三会一课 ---------------------------------------------------------------------------

@pytest.mark.parametrize("general, quarters", [
    ((4, 7, 10), "Q1 (January to March) has"),
    ((1, 7, 10), "Q2 (April to June) has"),
    ((1, 4, 10), "Q3 (July to September) has"),
    ((1, 4, 7), "Q4 (October to December) has"),
    ((1, 2, 3), "Q2 (April to June), Q3 (July to September), Q4 (October to December) have"),
])
def test_a_quarter_without_a_general_meeting_is_named(general, quarters):
    err = refused(plan(meetings_items(general=general), "MEETINGS"))
    assert err.field == "items"
    assert f"{quarters} no general meeting" in err.message


@pytest.mark.parametrize("month, name", [(1, "January"), (6, "June"), (12, "December")])
def test_a_month_without_a_committee_meeting_is_named(month, name):
    committee = [m for m in range(1, 13) if m != month]
    items = meetings_items(committee=committee) + [
        {"month": month, "kind": "GROUP_MEETING", "theme": "小组会"}]
    err = refused(plan(items, "MEETINGS"))
    assert err.field == "items"
    assert f"month {month} ({name}) has no committee meeting" in err.message


def test_a_meetings_plan_without_a_party_lecture_is_refused():
    err = refused(plan(meetings_items(lecture=()), "MEETINGS"))
    assert err.field == "items" and "no party lecture" in err.message


def test_the_months_are_judged_before_the_meetings():
    items = [i for i in meetings_items() if i["month"] != 8]
    assert "month 8 (August) has no item" in refused(plan(items, "MEETINGS")).message


def test_a_study_plan_needs_no_meetings():
    assert plans.validate_plan(plan(study_items()), TODAY).kind == "STUDY"


# -- who files, and for which year ---------------------------------------------------------

@pytest.mark.parametrize("org_kind, plan_kind, ok", [
    ("COMMITTEE", "STUDY", True), ("BRANCH", "STUDY", True),
    ("BRANCH", "MEETINGS", True), ("COMMITTEE", "MEETINGS", False),
    ("GROUP", "STUDY", False), ("BUREAU", "STUDY", False), ("CITY", "MEETINGS", False),
    ("GROUP", "MEETINGS", False)])
def test_who_files_which_plan(org_kind, plan_kind, ok):
    if ok:
        plans.check_filer(org_kind, plan_kind)
        return
    with pytest.raises(BadInput) as err:
        plans.check_filer(org_kind, plan_kind)
    assert err.value.field == "orgId" and org_kind in err.value.message


@pytest.mark.parametrize("year", [1999, 2019, 3000, "2017", None, True])
def test_an_implausible_year_is_refused(year):
    err = refused(plan(study_items(), year=year))
    assert err.field == "year"


@pytest.mark.parametrize("year", [2000, 2017, 2018])
def test_a_year_from_2000_to_next_year_is_accepted(year):
    assert plans.validate_plan(plan(study_items(), year=year), TODAY).year == year


def test_check_year_names_the_range():
    with pytest.raises(BadInput) as err:
        check_year(2019, TODAY)
    assert "from 2000 to 2018" in err.value.message


def test_a_plan_names_its_organisation():
    assert refused(plan(study_items(), org_id="")).field == "orgId"
    assert refused("not a plan").field == "input"


# -- themes --------------------------------------------------------------------------------

def test_a_theme_is_trimmed_and_bounded():
    assert themes.check_theme("  学习贯彻  ") == "学习贯彻"
    for bad in ("", "  ", None, "题" * 201):
        with pytest.raises(BadInput) as err:
            themes.check_theme(bad)
        assert err.value.field == "theme"


@pytest.mark.parametrize("kind, ok", [("COMMITTEE", True), ("BRANCH", True), ("GROUP", False),
                                      ("BUREAU", False), ("CITY", False)])
def test_themes_are_proposed_to_a_committee_or_a_branch(kind, ok):
    if ok:
        themes.check_recipient(kind)
    else:
        with pytest.raises(BadInput):
            themes.check_recipient(kind)


def test_a_member_belongs_under_their_branch_and_its_ancestors_only():
    branch = "/city/bureau/committee/branch/"
    assert themes.belongs_under(branch, "/city/bureau/committee/")
    assert themes.belongs_under(branch, branch)
    assert not themes.belongs_under(branch, "/city/bureau/committee/other/")
    assert not themes.belongs_under("/city/bureau/committee/branch2/",
                                    "/city/bureau/committee/branch/")


def test_a_proposal_is_adopted_by_a_member_item_of_its_year_or_the_next():
    proposal = {"org_id": "c", "year": 2017, "theme": "学习新思想"}
    assert themes.adopted(proposal, {("c", 2017, "学习新思想")})
    assert themes.adopted(proposal, {("c", 2018, "学习新思想")})
    assert not themes.adopted(proposal, {("c", 2019, "学习新思想")})
    assert not themes.adopted(proposal, {("c", 2016, "学习新思想")})
    assert not themes.adopted(proposal, {("other", 2017, "学习新思想")})
    assert not themes.adopted(proposal, {("c", 2017, "别的主题")})
    assert not themes.adopted(proposal, set())


# -- self-study ------------------------------------------------------------------------------

def ss_plan(**change):
    data = {"member_id": "m1", "year": 2017, "goals": "学懂弄通", "content": "党章党规",
            "schedule": "每周两次", "safeguards": "支部督促"}
    data.update(change)
    return data


def test_a_self_study_plan_is_taken_trimmed():
    filed = self_study.validate_plan(ss_plan(goals="  学懂弄通 "), TODAY)
    assert filed.goals == "学懂弄通" and filed.year == 2017 and filed.member_id == "m1"


@pytest.mark.parametrize("part", self_study.PLAN_PARTS)
@pytest.mark.parametrize("value", ["", "   ", None, "字" * 2001])
def test_each_part_of_a_self_study_plan_is_needed_and_bounded(part, value):
    with pytest.raises(BadInput) as err:
        self_study.validate_plan(ss_plan(**{part: value}), TODAY)
    assert err.value.field == part


def test_a_part_of_2000_characters_is_accepted():
    assert self_study.validate_plan(ss_plan(content="字" * 2000), TODAY)


@pytest.mark.parametrize("year", [1999, 2019, None, "2017"])
def test_a_self_study_plan_for_an_implausible_year_is_refused(year):
    with pytest.raises(BadInput) as err:
        self_study.validate_plan(ss_plan(year=year), TODAY)
    assert err.value.field == "year"


def test_a_self_study_plan_names_its_member():
    for bad in ("", None, 7):
        with pytest.raises(BadInput) as err:
            self_study.validate_plan(ss_plan(member_id=bad), TODAY)
        assert err.value.field == "memberId"


@pytest.mark.parametrize("filed_on, expected", [
    (dt.date(2016, 12, 20), True), (dt.date(2017, 1, 1), True), (dt.date(2017, 3, 31), True),
    (dt.date(2017, 4, 1), False), (dt.date(2017, 12, 31), False)])
def test_a_self_study_plan_is_on_time_when_filed_by_march_31(filed_on, expected):
    assert self_study.on_time(2017, filed_on) is expected


def entry(**change):
    data = {"member_id": "m1", "on": "2017-06-10", "kind": "READING", "title": "读《党章》",
            "minutes": 45, "evidence": None}
    data.update(change)
    return data


def test_an_entry_is_taken_with_its_day_parsed():
    taken = self_study.validate_entry(entry(), TODAY)
    assert taken.on == dt.date(2017, 6, 10) and taken.minutes == 45 and taken.evidence is None


def test_today_is_not_the_future():
    assert self_study.validate_entry(entry(on="2017-06-15"), TODAY)


@pytest.mark.parametrize("on", ["2017-06-16", "2018-01-01"])
def test_an_entry_in_the_future_is_refused(on):
    with pytest.raises(BadInput) as err:
        self_study.validate_entry(entry(on=on), TODAY)
    assert err.value.field == "on" and "future" in err.value.message


@pytest.mark.parametrize("on", ["2017-6-1", "yesterday", None, "2017-02-30", "1999-12-31"])
def test_a_bad_day_is_refused(on):
    with pytest.raises(BadInput) as err:
        self_study.validate_entry(entry(on=on), TODAY)
    assert err.value.field == "on"


@pytest.mark.parametrize("minutes", [0, -5, 601, 10000, None, "30", 1.5, True])
def test_minutes_outside_1_to_600_are_refused(minutes):
    with pytest.raises(BadInput) as err:
        self_study.validate_entry(entry(minutes=minutes), TODAY)
    assert err.value.field == "minutes" and "1 to 600" in err.value.message


@pytest.mark.parametrize("minutes", [1, 600])
def test_minutes_at_the_bounds_are_accepted(minutes):
    assert self_study.validate_entry(entry(minutes=minutes), TODAY).minutes == minutes


@pytest.mark.parametrize("title", ["", "   ", None, "题" * 201])
def test_an_entry_needs_a_title(title):
    with pytest.raises(BadInput) as err:
        self_study.validate_entry(entry(title=title), TODAY)
    assert err.value.field == "title"


@pytest.mark.parametrize("kind", ["BOOK", None, "reading"])
def test_an_unknown_kind_of_self_study_is_refused(kind):
    with pytest.raises(BadInput) as err:
        self_study.validate_entry(entry(kind=kind), TODAY)
    assert err.value.field == "kind" and "MICRO_LECTURE" in err.value.message


@pytest.mark.parametrize("evidence, kept", [(None, None), ("", None), ("   ", None),
                                            (" https://x/1 ", "https://x/1")])
def test_blank_evidence_is_none(evidence, kept):
    assert self_study.validate_entry(entry(evidence=evidence), TODAY).evidence == kept


def test_evidence_longer_than_500_characters_is_refused():
    with pytest.raises(BadInput) as err:
        self_study.validate_entry(entry(evidence="证" * 501), TODAY)
    assert err.value.field == "evidence"


def test_a_log_range_ending_before_it_begins_is_refused():
    assert self_study.check_range("2017-01-01", "2017-01-01") == (dt.date(2017, 1, 1),) * 2
    with pytest.raises(BadInput) as err:
        self_study.check_range("2017-02-01", "2017-01-31")
    assert err.value.field == "to"


# -- the months held ---------------------------------------------------------------------------

def test_an_activity_marks_its_month_for_its_organisation_and_every_one_above():
    rows = held_rows({"activity_id": "a", "org_id": "g", "org_path": ["city", "bu", "c", "b", "g"],
                      "kind": "GROUP_MEETING", "held_on": "2017-03-09"})
    assert [r["org_id"] for r in rows] == ["city", "bu", "c", "b", "g"]
    assert {(r["year"], r["month"], r["kind"]) for r in rows} == {(2017, 3, "GROUP_MEETING")}


def test_an_activity_with_a_path_as_text_or_none_is_read_alike():
    payload = {"org_id": "b", "kind": "ACTIVITY_DAY", "held_on": "2017-12-31"}
    assert [r["org_id"] for r in held_rows({**payload, "org_path": "/c/b/"})] == ["c", "b"]
    assert [r["org_id"] for r in held_rows(payload)] == ["b"]
