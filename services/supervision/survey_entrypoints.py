"""The supervision service's entrypoints of the yearly thought survey
(思想政治状况调查, U7), a mixin of SupervisionService: open a survey, answer
it, read one or a subtree's (survey_handlers.py, survey_views.py)."""
from nameko.rpc import rpc
from sqlalchemy import select

from services.supervision import survey_handlers, survey_views
from services.supervision.models import orgs
from shared.errors import ALL_ERRORS, BadInput
from shared.idempotency import once
from shared.periods import parse_year


class SurveyEntrypoints:

    @rpc(expected_exceptions=ALL_ERRORS)
    def open_survey(self, committee_id, year, questions, actor="unknown", request=None):
        """A committee's new survey of ``year`` (quota U7), carried out once
        per ``request``."""
        return once(self.db, request, [committee_id, year, questions, actor],
                    lambda req: survey_handlers.open_survey(self.db, committee_id, year,
                                                            questions, actor, req))

    @rpc(expected_exceptions=ALL_ERRORS)
    def answer_survey(self, survey_id, member_id, answers, request=None):
        """The member's answers, counted once; the survey as it is then. The
        request is recognised by the survey and the member alone: the answers
        are kept nowhere next to the member, not even as a digest."""
        once(self.db, request, [survey_id, member_id],
             lambda req: survey_handlers.answer_survey(self.db, survey_id, member_id, answers,
                                                       req))
        return self.get_survey(survey_id)

    @rpc(expected_exceptions=ALL_ERRORS)
    def get_survey(self, survey_id):
        with self.db.read() as session:
            return survey_views.get_survey(session, survey_id)

    @rpc(expected_exceptions=ALL_ERRORS)
    def surveys(self, org_id, year):
        """The surveys of ``year`` of every committee at or below the
        organisation (none for one supervision does not know)."""
        if not isinstance(org_id, str) or not org_id:
            raise BadInput("an organisation id is needed", "orgId")
        year = parse_year(year)
        with self.db.read() as session:
            path = session.execute(select(orgs.c.path).where(orgs.c.id == org_id)).scalar()
            return [] if path is None else survey_views.surveys_under(session, path, year)
