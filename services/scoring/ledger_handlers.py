"""The scoring service's commands on the ledger (P2): a manual adjustment
(手工调整) and a month's dues (缴纳党费). Each posts under the member-year
lock, as the automatic postings do, appends to the ledger, moves the
running totals and queues its event, in one unit of work; the adjustment
also appends its audit row, which nothing may change afterwards.

Neither raises ``points_posted`` (told per source event; no service
consumes it): ``points_adjusted`` and ``dues_paid`` carry what was posted."""
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from services.scoring import dual_record_handlers, handlers
from services.scoring.domain import adjustments, dual_records, totals
from services.scoring.domain.points import POINT_RULES
from services.scoring.models import adjustment_audit, dues_payments, point_entries
from services.scoring.views import entry_dict
from shared import clock
from shared.errors import BadInput, Conflict
from shared.periods import parse_date


def _text(data, key, field):
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, str) or not value:
        raise BadInput(f"{field} is needed", field)
    return value


def _entry_row(posting, bureau_id, year, occurred_on, source_event, reason, actor, version):
    return {"id": handlers.entry_id(), "member_id": posting.member_id, "bureau_id": bureau_id,
            "year": year, "rule": posting.rule, "category": posting.category,
            "points": posting.points, "source_event": source_event,
            "occurred_on": occurred_on, "reason": reason, "posted_by": actor,
            "rule_set_version": version, "dimension": posting.dimension}


def _answer(row):
    return entry_dict({**row, "posted_at": None})


def adjust_points(db, data, actor, request=None, received=None):
    """Post a manual adjustment ``data`` ({member_id, bureau_id (the member's
    on the day), points, category, reason, on}) made by ``actor`` (the token
    subject); ``received``: the request as the gateway sent it, for the audit."""
    member_id = _text(data, "member_id", "memberId")
    bureau_id = _text(data, "bureau_id", "memberId")
    on = parse_date(data.get("on"), "on")
    if not isinstance(actor, str) or not actor:
        raise BadInput("an adjustment is made by someone: the token has no subject", "actor")
    rule_set = POINT_RULES.for_day(bureau_id, on)
    posting = adjustments.adjustment(rule_set, member_id, data.get("points"),
                                     data.get("category"), data.get("reason"), on,
                                     clock.today())
    year = on.year
    with db.uow(request) as uow:
        session = uow.session
        handlers.lock_member_year(session, member_id, year)
        row = _entry_row(posting, bureau_id, year, on, None, data["reason"].strip(), actor,
                         rule_set.version)
        session.execute(insert(point_entries).values(row))
        handlers.add_to_tallies(session, year, totals.additions([posting]))
        session.execute(insert(adjustment_audit).values(
            entry_id=row["id"], member_id=member_id, bureau_id=bureau_id, year=year,
            points=posting.points, category=posting.category, dimension=posting.dimension,
            reason=row["reason"], occurred_on=on, adjusted_by=actor,
            request={"command": "adjustPoints", "input": _plain(data),
                     "request": received if isinstance(received, dict) else None}))
        uow.emit("points_adjusted", bureau_id, {
            "entry_id": row["id"], "member_id": member_id, "year": year,
            "points": str(posting.points), "category": posting.category,
            "dimension": posting.dimension, "reason": row["reason"], "on": on.isoformat(),
            "adjusted_by": actor})
        return uow.answer(_answer(row))


def _plain(data):
    return {k: (v if isinstance(v, (str, int, float, bool, type(None))) else str(v))
            for k, v in data.items()}


def record_dues(db, data, actor, request=None):
    """Record a month's dues ``data`` ({member_id, bureau_id (the member's),
    month "YYYY-MM", amount}) and post them by the dues rule(s); a month
    already paid is CONFLICT (the key of dues_payments holds it under
    concurrency too). Answers the first posting."""
    member_id = _text(data, "member_id", "memberId")
    bureau_id = _text(data, "bureau_id", "memberId")
    today = clock.today()
    first, last = adjustments.dues_month(data.get("month"), today)
    amount = adjustments.dues_amount(data.get("amount"))
    month = first.strftime("%Y-%m")
    on, year = adjustments.paid_on(last, today), first.year
    rule_set = POINT_RULES.for_day(bureau_id, on)
    rules = adjustments.dues_rules(rule_set)
    with db.uow(request) as uow:
        session = uow.session
        handlers.lock_member_year(session, member_id, year)
        if session.execute(select(dues_payments.c.month).where(
                dues_payments.c.member_id == member_id,
                dues_payments.c.month == month)).first():
            raise Conflict(f"the dues of {month} are already recorded for member {member_id}",
                           "month")
        names = {n for r in rules for n in (r.key, r.category)}
        caps = totals.year_totals(handlers.read_tallies(session, [member_id], year, names),
                                  member_id)
        postings = adjustments.dues_postings(rule_set, caps, member_id)
        envelope = uow.emit("dues_paid", bureau_id, {
            "member_id": member_id, "month": month, "amount": str(amount),
            "on": on.isoformat(), "year": year,
            "entries": [{"rule": p.rule, "category": p.category, "points": str(p.points),
                         "dimension": p.dimension} for p in postings]})
        rows = [_entry_row(p, bureau_id, year, on, envelope.id, None, actor, rule_set.version)
                for p in postings]
        try:
            session.execute(insert(dues_payments).values(
                member_id=member_id, month=month, year=year, amount=amount, paid_on=on,
                entry_id=rows[0]["id"], recorded_by=str(actor)))
        except IntegrityError:
            raise Conflict(f"the dues of {month} are already recorded for member "
                           f"{member_id}", "month") from None
        session.execute(insert(point_entries), rows)
        handlers.add_to_tallies(session, year, totals.additions(postings))
        dual_record_handlers.add_counts(session, {year: dual_records.dues_counts(member_id)})
        return uow.answer(_answer(rows[0]))
