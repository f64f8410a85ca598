"""Wishes (微心愿 / 双代) as the API reads them. The contact of the member of
the public is stored and never read here: no answer carries it."""
from sqlalchemy import select

from services.activity.models import wishes
from shared.errors import NotFound
from shared.tree import ids_of, under

# every column but the contact
SHOWN = [c for c in wishes.c if c.name != "contact"]


def _day(value):
    return value.isoformat() if value is not None else None


def wish_dict(row):
    return {"id": row["id"], "kind": row["kind"], "branch_id": row["branch_id"],
            "branch_path": list(ids_of(row["branch_path"])), "bureau_id": row["bureau_id"],
            "title": row["title"], "requester": row["requester"],
            "posted_on": _day(row["posted_on"]), "state": row["state"],
            "claimed_by": row["claimed_by"], "claimed_on": _day(row["claimed_on"]),
            "fulfilled_on": _day(row["fulfilled_on"]), "note": row["note"]}


def wish_row(conn, wish_id):
    row = conn.execute(select(*SHOWN).where(wishes.c.id == wish_id)).mappings().first()
    if row is None:
        raise NotFound(f"there is no wish {wish_id}", "id")
    return row


def get_wish(conn, wish_id):
    return wish_dict(wish_row(conn, wish_id))


def list_wishes(conn, org_path, state=None):
    """Wishes of the branches at or below ``org_path``, oldest first."""
    query = select(*SHOWN).where(under(wishes.c.branch_path, org_path))
    if state is not None:
        query = query.where(wishes.c.state == state)
    rows = conn.execute(query.order_by(wishes.c.posted_on, wishes.c.id)).mappings().all()
    return [wish_dict(r) for r in rows]
