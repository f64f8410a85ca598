"""Commands of the yearly thought survey (思想政治状况调查, U7): a committee
opens a survey, which counts for its quota U7 in the same transaction; a
member answers once.

An answer writes two things that nothing can join (models.py): the member
in ``survey_respondents`` (no time, no sequence) and one more count per
question in ``survey_tallies`` (rows written when the survey was opened:
no row is added for a response, so neither order nor id nor time can pair
a respondent with a response). The survey's row is locked first, so that
answers to one survey take turns on its counts. The request stored for a
retry (shared/idempotency.py) carries the survey and the member, never the
answers (a digest of a few choices 1..5 is guessed in a moment), and its
answer is the survey's id: a retry is answered with the survey as it is
then. Nothing here logs, and no message names both a member and a choice."""
import uuid

from sqlalchemy import case, insert, select, update

from services.supervision.domain import survey as domain_survey
from services.supervision.models import (members, orgs, survey_respondents, survey_tallies,
                                         surveys)
from services.supervision.quota_state import apply_facts
from services.supervision.survey_views import survey_dicts, survey_row
from shared import clock
from shared.db import conflict_insert
from shared.errors import BadInput, Conflict, Unavailable
from shared.rules import NoValidRuleSet
from shared.tree import ids_of
from shared.vocabulary import COMMITTEE


def _committee(session, committee_id):
    row = session.execute(select(orgs.c.id, orgs.c.kind, orgs.c.path, orgs.c.bureau_id)
                          .where(orgs.c.id == committee_id)).mappings().first()
    if row is None:
        # the gateway found it in the organisation service: not told here yet
        raise Unavailable(f"organisation {committee_id} is not known to supervision yet; "
                          "try again in a moment")
    if row["kind"] != COMMITTEE:
        raise BadInput(f"a survey is a committee's (局党委); {committee_id} is a "
                       f"{row['kind']}", "committeeId")
    return row


def open_survey(db, committee_id, year, questions, actor, request=None):
    """A new survey of the committee for ``year``, and one more survey
    opened in the committee's quota U7 of that year."""
    today = clock.today()
    year = domain_survey.year_of(year, today)
    questions = domain_survey.questions_of(questions)
    with db.uow(request) as uow:
        session = uow.session
        committee = _committee(session, committee_id)
        survey_id = uuid.uuid4().hex
        session.execute(insert(surveys).values(
            id=survey_id, committee_id=committee["id"], committee_path=committee["path"],
            bureau_id=committee["bureau_id"], year=year, questions=list(questions),
            opened_on=today, opened_by=str(actor)[:128]))
        session.execute(insert(survey_tallies), [{"survey_id": survey_id, "question": i}
                                                 for i in range(len(questions))])
        fact = domain_survey.SurveyFact(survey_id, committee["id"], ids_of(committee["path"]),
                                        year, today)
        try:
            apply_facts(session, [(committee["bureau_id"], fact)])
        except NoValidRuleSet:
            raise Unavailable(f"bureau {committee['bureau_id']} has no valid quota rule set; "
                              "open the survey once its file is fixed") from None
        row = survey_row(session, survey_id)
        return uow.answer(survey_dicts(session, [row])[0])


def answer_survey(db, survey_id, member_id, answers, request=None):
    """Count the member's answers once; the survey's id (see the module)."""
    with db.uow(request) as uow:
        session = uow.session
        row = survey_row(session, survey_id, lock=True)
        answers = domain_survey.answers_of(answers, len(row["questions"]))
        place = session.execute(select(members.c.branch_path)
                                .where(members.c.id == member_id)).scalar()
        if place is None:
            raise Unavailable(f"member {member_id} is not known to supervision yet; try "
                              "again in a moment")
        if not domain_survey.belongs(ids_of(place), ids_of(row["committee_path"])):
            raise BadInput(f"member {member_id} does not belong under the survey's "
                           "committee; only its members answer it", "memberId")
        statement = conflict_insert(session, survey_respondents).values(
            survey_id=row["id"], member_id=member_id).on_conflict_do_nothing()
        if not session.execute(statement.returning(survey_respondents.c.member_id)).all():
            raise Conflict(f"member {member_id} has answered this survey already; each "
                           "member answers once", "memberId")
        chosen = domain_survey.by_choice(answers)
        t = survey_tallies.c
        session.execute(update(survey_tallies).where(t.survey_id == row["id"]).values({
            t[f"chosen_{choice}"]: t[f"chosen_{choice}"] + case(
                (t.question.in_(questions), 1), else_=0)
            for choice, questions in sorted(chosen.items())}))
        return uow.answer({"survey_id": row["id"]})
