"""The supervision service: evaluates every quota for every subject and
period (U1), closes periods, and opens a supervision item (督办) for each
missed quota (U2). It learns the organisation tree, the members and the
activities from events, and keeps each quota's count as the facts arrive
(handlers.py); compliance reads those counts (views.py). It rates the
branches for a year (星级评定, rating_views.py), asking scoring for the
members' point totals. It follows up the pioneer titles withdrawn (摘牌, V3:
pioneer_handlers.py), one item per committee and year."""
import datetime as dt
from pathlib import Path

from nameko.rpc import RpcProxy, rpc
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from services.supervision import (domain, handlers, pioneer_handlers, quota_state, rating_views,
                                  views)
from services.supervision.domain.rating import RATING_RULES
from services.supervision.item_entrypoints import ItemEntrypoints
from services.supervision.domain.supervision_rules import SUPERVISION_RULES
from services.supervision.models import auto_closed_periods, closed_deadlines, metadata, orgs
from services.supervision.negative_list_entrypoints import NegativeListEntrypoints
from services.supervision.rectification_entrypoints import RectificationEntrypoints
from services.supervision.reminder_entrypoints import ReminderEntrypoints
from services.supervision.report_entrypoints import ReportEntrypoints
from services.supervision.survey_entrypoints import SurveyEntrypoints
from shared import clock, collector, metrics
from shared.config import env
from shared.consumer import batch_consumer, consume, consume_batch, event_consumer
from shared.db import Database
from shared.errors import ALL_ERRORS, BadInput, Forbidden, Unavailable
from shared.idempotency import is_clash, once
from shared.lookups import ask
from shared.periods import YEAR, Period, parse_period, parse_year
from shared.read_models import tree_consumers
from shared.rules import RuleSetCheck
from shared.service import BaseService
from shared.sweep import sweep
from shared.vocabulary import SUPERVISION_STATES

MIGRATIONS = Path(__file__).parent / "migrations"
AUTO_CLOSE_INTERVAL = float(env("XF_AUTO_CLOSE_INTERVAL", "60"))
# The branch ratings ask scoring for members' year totals, this many at once
# (scoring's own limit), each call expiring in the broker after TOTALS_TIMEOUT s.
TOTALS_BATCH = 10_000
TOTALS_TIMEOUT = 30


# The entrypoints of supervision's parts, each in a module of its own (one
# per line, so additions merge).
PARTS = (
    ItemEntrypoints,
    RectificationEntrypoints,
    ReminderEntrypoints,
    NegativeListEntrypoints,
    SurveyEntrypoints,
    ReportEntrypoints,
)


