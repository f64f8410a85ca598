"""Who may open, answer and read the thought surveys (思想政治状况调查), judged
by the gateway before the supervision service is asked to write: a writer
whose scope holds the committee opens; a member's own token answers a
survey of a committee it belongs under (above its scope), an admin or
secretary for a member and a survey both in scope; below "*" a survey that
does not exist is refused in the words of one out of reach."""
import pytest
from graphql import GraphQLError

from gateway.hygiene import MAX_LIST_LENGTHS
from services.supervision.domain.survey import MAX_QUESTIONS
from tests.unit.test_idempotency import Recording
from tests.unit.test_study_gateway import codes, post

COMMITTEE = "bureau0-committee"
BRANCH = "bureau0-committee-branch"
ME, NEIGHBOUR = f"{BRANCH}-m0", f"{BRANCH}-m1"
OTHER_COMMITTEE = "bureau1-committee"
STRANGER = "bureau1-committee-branch-m0"
MINE, THEIRS = "sv-mine", "sv-theirs"

ANSWER = """mutation($s: ID!, $m: ID!) { answerSurvey(surveyId: $s, memberId: $m,
    answers: [1, 5]) { id year questions responses results } }"""
OPEN = """mutation($c: ID!) { openSurvey(committeeId: $c, year: 2017, questions: ["a", "b"]) {
    id committee { id } responses results } }"""
SURVEYS = """query($o: ID!) { surveys(orgId: $o, year: 2017) { id committee { id }
    responses results } }"""


class SurveyCity(Recording):
    """Two bureaus, each with a committee, a branch under it and members;
    one survey per committee."""

    def __init__(self):
        super().__init__()
        for bureau in ("bureau0", "bureau1"):
            if bureau not in self.orgs:
                self._org(bureau, "BUREAU", "city")
            committee = self._org(f"{bureau}-committee", "COMMITTEE", bureau)
            branch = self._org(f"{committee}-branch", "BRANCH", committee)
            for m in range(2):
                self.members[f"{branch}-m{m}"] = {
                    "id": f"{branch}-m{m}", "name": f"{branch}-m{m}", "roles": [],
                    "branch_id": branch, "branch_path": self.orgs[branch]["path"],
                    "bureau_id": bureau}
        self.opened = {MINE: self._survey(MINE, COMMITTEE),
                       THEIRS: self._survey(THEIRS, OTHER_COMMITTEE)}
        self.leaky = False  # a service answering what the gateway must withhold

    def _survey(self, survey_id, committee_id):
        return {**self.SURVEY, "id": survey_id, "committee_id": committee_id,
                "committee_path": self.orgs[committee_id]["path"], "questions": ["a", "b"]}

    def get_survey(self, survey_id):
        if survey_id not in self.opened:
            raise GraphQLError(f"surveyId: there is no survey {survey_id}",
                               extensions={"code": "NOT_FOUND", "field": "surveyId"})
        return self.opened[survey_id]

    def answer_survey(self, survey_id, member_id, answers, request):
        self._keep("answer_survey", request)
        self.answered = (survey_id, member_id, answers)
        return {**self.opened[survey_id], "responses": 1}

    def open_survey(self, committee_id, year, questions, actor, request):
        self._keep("open_survey", request)
        return self._survey("sv-new", committee_id)

    def surveys(self, org_id, year):
        return [s for s in self.opened.values() if self.leaky or org_id in s["committee_path"]]


def ask(city, query, variables, scope, roles, sub="someone"):
    return post(city, query, variables, scope, roles, sub)


def asked(city, method):
    return [m for m, _ in city.requests if m == method]


# -- answering ----------------------------------------------------------------------------

@pytest.mark.parametrize("scope", [BRANCH, COMMITTEE, "bureau0"])
def test_a_members_own_token_answers_a_survey_of_the_committee_it_belongs_under(scope):
    city = SurveyCity()
    answer = ask(city, ANSWER, {"s": MINE, "m": ME}, scope, ("member",), ME)
    assert "errors" not in answer, answer
    assert answer["data"]["answerSurvey"] == {"id": MINE, "year": 2017,
                                              "questions": ["a", "b"], "responses": 1,
                                              "results": None}
    assert city.answered == (MINE, ME, [1, 5])
    assert asked(city, "answer_survey") == ["answer_survey"]


def test_the_member_who_answered_is_not_shown_the_committee_above_its_scope():
    city = SurveyCity()
    answer = ask(city, ANSWER.replace("results }", "results committee { id } }"),
                 {"s": MINE, "m": ME}, BRANCH, ("member",), ME)
    assert codes(answer) == ["FORBIDDEN"]
    assert answer["errors"][0]["path"] == ["answerSurvey", "committee"]


