"""The pioneer programme as the API reads it: titles with their review
results, reviews, the talent pool (党务人才库: the titles in force, never a
copy of them) and the mentoring pairs. Subtrees are read through the path
indexes (shared/tree.py); a review's results are counted from its ratings
while it is open and read as frozen once it is closed."""
from sqlalchemy import and_, or_, select

from services.pioneer.domain.lifecycle import Tally
from services.pioneer.models import mentoring_pairs, pioneers, ratings, results, reviews
from shared.errors import NotFound
from shared.tree import ids_of, under
from shared.vocabulary import AVERAGE_OR_WORSE, TITLE_IN_FORCE

CHUNK = 500   # ids per query, far below SQLite's 32,766 parameters


def _iso(day):
    return day.isoformat() if day else None


def result_dict(pioneer_id, review_id, year, tally, closed_on):
    return {"pioneer_id": pioneer_id, "review_id": review_id, "year": year,
            "ratings": tally.ratings, "average_or_worse": tally.average_or_worse,
            "share": tally.share, "closed_on": _iso(closed_on)}


def pioneer_dict(row, results_of=()):
    return {"id": row["id"], "category": row["category"], "name": row["name"],
            "org_id": row["org_id"], "org_path": list(ids_of(row["org_path"])),
            "committee_id": row["committee_id"], "bureau_id": row["bureau_id"],
            "holder_id": row["holder_id"], "citation": row["citation"], "year": row["year"],
            "state": row["state"], "rectify_by": _iso(row["rectify_by"]),
            "selected_on": _iso(row["selected_on"]), "reviews": list(results_of)}


def _row(conn, table, row_id, what, field, lock):
    """The row of ``table`` with ``row_id`` (FOR UPDATE with ``lock``), or
    NOT_FOUND naming ``field``."""
    if not isinstance(row_id, str) or not row_id:
        raise NotFound(f"a {what} id is needed", field)
    query = select(table).where(table.c.id == row_id)
    row = conn.execute(query.with_for_update() if lock else query).mappings().first()
    if row is None:
        raise NotFound(f"there is no {what} {row_id}", field)
    return row


def pioneer_row(conn, pioneer_id, field="id", lock=False):
    return _row(conn, pioneers, pioneer_id, "pioneer", field, lock)


def _count(counts, key, rating, n):
    """Add ``n`` ratings of ``rating`` to ``counts[key]`` (ratings, AVERAGE or worse)."""
    total, worse = counts.get(key, (0, 0))
    counts[key] = (total + int(n), worse + (int(n) if rating in AVERAGE_OR_WORSE else 0))


def tallies(conn, review_id):
    """``{pioneer id: Tally}`` of the review's ratings as they stand."""
    counts = {}
    for pioneer_id, rating, n in conn.execute(
            select(ratings.c.pioneer_id, ratings.c.rating, ratings.c.count)
            .where(ratings.c.review_id == review_id)):
        _count(counts, pioneer_id, rating, n)
    return {p: Tally(total, worse) for p, (total, worse) in counts.items()}


def results_of_pioneers(conn, pioneer_ids):
    """``{pioneer id: [RESULT, oldest first]}``: the frozen results of closed
    reviews, then the live one of an open review."""
    out = {p: [] for p in pioneer_ids}
    ids = sorted(out)
    for start in range(0, len(ids), CHUNK):
        _results_of(conn, ids[start:start + CHUNK], out)
    return out


def _results_of(conn, ids, out):
    r = results
    for row in conn.execute(
            select(r, reviews.c.opened_at).join(reviews, reviews.c.id == r.c.review_id)
            .where(r.c.pioneer_id.in_(ids))
            .order_by(r.c.closed_on, reviews.c.opened_at, reviews.c.id)).mappings():
        out[row["pioneer_id"]].append(result_dict(
            row["pioneer_id"], row["review_id"], row["year"],
            Tally(row["ratings"], row["average_or_worse"]), row["closed_on"]))
    live = {}
    for review_id, year, pioneer_id, rating, n in conn.execute(
            select(reviews.c.id, reviews.c.year, ratings.c.pioneer_id, ratings.c.rating,
                   ratings.c.count)
            .join(reviews, reviews.c.id == ratings.c.review_id)
            .where(ratings.c.pioneer_id.in_(ids), reviews.c.closed_on.is_(None))
            .order_by(reviews.c.opened_at, reviews.c.id)):
        _count(live, (pioneer_id, review_id, year), rating, n)
    for (pioneer_id, review_id, year), (total, worse) in live.items():
        out[pioneer_id].append(result_dict(pioneer_id, review_id, year, Tally(total, worse),
                                           None))


