"""The scoring service: posts member points from events (P1, P2) into an
append-only ledger, by the bureau's point rule set, within its caps."""
import datetime as dt
import uuid
from decimal import Decimal
from pathlib import Path

from nameko.rpc import rpc
from sqlalchemy import func, insert, select

from services.scoring import domain
from services.scoring.models import member_years, metadata, point_entries
from shared.consumer import consume, event_consumer
from shared.db import Database
from shared.errors import ALL_ERRORS, BadInput
from shared.rules import RuleSetCheck
from shared.service import BaseService

MIGRATIONS = Path(__file__).parent / "migrations"


def lock_member_year(session, member_id, year):
    """Serialise postings for one member and year across replicas: the caps
    are read and written under this lock."""
    table = member_years
    exists = session.execute(select(table.c.member_id).where(
        table.c.member_id == member_id, table.c.year == year)).first()
    if not exists:
        if session.bind.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert
            session.execute(pg_insert(table).values(member_id=member_id, year=year)
                            .on_conflict_do_nothing())
        else:
            session.execute(insert(table).values(member_id=member_id, year=year))
    if session.bind.dialect.name == "postgresql":
        session.execute(select(table.c.member_id).where(
            table.c.member_id == member_id, table.c.year == year).with_for_update())


def year_totals(session, member_id, year):
    totals = domain.YearTotals.empty()
    rows = session.execute(
        select(point_entries.c.rule, point_entries.c.category, point_entries.c.points)
        .where(point_entries.c.member_id == member_id, point_entries.c.year == year)).all()
    for rule, category, points in rows:
        totals.add(rule, category, Decimal(points))
    return totals


def apply_activity(uow, envelope):
    activity = envelope.payload
    held_on = dt.date.fromisoformat(activity["held_on"])
    rule_set = domain.POINT_RULES.for_day(envelope.bureau_id, held_on)
    by_member = {}
    for candidate in domain.candidates_for_activity(rule_set, activity):
        by_member.setdefault(candidate.member_id, []).append(candidate)
    posted = []
    for member_id in sorted(by_member):
        lock_member_year(uow.session, member_id, held_on.year)
        totals = year_totals(uow.session, member_id, held_on.year)
        for candidate in by_member[member_id]:
            posting = domain.post(rule_set, totals, candidate)
            if posting is None:
                continue
            uow.session.execute(insert(point_entries).values(
                id=uuid.uuid4().hex, member_id=member_id, bureau_id=envelope.bureau_id,
                year=held_on.year, rule=posting.rule, category=posting.category,
                points=posting.points, source_event=envelope.id, occurred_on=held_on,
                rule_set_version=rule_set.version))
            posted.append({"member_id": member_id, "rule": posting.rule,
                           "points": str(posting.points)})
    for member_id in sorted({p["member_id"] for p in posted}):
        uow.emit("points_posted", envelope.bureau_id, {
            "member_id": member_id, "year": held_on.year, "source_event": envelope.id,
            "entries": [p for p in posted if p["member_id"] == member_id]})


def entry_dict(row):
    return {"id": row["id"], "rule": row["rule"], "category": row["category"],
            "points": float(row["points"]), "source_event": row["source_event"],
            "occurred_on": row["occurred_on"].isoformat(), "reason": row["reason"]}


class ScoringService(BaseService):
    name = "scoring"
    db = Database("scoring", metadata, MIGRATIONS)
    rule_sets = RuleSetCheck(domain.POINT_RULES)

    @event_consumer("activity", "activity_recorded")
    def on_activity_recorded(self, body):
        consume(self.db, body, "activity_recorded", apply_activity)

    @rpc(expected_exceptions=ALL_ERRORS)
    def points_summary(self, member_id, year):
        if isinstance(year, bool) or not isinstance(year, int) or not 1921 <= year <= 9999:
            raise BadInput(f"{year!r} is not a year", "year")
        with self.db.connect() as conn:
            rows = conn.execute(
                select(point_entries)
                .where(point_entries.c.member_id == member_id, point_entries.c.year == year)
                .order_by(point_entries.c.occurred_on, point_entries.c.posted_at)
            ).mappings().all()
            by_category = conn.execute(
                select(point_entries.c.category, func.sum(point_entries.c.points))
                .where(point_entries.c.member_id == member_id, point_entries.c.year == year)
                .group_by(point_entries.c.category).order_by(point_entries.c.category)).all()
        total = sum((Decimal(r["points"]) for r in rows), Decimal(0))
        return {"member_id": member_id, "year": year, "total": float(total),
                "by_category": [{"category": c, "points": float(p)} for c, p in by_category],
                "entries": [entry_dict(r) for r in rows]}
