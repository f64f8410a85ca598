"""Talks (谈心谈话) as the API reads them: one, or those filed under an
organisation or below it in a year (served by the (org_path, held_on) index)."""
import datetime as dt

from sqlalchemy import select

from services.activity.models import talks
from shared.tree import ids_of, under


def talk_dict(row):
    return {"id": row["id"], "org_id": row["org_id"], "org_path": list(ids_of(row["org_path"])),
            "bureau_id": row["bureau_id"], "kind": row["kind"],
            "held_on": row["held_on"].isoformat(),
            "participant_ids": [row["initiator_id"], row["other_id"]], "notes": row["notes"]}


def list_talks(conn, org_path, year):
    """Talks filed at or below ``org_path`` held in ``year``, oldest first."""
    rows = conn.execute(select(talks).where(
        under(talks.c.org_path, org_path), talks.c.held_on >= dt.date(year, 1, 1),
        talks.c.held_on <= dt.date(year, 12, 31))
        .order_by(talks.c.held_on, talks.c.recorded_at, talks.c.id)).mappings().all()
    return [talk_dict(r) for r in rows]
