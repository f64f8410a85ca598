"""The read side: members' points shaped for the API. A summary's total and
categories come from the running totals, its entries from the ledger by the
(member_id, year) index; many members cost the same two queries as one."""

from sqlalchemy import select

from services.scoring.domain import dual_records
from services.scoring.domain.totals import CATEGORY, DIMENSION, YEAR
from services.scoring.models import dual_record_counts, member_year_totals, point_entries
from shared.vocabulary import DIMENSIONS


def entries_query(member_ids, year):
    e = point_entries
    return (select(e).where(e.c.member_id.in_(member_ids), e.c.year == year)
            .order_by(e.c.member_id, e.c.occurred_on, e.c.posted_at, e.c.id))


def totals_query(member_ids, year):
    t = member_year_totals
    return (select(t.c.member_id, t.c.scope, t.c.name, t.c.net)
            .where(t.c.member_id.in_(member_ids), t.c.year == year,
                   t.c.scope.in_((CATEGORY, YEAR)))
            .order_by(t.c.member_id, t.c.name))


def entry_dict(row):
    return {"id": row["id"], "rule": row["rule"], "category": row["category"],
            "points": float(row["points"]), "source_event": row["source_event"],
            "occurred_on": row["occurred_on"].isoformat(), "reason": row["reason"],
            "dimension": row["dimension"],
            # a manual adjustment (no source event) names who made it
            "adjusted_by": row["posted_by"] if row["source_event"] is None else None}


def points_summaries(conn, member_ids, year):
    """``{member_id: summary}`` for each of ``member_ids``; a member with no
    postings this year has a summary of nothing."""
    ids = sorted(set(member_ids))
    out = {m: {"member_id": m, "year": year, "total": 0.0, "by_category": [], "entries": []}
           for m in ids}
    if not ids:
        return out
    for member_id, scope, name, net in conn.execute(totals_query(ids, year)):
        if scope == YEAR:
            out[member_id]["total"] = float(net)
        else:
            out[member_id]["by_category"].append({"category": name, "points": float(net)})
    for row in conn.execute(entries_query(ids, year)).mappings():
        out[row["member_id"]]["entries"].append(entry_dict(row))
    return out


def points_summary(conn, member_id, year):
    return points_summaries(conn, [member_id], year)[member_id]


def year_totals(conn, member_ids, year):
    """``{member_id: net year total}`` for each of ``member_ids`` (0.0 for a
    member with no postings that year): one indexed read of the running
    totals, for the branch ratings (supervision asks in batches)."""
    ids = sorted(set(member_ids))
    out = {m: 0.0 for m in ids}
    if not ids:
        return out
    t = member_year_totals
    for member_id, net in conn.execute(
            select(t.c.member_id, t.c.net)
            .where(t.c.member_id.in_(ids), t.c.year == year, t.c.scope == YEAR)):
        out[member_id] = float(net)
    return out


def four_qualified(conn, member_ids, year):
    """``{member_id: [{dimension, points}]}``: each member's net points of
    the year by four-qualified dimension (四个合格), every dimension in
    DIMENSIONS order, 0 when none; from the running totals, one query."""
    ids = sorted(set(member_ids))
    sums = {m: dict.fromkeys(DIMENSIONS, 0.0) for m in ids}
    if ids:
        t = member_year_totals
        for member_id, name, net in conn.execute(
                select(t.c.member_id, t.c.name, t.c.net).where(
                    t.c.member_id.in_(ids), t.c.year == year, t.c.scope == DIMENSION)):
            if name in sums[member_id]:
                sums[member_id][name] = float(net)
    return {m: [{"dimension": d, "points": p} for d, p in by.items()] for m, by in sums.items()}


def dual_record_counts_of(conn, member_ids, year):
    """``{member_id: {counter: n}}`` of the year's dual records (双记实), 0
    for a counter never counted; one query."""
    ids = sorted(set(member_ids))
    out = {m: dict.fromkeys(dual_records.COUNTERS, 0) for m in ids}
    if ids:
        t = dual_record_counts
        for member_id, counter, count in conn.execute(
                select(t.c.member_id, t.c.counter, t.c.count).where(
                    t.c.member_id.in_(ids), t.c.year == year)):
            if counter in out[member_id]:
                out[member_id][counter] = int(count)
    return out