def with_results(conn, rows):
    found = results_of_pioneers(conn, [row["id"] for row in rows])
    return [pioneer_dict(row, found[row["id"]]) for row in rows]


def get_pioneer(conn, pioneer_id):
    return with_results(conn, [pioneer_row(conn, pioneer_id)])[0]


def pioneers_under(conn, org_path, year=None, state=None):
    """The titles of the subtree of ``org_path`` (ids from the top), by name."""
    query = select(pioneers).where(under(pioneers.c.org_path, org_path))
    if year is not None:
        query = query.where(pioneers.c.year == year)
    if state is not None:
        query = query.where(pioneers.c.state == state)
    rows = conn.execute(query.order_by(pioneers.c.year.desc(), pioneers.c.name,
                                       pioneers.c.id)).mappings().all()
    return with_results(conn, rows)


# -- reviews ---------------------------------------------------------------------------

def review_row(conn, review_id, field="reviewId"):
    return _row(conn, reviews, review_id, "pioneer review", field, False)


def open_review_row(conn, committee_id, year):
    return conn.execute(select(reviews).where(
        reviews.c.committee_id == committee_id, reviews.c.year == year,
        reviews.c.closed_on.is_(None))).mappings().first()


def review_results(conn, row):
    """The review's RESULTs, by the pioneer's name then id."""
    names = pioneers.c.name, pioneers.c.id
    if row["closed_on"] is not None:
        r = results
        return [result_dict(x["pioneer_id"], row["id"], row["year"],
                            Tally(x["ratings"], x["average_or_worse"]), x["closed_on"])
                for x in conn.execute(select(r).join(pioneers, pioneers.c.id == r.c.pioneer_id)
                                      .where(r.c.review_id == row["id"])
                                      .order_by(*names)).mappings()]
    counted = tallies(conn, row["id"])
    order = conn.execute(select(pioneers.c.id).where(pioneers.c.id.in_(sorted(counted)))
                         .order_by(*names)).scalars().all() if counted else []
    return [result_dict(p, row["id"], row["year"], counted[p], None) for p in order]


def review_dict(conn, row):
    return {"id": row["id"], "committee_id": row["committee_id"],
            "committee_path": list(ids_of(row["committee_path"])),
            "bureau_id": row["bureau_id"], "year": row["year"],
            "open": row["closed_on"] is None, "results": review_results(conn, row)}


# -- the talent pool and the mentoring pairs ----------------------------------------------

def talent_pool(conn, org_path):
    """The holders of titles in force in the subtree (党务人才库), by name."""
    rows = conn.execute(select(pioneers).where(
        under(pioneers.c.org_path, org_path), pioneers.c.state.in_(TITLE_IN_FORCE),
        pioneers.c.holder_id.is_not(None))
        .order_by(pioneers.c.selected_on, pioneers.c.name, pioneers.c.id)).mappings().all()
    return [{"member_id": p["holder_id"], "pioneer": p, "since": p["selected_on"]}
            for p in with_results(conn, rows)]


def pair_dict(row):
    return {"id": row["id"], "mentor_id": row["mentor_id"], "mentee_id": row["mentee_id"],
            "since": _iso(row["since"]), "ended_on": _iso(row["ended_on"])}


def pairs_under(conn, org_path):
    """The pairs in force whose mentee's branch or mentor's title lies in the
    subtree, oldest first."""
    p = mentoring_pairs
    return [pair_dict(row) for row in conn.execute(
        select(p).where(p.c.ended_on.is_(None),
                        or_(under(p.c.mentee_branch_path, org_path),
                            under(p.c.mentor_org_path, org_path)))
        .order_by(p.c.since, p.c.id)).mappings()]


def pair_in_force(conn, mentor_id, mentee_id):
    p = mentoring_pairs
    return conn.execute(select(p).where(and_(p.c.mentor_id == mentor_id,
                                             p.c.mentee_id == mentee_id,
                                             p.c.ended_on.is_(None)))).mappings().first()
