"""The supervision service: evaluates every quota for every subject and
period (U1), closes periods, and opens a supervision item (督办) for each
missed quota (U2). It learns the organisation tree and the activities from
events and keeps its own read model of both."""
import datetime as dt
import uuid
from pathlib import Path

from nameko.rpc import rpc
from nameko.timer import timer
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import IntegrityError

from services.supervision import domain
from services.supervision.models import (activity_facts, auto_closed_periods, metadata, orgs,
                                         quota_closures, supervision_items)
from shared import clock, metrics
from shared.config import env, timezone
from shared.consumer import consume, event_consumer
from shared.db import Database
from shared.errors import ALL_ERRORS, BadInput, Forbidden
from shared.periods import parse_period
from shared.rules import RuleSetCheck
from shared.service import BaseService
from shared.vocabulary import ASSIGNED, MISSED, SUPERVISION_STATES

MIGRATIONS = Path(__file__).parent / "migrations"
AUTO_CLOSE_INTERVAL = float(env("XF_AUTO_CLOSE_INTERVAL", "60"))


def _org(row):
    return domain.Org(row["id"], row["kind"], row["parent_id"], row["bureau_id"],
                      tuple(p for p in row["path"].split("/") if p), row["created_on"])


def apply_org_created(uow, envelope):
    p = envelope.payload
    exists = uow.session.execute(select(orgs.c.id).where(orgs.c.id == p["org_id"])).first()
    if exists:
        return
    created_on = dt.date.fromisoformat(p.get("created_on") or envelope.occurred_at[:10])
    uow.session.execute(insert(orgs).values(
        id=p["org_id"], name=p["name"], kind=p["kind"], parent_id=p["parent_id"],
        bureau_id=envelope.bureau_id, path="/" + "/".join(p["path"]) + "/",
        created_on=created_on))


def apply_activity(uow, envelope):
    p = envelope.payload
    exists = uow.session.execute(select(activity_facts.c.activity_id).where(
        activity_facts.c.activity_id == p["activity_id"])).first()
    if exists:
        return
    uow.session.execute(insert(activity_facts).values(
        activity_id=p["activity_id"], org_id=p["org_id"],
        org_path="/" + "/".join(p["org_path"]) + "/", bureau_id=envelope.bureau_id,
        kind=p["kind"], held_on=dt.date.fromisoformat(p["held_on"])))


def load_scope(session, org_id):
    rows = session.execute(select(orgs).where(orgs.c.path.like(f"%/{org_id}/%"))) \
        .mappings().all()
    return [_org(r) for r in rows]


def load_facts(session, org_id, period):
    rows = session.execute(select(activity_facts).where(
        activity_facts.c.org_path.like(f"%/{org_id}/%"),
        activity_facts.c.held_on >= period.start,
        activity_facts.c.held_on <= period.end)).mappings().all()
    return [domain.ActivityFact(r["activity_id"], tuple(p for p in r["org_path"].split("/") if p),
                                r["kind"], r["held_on"]) for r in rows]


def load_closed(session, subject_ids, period):
    if not subject_ids:
        return set()
    rows = session.execute(select(quota_closures.c.rule, quota_closures.c.subject_id)
                           .where(quota_closures.c.period == period.label,
                                  quota_closures.c.subject_id.in_(subject_ids))).all()
    return {(rule, subject, period.label) for rule, subject in rows}


def evaluate_orgs(session, scope, facts, period):
    """Results for ``scope``, each bureau by its own rule set."""
    by_bureau = {}
    for org in scope:
        by_bureau.setdefault(org.bureau_id, []).append(org)
    closed = load_closed(session, [o.id for o in scope], period)
    results = []
    for bureau_id, bureau_orgs in sorted(by_bureau.items()):
        rule_set = domain.QUOTA_RULES.for_day(bureau_id, period.start)
        results.extend(domain.evaluate(rule_set, bureau_orgs, facts, period, closed))
    return results


def close(uow, scope, facts, period, actor, automatic):
    """Close ``period`` for the subjects in ``scope``: record each quota as
    closed and open one item per missed quota, telling the platform
    (supervision_item_opened). Already closed quotas are left as they are, so
    closing twice opens nothing new."""
    session = uow.session
    bureau_of = {o.id: o.bureau_id for o in scope}
    for result in evaluate_orgs(session, scope, facts, period):
        if (result.rule, result.subject_id, period.label) in load_closed(
                session, [result.subject_id], period):
            continue
        session.execute(insert(quota_closures).values(
            rule=result.rule, subject_id=result.subject_id, period=period.label,
            bureau_id=bureau_of[result.subject_id], required=result.required,
            actual=result.actual, automatic=automatic, closed_by=actor))
        if result.actual < result.required:
            item_id = uuid.uuid4().hex
            session.execute(insert(supervision_items).values(
                id=item_id, org_id=result.subject_id, bureau_id=bureau_of[result.subject_id],
                rule=result.rule, period=period.label, state=ASSIGNED, opened_at=clock.now()))
            uow.emit("supervision_item_opened", bureau_of[result.subject_id], {
                "item_id": item_id, "org_id": result.subject_id, "rule": result.rule,
                "period": period.label})


