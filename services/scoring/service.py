"""The scoring service: posts member points from events (P1, P2) into an
append-only ledger, by the bureau's point rule set, within its caps; takes
manual adjustments and monthly dues (ledger_handlers.py); keeps each
member's year by four-qualified dimension and their dual records (双记实,
dual_record_handlers.py).

Entrypoints only: the handlers (handlers.py) post, the views (views.py) read."""
from pathlib import Path

from nameko.rpc import rpc

from services.scoring import dual_record_handlers, handlers, ledger_handlers, views
from services.scoring.domain import POINT_RULES, dual_records
from shared import clock
from services.scoring.models import metadata
from shared.consumer import batch_consumer, consume, consume_batch, event_consumer
from shared.db import Database
from shared.errors import ALL_ERRORS, BadInput
from shared.idempotency import once
from shared.periods import parse_year
from shared.rules import RuleSetCheck
from shared.service import BaseService

MIGRATIONS = Path(__file__).parent / "migrations"



MAX_MEMBERS = 10_000  # one query's parameters stay far below SQLite's 32,766


def _member_ids(member_ids):
    if not isinstance(member_ids, list):
        raise BadInput("member_ids must be a list of member ids", "member_ids")
    if len(member_ids) > MAX_MEMBERS:
        raise BadInput(f"at most {MAX_MEMBERS} members at once, not {len(member_ids)}",
                       "member_ids")
    for i, member_id in enumerate(member_ids):
        if not isinstance(member_id, str) or not member_id:
            raise BadInput(f"{member_id!r} is not a member id", f"member_ids[{i}]")
    return member_ids


class ScoringService(BaseService):
    name = "scoring"
    db = Database("scoring", metadata, MIGRATIONS)
    rule_sets = RuleSetCheck(POINT_RULES)

    @batch_consumer("activity", "activity_recorded")
    def on_activity_recorded(self, bodies):
        return consume_batch(self.db, bodies, "activity_recorded", handlers.apply_activity,
                             handlers.apply_activities)

    @batch_consumer("study", "self_study_plan_filed")
    def on_self_study_plan_filed(self, bodies):
        return consume_batch(self.db, bodies, "self_study_plan_filed",
                             handlers.apply_member_event, handlers.apply_member_events)

    @batch_consumer("study", "self_study_logged")
    def on_self_study_logged(self, bodies):
        return consume_batch(self.db, bodies, "self_study_logged",
                             handlers.apply_member_event, handlers.apply_member_events)

    @batch_consumer("activity", "micro_wish_fulfilled")
    def on_micro_wish_fulfilled(self, bodies):
        return consume_batch(self.db, bodies, "micro_wish_fulfilled",
                             handlers.apply_member_event, handlers.apply_member_events)

    @batch_consumer("activity", "household_visited")
    def on_household_visited(self, bodies):
        return consume_batch(self.db, bodies, "household_visited",
                             handlers.apply_member_event, handlers.apply_member_events)

    @batch_consumer("activity", "pledge_fulfilled")
    def on_pledge_fulfilled(self, bodies):
        return consume_batch(self.db, bodies, "pledge_fulfilled",
                             handlers.apply_member_event, handlers.apply_member_events)

    # contacts (联系点) for the dual records; those told before this consumer's
    # queue existed are not replayed (domain/dual_records.py)
    @event_consumer("organization", "contact_branch_assigned")
    def on_contact_branch_assigned(self, body):
        consume(self.db, body, "contact_branch_assigned",
                dual_record_handlers.apply_contact_assigned)

    @rpc(expected_exceptions=ALL_ERRORS)
    def adjust_points(self, data, actor=None, request=None):
        """A manual adjustment (手工调整) by ``actor``; the new ledger entry."""
        return once(self.db, request, [data, actor],
                    lambda req: ledger_handlers.adjust_points(self.db, data, actor, req, request))

    @rpc(expected_exceptions=ALL_ERRORS)
    def record_dues(self, data, actor=None, request=None):
        """A month's dues (缴纳党费); the ledger entry of their points."""
        return once(self.db, request, [data, actor],
                    lambda req: ledger_handlers.record_dues(self.db, data, actor, req))

    @rpc(expected_exceptions=ALL_ERRORS)
    def four_qualified(self, member_ids, year):
        """``{member id: [{dimension, points}]}``: the year's net points by dimension."""
        year = parse_year(year)
        member_ids = _member_ids(member_ids)
        with self.db.connect() as conn:
            return views.four_qualified(conn, member_ids, year)

    @rpc(expected_exceptions=ALL_ERRORS)
    def dual_records(self, member_ids, year):
        """The year's dual-record counts (双记实), ``{"records": {member id:
        {counter: n}}, "cadre_day": day}``: the day whose roles make a
        member a cadre for the year (the caller holds the roles)."""
        year = parse_year(year)
        member_ids = _member_ids(member_ids)
        with self.db.connect() as conn:
            records = views.dual_record_counts_of(conn, member_ids, year)
        return {"records": records,
                "cadre_day": dual_records.cadre_day(year, clock.today()).isoformat()}

    @rpc(expected_exceptions=ALL_ERRORS)
    def points_summary(self, member_id, year):
        year = parse_year(year)
        with self.db.connect() as conn:
            return views.points_summary(conn, member_id, year)

    @rpc(expected_exceptions=ALL_ERRORS)
    def points_summaries(self, member_ids, year):
        year = parse_year(year)
        member_ids = _member_ids(member_ids)
        with self.db.connect() as conn:
            return views.points_summaries(conn, member_ids, year)
