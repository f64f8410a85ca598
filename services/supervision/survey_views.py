"""The read side of the thought surveys (思想政治状况调查): a survey with its
number of responses and, once enough members answered, its counts. A
subtree's surveys are one indexed prefix read; their counts, two more
statements however many surveys there are."""
from sqlalchemy import func, select

from services.supervision.domain import survey as domain_survey
from services.supervision.domain.supervision_rules import SUPERVISION_RULES
from services.supervision.models import survey_respondents, survey_tallies, surveys
from shared.errors import BadInput, NotFound, Unavailable
from shared.rules import NoValidRuleSet
from shared.tree import ids_of, under

CHUNK = 2000
CHOSEN = [survey_tallies.c[f"chosen_{choice}"] for choice in domain_survey.CHOICES]


def survey_row(session, survey_id, field="surveyId", lock=False):
    """The survey's row (locked for an answer with ``lock``), or NotFound."""
    if not isinstance(survey_id, str) or not survey_id:
        raise BadInput("a survey id is needed", field)
    query = select(surveys).where(surveys.c.id == survey_id)
    if lock:
        query = query.with_for_update()
    row = session.execute(query).mappings().first()
    if row is None:
        raise NotFound(f"there is no survey {survey_id}", field)
    return row


def min_responses(bureau_id, opened_on):
    """How many responses the survey's results wait for: the bureau's
    supervision rule set in force on the day the survey was opened."""
    try:
        return SUPERVISION_RULES.for_day(bureau_id, opened_on).survey_min_responses
    except NoValidRuleSet:
        raise Unavailable(f"bureau {bureau_id} has no valid supervision rule set; its "
                          "surveys are shown once its file is fixed") from None


def _responses(session, ids):
    out = {}
    for i in range(0, len(ids), CHUNK):
        out.update(session.execute(
            select(survey_respondents.c.survey_id, func.count())
            .where(survey_respondents.c.survey_id.in_(ids[i:i + CHUNK]))
            .group_by(survey_respondents.c.survey_id)).all())
    return out


def _counts(session, ids):
    out = {}
    for i in range(0, len(ids), CHUNK):
        for row in session.execute(
                select(survey_tallies.c.survey_id, *CHOSEN)
                .where(survey_tallies.c.survey_id.in_(ids[i:i + CHUNK]))
                .order_by(survey_tallies.c.survey_id, survey_tallies.c.question)):
            out.setdefault(row[0], []).append(list(row[1:]))
    return out


def survey_dicts(session, rows):
    """Each survey row as the API shows it, in the order given."""
    ids = sorted({r["id"] for r in rows})
    responses, counts = _responses(session, ids), _counts(session, ids)
    out = []
    for r in rows:
        n = responses.get(r["id"], 0)
        shown = domain_survey.results(counts.get(r["id"], []), n,
                                      min_responses(r["bureau_id"], r["opened_on"]))
        out.append({"id": r["id"], "committee_id": r["committee_id"],
                    "committee_path": list(ids_of(r["committee_path"])), "year": r["year"],
                    "questions": list(r["questions"]), "responses": n, "results": shown})
    return out


def get_survey(session, survey_id):
    return survey_dicts(session, [survey_row(session, survey_id)])[0]


def surveys_under(session, org_path, year):
    """The surveys of ``year`` of every committee at or below ``org_path``,
    oldest first."""
    rows = session.execute(
        select(surveys).where(under(surveys.c.committee_path, org_path),
                              surveys.c.year == year)
        .order_by(surveys.c.opened_on, surveys.c.committee_id, surveys.c.id)).mappings().all()
    return survey_dicts(session, rows)
