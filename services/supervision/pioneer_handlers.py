"""Supervision of the pioneer programme (时代先锋, V3): each title withdrawn
(摘牌) is kept once, and its committee's item of the year (one per committee
and year, rule V3) is opened or named in (domain/withdrawals.py)."""
from sqlalchemy import select, update

from services.supervision.domain import withdrawals
from services.supervision.handlers import first_filing
from services.supervision.item_rows import new_item
from services.supervision.models import pioneer_withdrawals, supervision_items
from shared.db import conflict_insert


def _open_item(session, w):
    """The committee's V3 item of the year, opened unless it is there; the
    new item's row, or None. A conflict, not an error: another worker may be
    opening it for another withdrawal at this moment."""
    row = new_item(w.bureau_id, w.committee_id, withdrawals.WITHDRAWAL_RULE, w.period)
    statement = conflict_insert(session, supervision_items).values(**row)
    statement = statement.on_conflict_do_nothing(index_elements=[
        supervision_items.c.rule, supervision_items.c.org_id, supervision_items.c.period])
    opened = session.execute(statement.returning(supervision_items.c.id)).all()
    return row if opened else None


def apply_pioneer_withdrawn(uow, envelope):
    session = uow.session
    w = withdrawals.from_payload(envelope.payload, envelope.bureau_id)
    # kept once, however often told (a republish comes under another event id)
    if not first_filing(session, pioneer_withdrawals, {"pioneer_id": w.pioneer_id},
                         {"bureau_id": w.bureau_id, "committee_id": w.committee_id,
                          "year": w.year, "on": w.on, "name": w.name}):
        return
    opened = _open_item(session, w)
    items = supervision_items.c
    # the item locked before the names are read, so that of two withdrawals
    # told at once the later to lock sees the other's name (PostgreSQL reads
    # each statement afresh; SQLite has one writer at a time anyway)
    item_id = session.execute(
        select(items.id).where(items.rule == withdrawals.WITHDRAWAL_RULE,
                               items.org_id == w.committee_id, items.period == w.period)
        .with_for_update()).scalar_one()
    t = pioneer_withdrawals.c
    names = session.execute(
        select(t.name).where(t.committee_id == w.committee_id, t.year == w.year)
        .order_by(t.on, t.name, t.pioneer_id)).scalars().all()
    session.execute(update(supervision_items).where(items.id == item_id)
                    .values(note=withdrawals.note(names)))
    if opened is not None:
        uow.emit("supervision_item_opened", opened["bureau_id"], {
            "item_id": opened["id"], "org_id": opened["org_id"], "rule": opened["rule"],
            "period": opened["period"]})