class SupervisionService(*PARTS, tree_consumers(handlers), BaseService):
    name = "supervision"
    db = Database("supervision", metadata, MIGRATIONS)
    rule_sets = RuleSetCheck(domain.QUOTA_RULES, RATING_RULES, SUPERVISION_RULES)
    scoring = RpcProxy("scoring", expiration=TOTALS_TIMEOUT)
    gauge = views.QuotaGauge()

    @event_consumer("organization", "member_roles_set")
    def on_member_roles_set(self, body):
        consume(self.db, body, "member_roles_set", handlers.apply_member_roles_set)

    @event_consumer("organization", "contact_branch_assigned")
    def on_contact_branch_assigned(self, body):
        consume(self.db, body, "contact_branch_assigned", handlers.apply_contact_branch_assigned)

    @event_consumer("study", "annual_plan_filed")
    def on_annual_plan_filed(self, body):
        consume(self.db, body, "annual_plan_filed", handlers.apply_plan_filed)

    @event_consumer("study", "self_study_plan_filed")
    def on_self_study_plan_filed(self, body):
        consume(self.db, body, "self_study_plan_filed", handlers.apply_self_study_plan_filed)

    @event_consumer("scoring", "checkup_recorded")
    def on_checkup_recorded(self, body):
        consume(self.db, body, "checkup_recorded", handlers.apply_checkup_recorded)

    # -- members' practice (issue 8): the practice quotas A5, A5-PAIR, A6,
    # A6-SEC, A6-COM, A8
    @event_consumer("activity", "talk_recorded")
    def on_talk_recorded(self, body):
        consume(self.db, body, "talk_recorded", handlers.apply_talk_recorded)

    @event_consumer("activity", "household_registered")
    def on_household_registered(self, body):
        consume(self.db, body, "household_registered", handlers.apply_household_registered)

    @event_consumer("activity", "household_visited")
    def on_household_visited(self, body):
        consume(self.db, body, "household_visited", handlers.apply_household_visited)

    @event_consumer("activity", "pledge_made")
    def on_pledge_made(self, body):
        consume(self.db, body, "pledge_made", handlers.apply_pledge_made)

    @event_consumer("pioneer", "pioneer_withdrawn")
    def on_pioneer_withdrawn(self, body):
        consume(self.db, body, "pioneer_withdrawn", pioneer_handlers.apply_pioneer_withdrawn)

    @batch_consumer("activity", "activity_recorded")
    def on_activity_recorded(self, bodies):
        return consume_batch(self.db, bodies, "activity_recorded", handlers.apply_activity,
                             handlers.apply_activities)

    @rpc(expected_exceptions=ALL_ERRORS)
    def compliance(self, org_id, period):
        period = parse_period(period)
        with self.db.read() as session:
            return self._compliance(session, org_id, period)

    @staticmethod
    def _compliance(session, org_id, period):
        # a city-year answer is 336,000 results: built without the cyclic
        # collector running over it again and again (shared/collector.py)
        with collector.paused():
            results = views.compliance(session, org_id, period)
            return {"org_id": org_id, "period": period.label,
                    "results": views.result_dicts(results)}

    @rpc(expected_exceptions=ALL_ERRORS)
    def close_period(self, org_id, period, actor="unknown", early=False, request=None):
        """Close ``period`` for the organisation's subtree. Before the period
        has ended only with ``early`` (an admin's early close). Carried out
        once per ``request`` (shared/idempotency.py)."""
        return once(self.db, request, [org_id, period, actor, early],
                    lambda req: self._close_period(org_id, period, actor, early, req))

    def _close_period(self, org_id, period, actor, early, request):
        period = parse_period(period)
        today = clock.today()
        if period.start > today:
            raise BadInput(f"{period.label} has not begun (today is {today}); "
                           "only a period that has begun can be closed", "period")
        if not period.has_ended(today) and not early:
            raise Forbidden(f"{period.label} runs until {period.end}; only an admin may "
                            "close it early", "period")
        for attempt in (1, 2):
            try:
                with self.db.uow(request) as uow:
                    path = views.org_path(uow.session, org_id)
                    if path is not None:
                        handlers.close(uow, path, period, actor, automatic=False)
                    # the answer as this transaction leaves it, not read again
                    # after the commit
                    return uow.answer(self._compliance(uow.session, org_id, period))
            except IntegrityError as exc:
                # another replica closed some of the same quotas a moment ago;
                # the second pass sees its closures and leaves them be (unless
                # it was this very request, which idempotency.once answers)
                if attempt == 2 or is_clash(exc):
                    raise

    @rpc(expected_exceptions=ALL_ERRORS)
    def supervision_items(self, org_id, state=None):
        if state is not None and state not in SUPERVISION_STATES:
            raise BadInput(f"{state!r} is not a state; use one of "
                           + ", ".join(SUPERVISION_STATES), "state")
        with self.db.read() as session:
            return views.items(session, org_id, state)

    @rpc(expected_exceptions=ALL_ERRORS)
    def pioneer_withdrawals(self, bureau_id, year):
        """How many of the bureau's pioneer titles were withdrawn in ``year``
        (for the yearly report)."""
        if not isinstance(bureau_id, str) or not bureau_id.strip():
            raise BadInput(f"{bureau_id!r} is not an organisation id", "bureauId")
        year = parse_year(year)
        with self.db.read() as session:
            return views.withdrawn_count(session, bureau_id, year)

    @rpc(expected_exceptions=ALL_ERRORS)
    def branch_ratings(self, org_id, year):
        """Every branch of the subtree rated for ``year`` (星级评定), best
        first (rating_views.py): the reads, then the members' year totals from
        scoring in batches of TOTALS_BATCH (one call per batch and year, never
        per branch), then the rating."""
        year = parse_year(year)
        with self.db.read() as session:
            measured = rating_views.measure(session, org_id, year)
        if measured is None:
            return []
        ids = measured.member_ids
        totals = {y: self._year_totals(ids, y) for y in measured.years}
        return rating_views.ratings(measured, totals)

    def _year_totals(self, member_ids, year):
        totals = {}
        for i in range(0, len(member_ids), TOTALS_BATCH):
            totals.update(ask(self.scoring, "member_year_totals", member_ids[i:i + TOTALS_BATCH],
                              year, timeout=TOTALS_TIMEOUT, asked="the scoring service"))
        return totals

    @rpc(expected_exceptions=ALL_ERRORS)
    def rederive_quotas(self, bureau_id=None):
        """Derive the quota state again from the facts: one bureau, or every
        bureau whose rule set changed since its state was derived."""
        return self._rederive([bureau_id] if bureau_id else None)

    def _rederive(self, bureaus=None):
        if bureaus is None:
            with self.db.read() as session:
                bureaus = quota_state.stale_bureaus(session)
        rows = 0
        for bureau in bureaus:
            if not domain.QUOTA_RULES.has_valid(bureau):
                raise Unavailable(f"bureau {bureau} has no valid quota rule set yet; its "
                                  "quotas are derived again once its file is fixed")
            with self.db.uow() as uow:
                rows += quota_state.rederive(uow.session, bureau)
        return {"bureaus": bureaus, "rows": rows}

    @sweep("auto_close", AUTO_CLOSE_INTERVAL, eager=True)
    def auto_close(self):
        """The periodic round, cheap when nothing changed, run by one replica
        at a time (shared/sweep.py): derive again the bureaus whose rule set
        changed; close every period that has ended, once (for the subjects
        that existed in it), and every deadline inside a year that has passed,
        once per bureau, year and rule; refresh the quota gauge. The unique
        closures and items make a repeat harmless anyway."""
        today = clock.today()
        self._rederive()
        with self.db.uow() as uow:
            session = uow.session
            earliest = session.execute(select(func.min(orgs.c.created_on))).scalar()
            if earliest is not None:
                tops = session.execute(select(orgs.c.path)
                                       .where(orgs.c.parent_id.is_(None))).scalars().all()
                self._close_deadlines(uow, today, earliest, tops)
                done = set(session.execute(select(auto_closed_periods.c.period)).scalars())
                for period in domain.due_for_auto_close(today, earliest, done):
                    for top in tops:
                        handlers.close(uow, top, period, "auto-close", automatic=True,
                                       created_by=period.end)
                    session.execute(insert(auto_closed_periods).values(period=period.label))
        self.refresh_quota_gauge(today)

    @staticmethod
    def _close_deadlines(uow, today, earliest, tops):
        """Judge each quota whose deadline passed (S1 and A2-PLAN after Jan 31,
        S4 after Mar 31) for the whole tree, without waiting for the year's
        end: each bureau by its own rule set."""
        session = uow.session
        done = {(b, y, r) for b, y, r in session.execute(
            select(closed_deadlines.c.bureau_id, closed_deadlines.c.year,
                   closed_deadlines.c.rule))}
        due = {}  # (year, deadline) -> {(bureau, rule key)}
        for bureau_id in session.execute(select(orgs.c.bureau_id).distinct()).scalars():
            if not domain.QUOTA_RULES.has_valid(bureau_id):
                continue
            of_bureau = {(y, r) for b, y, r in done if b == bureau_id}
            for year, rule in domain.due_deadlines(
                    today, earliest.year,
                    lambda y: domain.QUOTA_RULES.for_day(bureau_id, dt.date(y, 1, 1)),
                    of_bureau):
                period = Period.containing(dt.date(year, 1, 1), YEAR)
                due.setdefault((year, rule.deadline(period)), set()).add((bureau_id, rule.key))
        for (year, deadline), pairs in sorted(due.items()):
            period = Period.containing(deadline, YEAR)
            for top in tops:
                handlers.close(uow, top, period, "auto-close", automatic=True,
                               created_by=deadline, only=pairs)
            session.execute(insert(closed_deadlines), [
                {"bureau_id": b, "year": year, "rule": r} for b, r in sorted(pairs)])

    def refresh_quota_gauge(self, today):
        with self.db.read() as session:
            counts = self.gauge.counts(session, today)
        metrics.QUOTAS.clear()
        for (bureau_id, status), n in counts.items():
            metrics.QUOTAS.labels(bureau_id, status).set(n)
