"""Reads of households (联户) and their visits. A household's dict carries
its phone and its member's branch path: the gateway shows the phone only
inside that branch (gateway/schema/practice_households.py)."""
import datetime as dt

from sqlalchemy import select

from services.activity.models import household_visits, households
from shared.tree import ids_of

CHUNK = 1000


def household_dict(row):
    return {"id": row["id"], "member_id": row["member_id"], "name": row["name"],
            "address": row["address"], "phone": row["phone"],
            "in_difficulty": bool(row["in_difficulty"]),
            "paired_cadre_id": row["paired_cadre_id"], "bureau_id": row["bureau_id"],
            "branch_id": row["branch_id"], "branch_path": list(ids_of(row["branch_path"])),
            "registered_on": row["registered_on"].isoformat()}


def visit_dict(row, household):
    return {"id": row["id"], "household_id": row["household_id"],
            "member_id": row["member_id"], "on": row["on"].isoformat(), "note": row["note"],
            "branch_path": household["branch_path"], "household": household}


def households_of(conn, member_id):
    """The member's households, in the order registered."""
    rows = conn.execute(select(households).where(households.c.member_id == member_id)
                        .order_by(households.c.slot)).mappings()
    return [household_dict(r) for r in rows]


def get_households(conn, household_ids):
    """Households in the order asked; unknown ids are skipped."""
    wanted = [i for i in dict.fromkeys(household_ids) if isinstance(i, str)]
    found = {}
    for start in range(0, len(wanted), CHUNK):
        for row in conn.execute(select(households).where(
                households.c.id.in_(wanted[start:start + CHUNK]))).mappings():
            found[row["id"]] = household_dict(row)
    return [found[i] for i in wanted if i in found]


def visits_of(conn, member_id, year):
    """The member's visits on a day of ``year``, oldest first, each with its
    household."""
    rows = conn.execute(select(household_visits)
                        .where(household_visits.c.member_id == member_id,
                               household_visits.c.on >= dt.date(year, 1, 1),
                               household_visits.c.on <= dt.date(year, 12, 31))
                        .order_by(household_visits.c.on, household_visits.c.created_at,
                                  household_visits.c.id)).mappings().all()
    by_id = {h["id"]: h for h in get_households(conn, [r["household_id"] for r in rows])}
    return [visit_dict(r, by_id[r["household_id"]]) for r in rows]
