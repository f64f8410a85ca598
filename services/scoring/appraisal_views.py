"""Democratic appraisals (民主评议党员) as the API reads them. An OPEN
appraisal's results are worked out on each read from its scores, the
branch's members of the day (given by the caller, one look-up) and their
year totals: three queries whatever the branch's size. A FINALIZED one reads
the results it stored when it was finalized, whoever has joined since."""
import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from services.scoring.domain import appraisal as rules
from services.scoring.domain.totals import WHOLE_YEAR, YEAR
from services.scoring.models import (appraisal_results, appraisal_scores, appraisals,
                                     member_year_totals)
from shared.errors import NotFound, Unavailable
from shared.rules import NoValidRuleSet
from shared.tree import ids_of


def rules_for(row):
    """The bureau's appraisal rule set in force on Dec 31 of the year
    appraised: the year's rules, even when it is appraised in January."""
    try:
        return rules.APPRAISAL_RULES.for_day(row["bureau_id"], dt.date(row["year"], 12, 31))
    except NoValidRuleSet:
        raise Unavailable("the bureau's appraisal rule set is broken and no good copy is "
                          "known; an operator must fix its file first") from None


def header(row):
    """What the gateway needs to judge a caller: no results."""
    return {"id": row["id"], "branch_id": row["branch_id"],
            "branch_path": list(ids_of(row["branch_path"])), "bureau_id": row["bureau_id"],
            "year": row["year"], "state": row["state"],
            # the day the members are seen as of: the day it was finalized
            "as_of": row["finalized_on"].isoformat() if row["finalized_on"] else None}


def appraisal_dict(row, results):
    return {**header(row), "results": results}


def result_dict(result):
    return {"member_id": result.member_id, "name": result.name,
            "points": float(result.points), "score": float(result.score),
            "grade": result.grade, "needs_review": result.needs_review,
            "parts": [{"part": p.part, "score": float(p.score), "raters": p.raters}
                      for p in result.parts]}


def row_by_id(conn, appraisal_id):
    if not isinstance(appraisal_id, str) or not appraisal_id:
        raise NotFound("an appraisal id is needed", "appraisalId")
    row = conn.execute(select(appraisals).where(appraisals.c.id == appraisal_id)) \
        .mappings().first()
    if row is None:
        raise NotFound(f"there is no appraisal {appraisal_id}", "appraisalId")
    return row


def row_for(conn, branch_id, year):
    return conn.execute(select(appraisals).where(
        appraisals.c.branch_id == branch_id, appraisals.c.year == year)).mappings().first()


def year_points(conn, member_ids, year):
    """``{member id: the year's net total}`` of those who have one."""
    t = member_year_totals
    if not member_ids:
        return {}
    return dict(conn.execute(select(t.c.member_id, t.c.net).where(
        t.c.member_id.in_(sorted(member_ids)), t.c.year == year, t.c.scope == YEAR,
        t.c.name == WHOLE_YEAR)).all())


def facts_of(conn, row, members):
    """Each of ``members`` (member dicts of the branch) with their scores and
    year points, for the domain to appraise."""
    ids = {m["id"] for m in members}
    given = {}
    s = appraisal_scores
    for member_id, part, score in conn.execute(
            select(s.c.member_id, s.c.part, s.c.score).where(s.c.appraisal_id == row["id"])):
        if member_id in ids:
            given.setdefault(member_id, {}).setdefault(part, []).append(Decimal(score))
    points = year_points(conn, ids, row["year"])
    return [rules.MemberFacts(m["id"], m["name"], Decimal(points.get(m["id"], 0)),
                              given.get(m["id"], {})) for m in members]


def live_results(conn, row, members, rule_set=None):
    """The results as the scores stand now (``rules.Result``, best first)."""
    return rules.appraise(facts_of(conn, row, members), rule_set or rules_for(row))


def frozen_results(conn, appraisal_id):
    r = appraisal_results
    return [{"member_id": x["member_id"], "name": x["name"], "points": float(x["points"]),
             "score": float(x["score"]), "grade": x["grade"],
             "needs_review": bool(x["needs_review"]), "parts": x["parts"]}
            for x in conn.execute(select(r).where(r.c.appraisal_id == appraisal_id)
                                  .order_by(r.c.position)).mappings()]


def read(db, find, members_of):
    """The appraisal ``find(conn)`` gives (a row or None) with its results,
    or None. ``members_of(branch id)`` is asked only for an OPEN one, with no
    connection held while it answers."""
    with db.connect() as conn:
        row = find(conn)
        if row is None:
            return None
        if row["state"] == rules.FINALIZED:
            return appraisal_dict(row, frozen_results(conn, row["id"]))
    members = members_of(row["branch_id"])
    with db.connect() as conn:
        return appraisal_dict(row, [result_dict(r) for r in live_results(conn, row, members)])
