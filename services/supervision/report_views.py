"""Reports (U5) read from what supervision measured, for a whole subtree in a
fixed number of set-based, indexed queries however many branches it holds:
the branches; the quota results of each quota period within the report's
(compliance's own reading, views.compliance: a quarter's are its three
months' and its own, a year's seventeen periods'); the items of those
periods by organisation and state (one GROUP BY, or the items themselves
for the workbook); the members by branch. The members' points totals of
the year come from the scoring service, asked by the service in batches
(report_entrypoints.py), so the reads (``measure``) and the rows
(``answer``) are two steps with the calls between. The arithmetic is
domain/report.py's."""
from dataclasses import dataclass, field

from sqlalchemy import func, select

from services.supervision import views
from services.supervision.domain import report
from services.supervision.models import members, orgs, pioneer_withdrawals, supervision_items
from shared import clock, collector
from shared.config import timezone
from shared.tree import under
from shared.vocabulary import BRANCH


@dataclass
class Measured:
    period: object                                   # shared.periods.Period
    branches: list = field(default_factory=list)     # (id, name, path)
    results: list = field(default_factory=list)      # (QuotaResult, subject path)
    items: list = field(default_factory=list)        # (state, org path, n[, item])
    members: dict = field(default_factory=dict)      # branch id -> [member ids]
    titles_withdrawn: int = 0                        # 摘牌 in the period (V3)

    @property
    def member_ids(self):
        return sorted({m for ids in self.members.values() for m in ids})


def branches_query(path):
    """Every branch at or below ``path``, by name (a report's rows)."""
    o = orgs.c
    return (select(o.id, o.name, o.path).where(under(o.path, path), o.kind == BRANCH)
            .order_by(o.name, o.id))


def item_counts_query(path, labels):
    """The items of the periods ``labels`` at or below ``path``, counted by
    organisation and state."""
    i = supervision_items.c
    return (select(orgs.c.path, i.state, func.count())
            .join_from(supervision_items, orgs, orgs.c.id == i.org_id)
            .where(under(orgs.c.path, path), i.period.in_(labels))
            .group_by(orgs.c.path, i.state))


def items_query(path, labels):
    """The same items one by one (for the workbook)."""
    i = supervision_items.c
    return (select(i.id, i.org_id, i.rule, i.period, i.state, i.opened_at, orgs.c.path)
            .join_from(supervision_items, orgs, orgs.c.id == i.org_id)
            .where(under(orgs.c.path, path), i.period.in_(labels))
            .order_by(i.period, i.rule, i.org_id))


def withdrawals_query(path, period):
    """How many pioneer titles of committees at or below ``path`` were
    withdrawn (摘牌) within ``period``."""
    w = pioneer_withdrawals.c
    return (select(func.count()).select_from(pioneer_withdrawals)
            .join(orgs, orgs.c.id == w.committee_id)
            .where(under(orgs.c.path, path), w.on >= period.start, w.on <= period.end))


def measure(session, org_id, period, details=False):
    """The subtree's measures for the report ``period``; an organisation not
    known here (yet) has no branches. ``details``: the items one by one."""
    path = views.org_path(session, org_id)
    out = Measured(period)
    if path is None:
        return out
    out.titles_withdrawn = session.execute(withdrawals_query(path, period)).scalar()
    out.branches = [tuple(row) for row in session.execute(branches_query(path))]
    if not out.branches:
        return out
    for part in period.within():
        out.results += views.compliance(session, org_id, part)
    labels = [p.label for p in period.within()]
    if details:
        out.items = [(row.state, row.path, 1, row)
                     for row in session.execute(items_query(path, labels))]
    else:
        out.items = [(state, p, n)
                     for p, state, n in session.execute(item_counts_query(path, labels))]
    for member_id, branch_id in session.execute(
            select(members.c.id, members.c.branch_id).where(under(members.c.branch_path, path))
            .order_by(members.c.id)):
        out.members.setdefault(branch_id, []).append(member_id)
    return out


def opened_at(moment):
    # in the bureaus' time zone, as a secretary reads a clock (as views.item_dict)
    return clock.as_utc(moment).astimezone(timezone()).isoformat()


def answer(measured, totals, details=False):
    """{"period", "rows"} (and, with ``details``, "results" and "items", each
    naming its branch): ``totals`` is {member id: points total of the
    report's year}."""
    names = {b: name for b, name, _ in measured.branches}
    rows = report.tally([(b, path) for b, _, path in measured.branches],
                        [(r.status, path) for r, path in measured.results],
                        [entry[:3] for entry in measured.items], measured.members, totals)
    out = {"period": measured.period.label, "titles_withdrawn": measured.titles_withdrawn,
           "rows": [{**row.as_dict(), "name": names[row.org_id]} for row in rows]}
    if details:
        out["results"] = [
            {"branch_id": branch, "rule": r.rule, "subject_id": r.subject_id,
             "period": r.period, "required": r.required, "actual": r.actual,
             "status": r.status}
            for r, path in measured.results if (branch := report.branch_of(path)) in names]
        out["items"] = [
            {"branch_id": branch, "id": row.id, "org_id": row.org_id, "rule": row.rule,
             "period": row.period, "state": row.state,
             "opened_at": opened_at(row.opened_at)}
            for _, path, _, row in measured.items if (branch := report.branch_of(path)) in names]
    return out


def report_of(db, org_id, period, details, year_totals):
    """The ``report`` entrypoint's answer: ``measure`` then ``answer``, the
    members' totals of the year asked in between (``year_totals(member ids,
    year)``). A city's year is 2,000 rows over 336,000 results: both steps
    run without the cyclic collector going over them (shared/collector.py);
    the call for the totals runs with it."""
    with collector.paused(), db.read() as session:
        measured = measure(session, org_id, period, details)
    ids = measured.member_ids
    totals = year_totals(ids, period.start.year) if ids else {}
    with collector.paused():
        return answer(measured, totals, details)
