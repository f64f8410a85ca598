"""The yearly thought survey (思想政治状况调查, U7) in supervision, on SQLite and
PostgreSQL over the real broker: a committee's survey opened counts for its
quota U7 at once (and again after the quota state is derived anew); its
members answer once each, results stay null at 4 responses and show the
counts at 5; a refused answer writes nothing; who answered and what was
answered are kept in two tables that share no column but the survey's id,
with no time and no row per response; a retry of an answer is recognised
without the answers being stored next to the member."""
import pytest
from sqlalchemy import func, inspect, select

from services.organization.service import OrganizationService
from services.supervision.models import (idempotency_keys, members, orgs, survey_respondents,
                                         survey_tallies, surveys)
from services.supervision.service import SupervisionService
from shared import clock
from shared.errors import BadInput, Conflict
from shared.idempotency import fingerprint
from tests.integration.conftest import branch_chain, wait_for

QUESTIONS = ["对党的路线方针政策的认识", "参加组织生活的情况"]
ANSWERS = [(1, 5), (2, 5), (2, 4), (5, 1)]


def count(engine, table):
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar()


def u7(rpc, committee_id, year):
    return [(r["actual"], r["status"])
            for r in rpc.supervision.compliance(committee_id, str(year))["results"]
            if r["rule"] == "U7" and r["subject_id"] == committee_id]


@pytest.fixture
def city(services, rpc, engine_of):
    services(OrganizationService, SupervisionService)
    _city, bureau, committee, branch = branch_chain(rpc)
    other = rpc.organization.create_organization(
        {"name": "另一党委", "kind": "COMMITTEE", "parent_id": bureau["id"]})
    elsewhere = rpc.organization.create_organization(
        {"name": "另一支部", "kind": "BRANCH", "parent_id": other["id"]})

    def member(name, at):
        return rpc.organization.register_member(
            {"name": name, "branch_id": at["id"], "roles": ["member"]})["id"]
    people = [member(f"党员{i}", branch) for i in range(6)]
    stranger = member("外人", elsewhere)
    engine = engine_of("supervision")
    wait_for(lambda: count(engine, orgs) == 6 and count(engine, members) == 7,
             what="the tree and members known to supervision")
    return {"bureau": bureau["id"], "committee": committee["id"], "branch": branch["id"],
            "other": other["id"], "people": people, "stranger": stranger, "engine": engine}


def test_a_survey_counts_for_u7_and_shows_results_from_the_fifth_response(rpc, city):
    year, engine = clock.today().year, city["engine"]
    committee = city["committee"]
    assert u7(rpc, committee, year) == [(0, "PENDING")]
    opened = rpc.supervision.open_survey(committee, year, QUESTIONS, "tester")
    assert {k: opened[k] for k in ("committee_id", "year", "questions", "responses",
                                   "results")} == \
        {"committee_id": committee, "year": year, "questions": QUESTIONS, "responses": 0,
         "results": None}
    # counted in the transaction that opened it, and again when derived anew
    assert u7(rpc, committee, year) == [(1, "MET")]
    assert u7(rpc, city["other"], year) == [(0, "PENDING")]
    rpc.supervision.rederive_quotas(city["bureau"])
    assert u7(rpc, committee, year) == [(1, "MET")]

    answer = rpc.supervision.answer_survey
    for member, answers in zip(city["people"], ANSWERS):
        shown = answer(opened["id"], member, list(answers))
    assert (shown["responses"], shown["results"]) == (4, None)
    shown = answer(opened["id"], city["people"][4], [4, 4])
    assert shown["responses"] == 5
    assert shown["results"] == [[1, 2, 0, 1, 1], [1, 0, 0, 2, 2]]
    assert rpc.supervision.get_survey(opened["id"]) == shown
    assert rpc.supervision.surveys(city["bureau"], year) == [shown]
    assert rpc.supervision.surveys(city["other"], year) == []
    assert rpc.supervision.surveys(city["bureau"], year - 1) == []


def test_a_refused_answer_or_survey_writes_nothing(rpc, city):
    year, engine = clock.today().year, city["engine"]
    survey = rpc.supervision.open_survey(city["committee"], year, QUESTIONS, "tester")["id"]
    first = city["people"][0]
    rpc.supervision.answer_survey(survey, first, [3, 3])
    before = [count(engine, t) for t in (surveys, survey_respondents, survey_tallies)]
    for args, error, words in (
            ((survey, first, [1, 1]), Conflict, "answered this survey already"),
            ((survey, city["people"][1], [1]), BadInput, "answers:"),
            ((survey, city["people"][1], [1, 6]), BadInput, "answer 2 is 6"),
            ((survey, city["stranger"], [1, 1]), BadInput, "memberId:")):
        with pytest.raises(error) as refused:
            rpc.supervision.answer_survey(*args)
        assert words in str(refused.value)
    for args, field in (((city["branch"], year, QUESTIONS), "committeeId"),
                        ((city["committee"], year, ["好", " "]), "questions"),
                        ((city["committee"], year + 1, QUESTIONS), "year")):
        with pytest.raises(BadInput) as refused:
            rpc.supervision.open_survey(*args, "tester")
        assert f"{field}:" in str(refused.value)
    assert [count(engine, t) for t in (surveys, survey_respondents, survey_tallies)] == before
    assert rpc.supervision.get_survey(survey)["responses"] == 1
    assert u7(rpc, city["committee"], year) == [(1, "MET")]


def test_who_answered_is_kept_apart_from_what_was_answered(rpc, city):
    year, engine = clock.today().year, city["engine"]
    survey = rpc.supervision.open_survey(city["committee"], year, QUESTIONS, "tester")["id"]
    for member, answers in zip(city["people"], ANSWERS):
        rpc.supervision.answer_survey(survey, member, list(answers))
    # a retry of a member's answer (the same key) counts once, and what is
    # kept for it names the survey and the member, never the answers
    me, request = city["people"][5], {"key": "k-1/answerSurvey", "subject": "member-token"}
    for _ in range(2):
        shown = rpc.supervision.answer_survey(survey, me, [5, 5], request)
    assert shown["responses"] == 5
    with engine.connect() as conn:
        kept = conn.execute(select(idempotency_keys.c.fingerprint, idempotency_keys.c.result)
                            .where(idempotency_keys.c.key == request["key"])).one()
        schema = inspect(conn)
        respondent_columns = {c["name"]: c["type"] for c in
                              schema.get_columns("survey_respondents")}
        tally_columns = {c["name"]: c["type"] for c in schema.get_columns("survey_tallies")}
        tally_rows = conn.execute(select(survey_tallies)
                                  .where(survey_tallies.c.survey_id == survey)).all()
        who = conn.execute(select(survey_respondents.c.member_id)
                           .where(survey_respondents.c.survey_id == survey)).scalars().all()
    assert kept.fingerprint == fingerprint([survey, me]) and kept.result == {"survey_id": survey}
    # the one column the two share is the survey's id: nothing else to join on
    assert set(respondent_columns) == {"survey_id", "member_id"}
    assert set(respondent_columns) & set(tally_columns) == {"survey_id"}
    assert not any("member" in name for name in tally_columns)
    # no time in either table, and no row per response: one row per question
    for columns in (respondent_columns, tally_columns):
        assert not any(t.python_type not in (int, str) for t in columns.values()), columns
    assert sorted(who) == sorted(city["people"][:4] + [me])
    assert len(tally_rows) == len(QUESTIONS)
    assert [list(r)[2:] for r in sorted(tally_rows, key=lambda r: r.question)] == \
        [[1, 2, 0, 0, 2], [1, 0, 0, 1, 3]]
