"""Reads of rectification lists (问题整改清单). A reader never sees OPEN for
an item past its due day: the state is derived as of today
(domain/rectification.state_on), and a query for OPEN or OVERDUE is a
condition on (state, due) that the indexes serve."""
from sqlalchemy import select

from services.supervision.domain import rectification as rules
from services.supervision.models import rectifications
from shared.errors import NotFound
from shared.tree import ids_of, under


def _day(value):
    return value.isoformat() if value else None


def rectification_dict(row, today):
    return {"id": row["id"], "org_id": row["org_id"], "bureau_id": row["bureau_id"],
            "org_path": list(ids_of(row["org_path"])), "problem": row["problem"],
            "measures": list(row["measures"]), "owner_id": row["owner_id"],
            "due": _day(row["due"]), "campaign": bool(row["campaign"]),
            "state": rules.state_on(row["state"], row["due"], today),
            "outcome": row["outcome"], "closed_on": _day(row["closed_on"]),
            "published": bool(row["published"]), "made_on": _day(row["made_on"])}


def rectification_row(conn, item_id, lock=False):
    """The stored row of an item (locked for the transaction with ``lock``);
    NotFound naming ``id`` otherwise."""
    query = select(rectifications).where(rectifications.c.id == item_id)
    if lock:
        query = query.with_for_update()
    row = conn.execute(query).mappings().first() if isinstance(item_id, str) else None
    if row is None:
        raise NotFound(f"there is no rectification item {item_id}", "id")
    return row


def rectifications_under(conn, path, year, state, today):
    """The items of organisations at or below ``path`` due in ``year``, in
    ``state`` (or any): served by the (org_path, due) index; OPEN and
    OVERDUE are the stored OPEN with due on/after or before today."""
    first, last = rules.year_span(year)
    wanted = rules.state_filter(state)
    t = rectifications.c
    query = select(rectifications).where(under(t.org_path, path), t.due >= first, t.due <= last)
    if wanted.stored is not None:
        query = query.where(t.state == wanted.stored)
    if wanted.past_due is True:
        query = query.where(t.due < today)
    elif wanted.past_due is False:
        query = query.where(t.due >= today)
    rows = conn.execute(query.order_by(t.due, t.org_path, t.made_on, t.id)).mappings()
    return [rectification_dict(r, today) for r in rows]
