"""The study service (S1, S4, S7): annual study and "three meetings and one
lecture" plans of committees and branches, members' theme proposals, and
members' self-study plans and logs. It learns the organisation tree, the
members and the months in which activities were held from events
(handlers.py), and tells the platform annual_plan_filed, theme_proposed,
self_study_plan_filed and self_study_logged. Entrypoints only."""
from pathlib import Path

from nameko.rpc import rpc

from services.study import handlers, views
from services.study.domain import self_study
from services.study.models import metadata
from shared.consumer import batch_consumer, consume_batch
from shared.db import Database
from shared.errors import ALL_ERRORS
from shared.periods import parse_year
from shared.idempotency import once
from shared.read_models import tree_consumers
from shared.service import BaseService

MIGRATIONS = Path(__file__).parent / "migrations"



class StudyService(tree_consumers(handlers), BaseService):
    name = "study"
    db = Database("study", metadata, MIGRATIONS)

    @batch_consumer("activity", "activity_recorded")
    def on_activity_recorded(self, bodies):
        return consume_batch(self.db, bodies, "activity_recorded", handlers.apply_activity,
                             handlers.apply_activities)

    # Each command is carried out once per ``request`` (shared/idempotency.py).
    # ``roles``: the caller's, as the gateway read them from the token (who
    # may write what is the gateway's to judge; kept for the record).

    @rpc(expected_exceptions=ALL_ERRORS)
    def file_annual_plan(self, data, actor="unknown", request=None, roles=None):
        return once(self.db, request, [data, actor],
                    lambda req: handlers.file_annual_plan(self.db, data, actor, req))

    @rpc(expected_exceptions=ALL_ERRORS)
    def annual_plan(self, org_id, year, kind):
        with self.db.read() as session:
            return views.annual_plan(session, org_id, parse_year(year), kind)

    @rpc(expected_exceptions=ALL_ERRORS)
    def propose_theme(self, org_id, member_id, theme, actor="unknown", request=None,
                      roles=None):
        return once(self.db, request, [org_id, member_id, theme, actor],
                    lambda req: handlers.propose_theme(self.db, org_id, member_id, theme,
                                                       actor, req))

    @rpc(expected_exceptions=ALL_ERRORS)
    def theme_proposals(self, org_id, year):
        with self.db.read() as session:
            return views.theme_proposals_of(session, org_id, parse_year(year))

    @rpc(expected_exceptions=ALL_ERRORS)
    def file_self_study_plan(self, data, actor="unknown", request=None, roles=None):
        return once(self.db, request, [data, actor],
                    lambda req: handlers.file_self_study_plan(self.db, data, actor, req))

    @rpc(expected_exceptions=ALL_ERRORS)
    def self_study_plan(self, member_id, year):
        with self.db.read() as session:
            return views.self_study_plan(session, member_id, parse_year(year))

    @rpc(expected_exceptions=ALL_ERRORS)
    def log_self_study(self, data, actor="unknown", request=None, roles=None):
        return once(self.db, request, [data, actor],
                    lambda req: handlers.log_self_study(self.db, data, actor, req))

    @rpc(expected_exceptions=ALL_ERRORS)
    def self_study_log(self, member_id, date_from, date_to):
        start, end = self_study.check_range(date_from, date_to)
        with self.db.read() as session:
            return views.self_study_log(session, member_id, start, end)
