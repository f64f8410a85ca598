"""The yearly thought survey (思想政治状况调查, U7), pure: questions, answers
1..5 one per question, results hidden under the rule set's minimum, who may
answer, and the U7 count of a survey opened."""
import datetime as dt

import pytest

from services.supervision.domain import Org, evaluate, increments
from services.supervision.domain.quota_rules import parse_rule_set
from services.supervision.domain.survey import (CHOICES, MAX_QUESTIONS, SurveyFact, answers_of,
                                                belongs, by_choice, questions_of, results,
                                                tally, year_of)
from services.supervision.domain.supervision_rules import SUPERVISION_RULES
from shared.errors import BadInput
from shared.periods import KINDS, parse_period
from shared.rules import Version

TODAY = dt.date(2017, 6, 3)


# -- questions ------------------------------------------------------------------------

def test_questions_are_kept_stripped_in_their_order():
    assert questions_of([" 对党的认识 ", "学习情况"]) == ("对党的认识", "学习情况")


@pytest.mark.parametrize("raw, words", [
    ([], "at least one question"),
    (None, "at least one question"),
    (["好", "  "], "question 2 is blank"),
    (["", "好"], "question 1 is blank"),
    ([3], "question 1 is blank"),
    (["问"] * (MAX_QUESTIONS + 1), f"at most {MAX_QUESTIONS}"),
    (["问" * 501], "at most 500"),
])
def test_no_question_or_a_blank_one_is_bad_input_naming_it(raw, words):
    with pytest.raises(BadInput) as caught:
        questions_of(raw)
    assert caught.value.field == "questions" and words in caught.value.message


# -- answers --------------------------------------------------------------------------

@pytest.mark.parametrize("answers", [[1, 5, 3], [5, 5, 5], [1, 1, 1], [2, 3, 4]])
def test_one_choice_1_to_5_per_question_is_taken(answers):
    assert answers_of(answers, 3) == tuple(answers)


@pytest.mark.parametrize("answers, words", [
    ([1, 2], "3 questions; give one answer per question, not 2"),
    ([1, 2, 3, 4], "not 4"),
    ([], "not 0"),
    ([0, 2, 3], "answer 1 is 0"),
    ([1, 6, 3], "answer 2 is 6"),
    ([1, 2, -1], "answer 3 is -1"),
    ([1, 2, 2.5], "answer 3 is 2.5"),
    ([1, True, 3], "answer 2 is True"),
    ([1, "3", 3], "answer 2 is '3'"),
    ([1, None, 3], "answer 2 is None"),
])
def test_a_missing_extra_or_out_of_range_answer_is_bad_input_naming_its_place(answers, words):
    with pytest.raises(BadInput) as caught:
        answers_of(answers, 3)
    assert caught.value.field == "answers" and words in caught.value.message


def test_a_refused_answer_names_only_its_position():
    with pytest.raises(BadInput) as caught:
        answers_of([9], 1)
    assert caught.value.message == "answer 1 is 9; each answer is a choice 1..5"


def test_one_question_is_said_in_the_singular():
    with pytest.raises(BadInput, match="asks 1 question;"):
        answers_of([1, 2], 1)


def test_not_a_list_is_bad_input():
    with pytest.raises(BadInput) as caught:
        answers_of("12345", 5)
    assert caught.value.field == "answers"


# -- counts and results ------------------------------------------------------------------

def test_an_answer_adds_one_to_each_question_at_its_choice():
    assert by_choice((3, 1, 3, 5)) == {3: [0, 2], 1: [1], 5: [3]}


def test_the_counts_are_per_question_by_choice_1_to_5():
    got = tally([(1, 5), (1, 4), (2, 5), (5, 5)])
    assert got == [[2, 1, 0, 0, 1], [0, 0, 0, 1, 3]]
    assert all(sum(row) == 4 for row in got) and len(got[0]) == len(CHOICES)


def test_no_response_has_no_counts():
    assert tally([]) == []


FOUR = [(1, 2), (2, 2), (3, 4), (5, 1)]
FIVE = FOUR + [(4, 4)]