@pytest.mark.parametrize("survey, member, scope, roles, sub", [
    (THEIRS, ME, BRANCH, ("member",), ME),                 # a committee not above it
    ("sv-none", ME, BRANCH, ("member",), ME),              # none at all: the same words
    (MINE, NEIGHBOUR, BRANCH, ("member",), ME),            # another member's answers
    (MINE, ME, BRANCH, ("viewer",), "v"),                  # a viewer never writes
    (MINE, ME, BRANCH, ("member", "viewer"), ME),          # not even of itself
    (MINE, ME, BRANCH, ("secretary",), "sec"),             # the survey above its scope
    (MINE, STRANGER, COMMITTEE, ("secretary",), "sec"),    # a member out of scope
    (THEIRS, STRANGER, "bureau0", ("admin",), "adm"),      # both out of scope
    (MINE, ME, "bureau1", ("secretary",), "sec"),
])
def test_anyone_else_is_forbidden_and_nothing_is_answered(survey, member, scope, roles, sub):
    city = SurveyCity()
    answer = ask(city, ANSWER, {"s": survey, "m": member}, scope, roles, sub)
    assert codes(answer) == ["FORBIDDEN"] and answer["data"] is None
    assert asked(city, "answer_survey") == []


def test_a_survey_out_of_reach_and_one_that_does_not_exist_get_the_same_words():
    city = SurveyCity()
    words = [ask(city, ANSWER, {"s": s, "m": ME}, BRANCH, ("member",), ME)["errors"][0]
             for s in (THEIRS, "sv-none")]
    assert words[0]["message"].replace(THEIRS, "<id>") == \
        words[1]["message"].replace("sv-none", "<id>")
    assert words[0]["extensions"] == words[1]["extensions"]


@pytest.mark.parametrize("scope", [COMMITTEE, "bureau0"])
def test_a_writer_who_sees_the_member_and_the_committee_answers_for_the_member(scope):
    city = SurveyCity()
    answer = ask(city, ANSWER, {"s": MINE, "m": NEIGHBOUR}, scope, ("secretary",), "sec")
    assert "errors" not in answer, answer
    assert city.answered == (MINE, NEIGHBOUR, [1, 5])


def test_for_the_city_an_unknown_survey_is_not_found():
    city = SurveyCity()
    answer = ask(city, ANSWER, {"s": "sv-none", "m": ME}, "*", ("admin",), "adm")
    assert codes(answer) == ["NOT_FOUND"] and asked(city, "answer_survey") == []


def test_the_answer_request_carries_no_actor_only_the_key_and_caller():
    city = SurveyCity()
    ask(city, ANSWER, {"s": MINE, "m": ME}, BRANCH, ("member",), ME)
    [(method, request)] = city.requests
    assert method == "answer_survey" and request["subject"] == ME
    assert request["key"].endswith("/answerSurvey")


# -- opening -----------------------------------------------------------------------------

@pytest.mark.parametrize("scope, roles", [(COMMITTEE, ("secretary",)), ("bureau0", ("admin",)),
                                          ("*", ("admin",))])
def test_a_writer_whose_scope_holds_the_committee_opens_a_survey(scope, roles):
    city = SurveyCity()
    answer = ask(city, OPEN, {"c": COMMITTEE}, scope, roles)
    assert "errors" not in answer, answer
    assert answer["data"]["openSurvey"]["committee"] == {"id": COMMITTEE}
    assert asked(city, "open_survey") == ["open_survey"]


@pytest.mark.parametrize("committee, scope, roles", [
    (COMMITTEE, BRANCH, ("secretary",)),         # a branch below the committee
    (COMMITTEE, COMMITTEE, ("viewer",)),
    (COMMITTEE, COMMITTEE, ("member",)),
    (OTHER_COMMITTEE, "bureau0", ("admin",)),
    ("no-such-committee", "bureau0", ("admin",)),
])
def test_no_one_else_opens_one(committee, scope, roles):
    city = SurveyCity()
    answer = ask(city, OPEN, {"c": committee}, scope, roles, ME)
    assert codes(answer) == ["FORBIDDEN"] and asked(city, "open_survey") == []


# -- reading -------------------------------------------------------------------------------

def test_the_surveys_of_an_organisation_in_scope_are_read_and_others_are_forbidden():
    city = SurveyCity()
    shown = ask(city, SURVEYS, {"o": "bureau0"}, "bureau0", ("viewer",))
    assert "errors" not in shown, shown
    assert [s["id"] for s in shown["data"]["surveys"]] == [MINE]
    for org, scope in ((OTHER_COMMITTEE, "bureau0"), (COMMITTEE, BRANCH)):
        refused = ask(city, SURVEYS, {"o": org}, scope, ("viewer",))
        assert codes(refused) == ["FORBIDDEN"] and refused["data"] is None


def test_a_survey_outside_the_scope_is_never_shown_whatever_the_service_answers():
    city = SurveyCity()
    city.leaky = True
    answer = ask(city, SURVEYS, {"o": "bureau0"}, "bureau0", ("admin",))
    assert codes(answer) == ["FORBIDDEN"] and OTHER_COMMITTEE not in str(answer)


def test_the_gateway_bounds_the_lists_as_the_service_does():
    assert MAX_LIST_LENGTHS[("Mutation.openSurvey", "questions")][0] == MAX_QUESTIONS
    assert MAX_LIST_LENGTHS[("Mutation.answerSurvey", "answers")][0] == MAX_QUESTIONS