def item_dict(row):
    # shown in the bureaus' time zone, as a secretary reads a clock
    opened_at = clock.as_utc(row["opened_at"]).astimezone(timezone())
    return {"id": row["id"], "org_id": row["org_id"], "rule": row["rule"],
            "period": row["period"], "state": row["state"], "opened_at": opened_at.isoformat()}


def result_dict(r):
    return {"rule": r.rule, "subject_id": r.subject_id, "period": r.period,
            "required": r.required, "actual": r.actual, "status": r.status}


class SupervisionService(BaseService):
    name = "supervision"
    db = Database("supervision", metadata, MIGRATIONS)
    rule_sets = RuleSetCheck(domain.QUOTA_RULES)

    @event_consumer("organization", "organization_created")
    def on_organization_created(self, body):
        consume(self.db, body, "organization_created", apply_org_created)

    @event_consumer("activity", "activity_recorded")
    def on_activity_recorded(self, body):
        consume(self.db, body, "activity_recorded", apply_activity)

    @rpc(expected_exceptions=ALL_ERRORS)
    def compliance(self, org_id, period):
        period = parse_period(period)
        with self.db.read() as session:
            scope = load_scope(session, org_id)
            facts = load_facts(session, org_id, period)
            results = evaluate_orgs(session, scope, facts, period)
        return {"org_id": org_id, "period": period.label,
                "results": [result_dict(r) for r in results]}

    @rpc(expected_exceptions=ALL_ERRORS)
    def close_period(self, org_id, period, actor="unknown", early=False):
        """Close ``period`` for the organisation's subtree. Before the period
        has ended only with ``early`` (an admin's early close)."""
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
                with self.db.uow() as uow:
                    scope = load_scope(uow.session, org_id)
                    facts = load_facts(uow.session, org_id, period)
                    close(uow, scope, facts, period, actor, automatic=False)
                break
            except IntegrityError:
                # another replica closed some of the same quotas a moment ago;
                # the second pass sees its closures and leaves them be
                if attempt == 2:
                    raise
        return self.compliance(org_id, period.label)

    @rpc(expected_exceptions=ALL_ERRORS)
    def supervision_items(self, org_id, state=None):
        if state is not None and state not in SUPERVISION_STATES:
            raise BadInput(f"{state!r} is not a state; use one of "
                           + ", ".join(SUPERVISION_STATES), "state")
        with self.db.read() as session:
            ids = [o.id for o in load_scope(session, org_id)]
            if not ids:
                return []
            query = select(supervision_items).where(supervision_items.c.org_id.in_(ids))
            if state:
                query = query.where(supervision_items.c.state == state)
            rows = session.execute(query.order_by(supervision_items.c.period,
                                                  supervision_items.c.rule)).mappings().all()
        return [item_dict(r) for r in rows]

    @timer(interval=AUTO_CLOSE_INTERVAL)
    def auto_close(self):
        """Close every period that has ended, for the subjects that existed in
        it. Several replicas may run this: on PostgreSQL one takes an advisory
        lock and the others skip the round; the unique closures and items make
        a repeat harmless anyway."""
        today = clock.today()
        with self.db.uow() as uow:
            session = uow.session
            if session.bind.dialect.name == "postgresql":
                got = session.execute(text("SELECT pg_try_advisory_xact_lock(hashtext(:k))"),
                                      {"k": "xianfeng-auto-close"}).scalar()
                if not got:
                    return
            earliest = session.execute(select(func.min(orgs.c.created_on))).scalar()
            if earliest is not None:
                done = set(session.execute(select(auto_closed_periods.c.period)).scalars())
                all_orgs = [_org(r) for r in session.execute(select(orgs)).mappings()]
                for period in domain.due_for_auto_close(today, earliest, done):
                    scope = [o for o in all_orgs if o.created_on <= period.end]
                    for top in {o.path[0] for o in scope}:
                        in_tree = [o for o in scope if o.path[0] == top]
                        facts = load_facts(session, top, period)
                        close(uow, in_tree, facts, period, "auto-close", automatic=True)
                    session.execute(insert(auto_closed_periods).values(period=period.label))
        self.refresh_quota_gauge(today)

    def refresh_quota_gauge(self, today):
        counts = {}
        with self.db.read() as session:
            all_orgs = [_org(r) for r in session.execute(select(orgs)).mappings()]
            for period in domain.current_periods(today):
                for top in {o.path[0] for o in all_orgs}:
                    in_tree = [o for o in all_orgs if o.path[0] == top]
                    facts = load_facts(session, top, period)
                    bureau_of = {o.id: o.bureau_id for o in in_tree}
                    for r in evaluate_orgs(session, in_tree, facts, period):
                        key = (bureau_of[r.subject_id], r.status)
                        counts[key] = counts.get(key, 0) + 1
            missed = session.execute(
                select(quota_closures.c.bureau_id, func.count())
                .where(quota_closures.c.actual < quota_closures.c.required)
                .group_by(quota_closures.c.bureau_id)).all()
        for bureau_id, n in missed:
            counts[(bureau_id, MISSED)] = n
        metrics.QUOTAS.clear()
        for (bureau_id, status), n in counts.items():
            metrics.QUOTAS.labels(bureau_id, status).set(n)