def test_four_responses_show_no_results_under_a_minimum_of_5():
    assert results(tally(FOUR), len(FOUR), 5) is None


def test_five_responses_show_the_counts():
    assert results(tally(FIVE), len(FIVE), 5) == [[1, 1, 1, 1, 1], [1, 2, 0, 2, 0]]


def test_the_minimum_is_the_rule_sets():
    assert results(tally(FOUR), 4, 4) == tally(FOUR)
    assert results(tally(FIVE), 5, 6) is None
    assert results([[0] * 5], 0, 1) is None


def test_the_shipped_supervision_rule_set_shows_results_from_5_responses():
    assert SUPERVISION_RULES.for_day("any-bureau", TODAY).survey_min_responses == 5


# -- who answers, which year ------------------------------------------------------------

def test_a_member_under_the_committee_belongs_and_one_elsewhere_does_not():
    committee = ("city", "bureau", "committee")
    assert belongs(("city", "bureau", "committee", "branch"), committee)
    assert belongs(("city", "bureau", "committee", "branch", "group"), committee)
    assert not belongs(("city", "bureau", "other", "branch"), committee)
    assert not belongs(("city", "other-bureau", "committee", "branch"), committee)
    assert not belongs(("city", "bureau"), committee)


def test_a_survey_is_of_this_year_or_an_earlier_one():
    assert year_of(2017, TODAY) == 2017 and year_of(2016, TODAY) == 2016
    for bad, words in ((2018, "has not begun"), (12, "not a year"), ("2017", "not a year"),
                       (True, "not a year")):
        with pytest.raises(BadInput) as caught:
            year_of(bad, TODAY)
        assert caught.value.field == "year" and words in caught.value.message


# -- quota U7 ---------------------------------------------------------------------------

U7 = {"key": "U7", "subject": "committee", "period": "year",
      "counts": {"fact": "survey_opened"}, "minimum": 1}
PATH = ("city", "bureau", "committee")
ORGS = [Org("city", "CITY", None, "bureau", ("city",), TODAY),
        Org("bureau", "BUREAU", "city", "bureau", ("city", "bureau"), TODAY),
        Org("committee", "COMMITTEE", "bureau", "bureau", PATH, TODAY),
        Org("other", "COMMITTEE", "bureau", "bureau", ("city", "bureau", "other"), TODAY),
        Org("branch", "BRANCH", "committee", "bureau", PATH + ("branch",), TODAY)]


def rule_set(*rules):
    return parse_rule_set(Version("test.yaml", 1, dt.date(2017, 1, 1), {"rules": list(rules)}))


def test_a_survey_opened_adds_one_to_its_committees_u7_of_its_year():
    rules = rule_set(U7)
    fact = SurveyFact("s1", "committee", PATH, 2017, TODAY)
    got = increments({k: rules for k in KINDS}, fact)
    assert [(i.rule, i.subject_id, i.member, i.period.label, i.required) for i in got] == \
        [("U7", "committee", False, "2017", 1)]


def test_a_survey_of_last_year_counts_in_last_year():
    rules = rule_set(U7)
    fact = SurveyFact("s1", "committee", PATH, 2016, TODAY)
    assert [i.period.label for i in increments({k: rules for k in KINDS}, fact)] == ["2016"]


def test_u7_is_pending_without_a_survey_and_met_with_one_for_that_committee_only():
    rules = rule_set(U7)
    facts = [SurveyFact("s1", "committee", PATH, 2017, TODAY)]
    got = {(r.subject_id, r.actual, r.status) for r in evaluate(rules, ORGS, facts,
                                                                parse_period("2017"))}
    assert got == {("committee", 1, "MET"), ("other", 0, "PENDING")}
    assert {r.status for r in evaluate(rules, ORGS, facts, parse_period("2016"))} == {"PENDING"}


@pytest.mark.parametrize("change, words", [
    ({"period": "month"}, "a survey is of a year"),
    ({"subject": "branch"}, "survey_opened counts for the subjects committee"),
])
def test_u7_counts_a_committee_per_year_only(change, words):
    with pytest.raises(ValueError, match=words):
        rule_set({**U7, **change})
