"""Reads of pledges (亮身份亮承诺). A reader never sees OPEN for a pledge
past its due day: the state is derived as of today (``pledges.state_on``),
whether or not the sweep has turned it OVERDUE yet."""
from sqlalchemy import select

from services.activity.domain import pledges as rules
from services.activity.models import pledges
from shared.tree import ids_of, under

CHUNK = 1000


def pledge_dict(row, today):
    return {"id": row["id"], "member_id": row["member_id"], "year": row["year"],
            "area": row["area"], "content": row["content"], "due": row["due"].isoformat(),
            "state": rules.state_on(row["state"], row["due"], today),
            "made_on": row["made_on"].isoformat(),
            "settled_on": row["settled_on"].isoformat() if row["settled_on"] else None,
            "note": row["note"], "bureau_id": row["bureau_id"], "branch_id": row["branch_id"],
            "branch_path": list(ids_of(row["branch_path"]))}


def get_pledges(conn, pledge_ids, today):
    """Pledges in the order asked; unknown ids are skipped."""
    wanted = [i for i in dict.fromkeys(pledge_ids) if isinstance(i, str)]
    found = {}
    for start in range(0, len(wanted), CHUNK):
        for row in conn.execute(select(pledges).where(
                pledges.c.id.in_(wanted[start:start + CHUNK]))).mappings():
            found[row["id"]] = pledge_dict(row, today)
    return [found[i] for i in wanted if i in found]


def pledges_under(conn, org_path, year, today):
    """The pledges for ``year`` of members whose branch lies at or below
    ``org_path``: served by the (branch_path, year) index."""
    rows = conn.execute(select(pledges)
                        .where(under(pledges.c.branch_path, org_path), pledges.c.year == year)
                        .order_by(pledges.c.branch_path, pledges.c.member_id, pledges.c.slot))
    return [pledge_dict(r, today) for r in rows.mappings()]
