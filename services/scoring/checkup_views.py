"""The read side of the party-spirit check-up (党性教育体检): a member's
check-up of a year, shaped for the API, and the indicators of a post type."""
from sqlalchemy import select

from services.scoring.models import checkups


def checkup_dict(row):
    return {"member_id": row["member_id"], "year": row["year"],
            "post_type": row["post_type"],
            "scores": [{"indicator": s["indicator"], "score": float(s["score"])}
                       for s in row["scores"]],
            "total": float(row["total"]), "health": row["health"],
            "by_dimension": [{"dimension": d["dimension"], "score": float(d["score"])}
                             for d in row["by_dimension"]],
            "rule_set_version": row["rule_set_version"],
            "recorded_on": row["recorded_on"].isoformat()}


def checkup(conn, member_id, year):
    """The member's check-up of ``year`` (the latest, if it was replaced), or None."""
    row = conn.execute(select(checkups).where(checkups.c.member_id == member_id,
                                              checkups.c.year == year)).mappings().first()
    return checkup_dict(row) if row is not None else None


def indicator_dicts(indicators):
    return [{"key": i.key, "title": i.title, "dimension": i.dimension,
             "weight": float(i.weight), "negative": i.negative} for i in indicators]
