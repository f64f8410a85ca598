"""Branch ratings (星级评定) read from what supervision measured: a fixed
number of set-based, indexed subtree queries for a whole subtree (the
branches; their closed quota results and supervision items of the year and
of the year before, grouped by subject; the members), however many
branches it holds. The members' point totals come from the scoring service
(its ``member_year_totals``, asked by the service in batches), so the reads
here and the rating (``rate``) are two steps with the calls between.

Which facts belong to a year: the quota results and supervision items whose
period (a month, a quarter or the year itself) lies in the year. A branch is
rated for a year once it exists by the year's end (created on or before Dec
31); it has a rating of the year before (and a ``change``) when it existed by
that year's end. The members are those supervision knows in the branch now
(its read model keeps no membership history): the year before is judged by
the same members' totals of that year."""
import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import case, func, select

from services.supervision.domain import rating
from services.supervision.models import members, orgs, quota_state, supervision_items
from shared.errors import Unavailable
from shared.periods import QUARTER, YEAR, Period
from shared.rules import NoValidRuleSet
from shared.tree import under
from shared.vocabulary import ASSIGNED, BRANCH, ESCALATED, MET, REPORTED


def year_labels(year):
    """Every period of ``year``: its 12 months, 4 quarters and the year."""
    first = dt.date(year, 1, 1)
    labels = [p.label for p in Period.containing(first, YEAR).months()]
    labels += [Period(dt.date(year, 3 * q + 1, 1), QUARTER).label for q in range(4)]
    labels.append(Period(first, YEAR).label)
    return labels


@dataclass
class Measured:
    """A subtree's year (and the year before) as read here."""
    year: int
    branches: list = field(default_factory=list)    # (id, name, bureau, created_on, path)
    results: dict = field(default_factory=dict)     # year -> {branch: (met, closed)}
    items: dict = field(default_factory=dict)       # year -> {branch: (open, escalated)}
    members: dict = field(default_factory=dict)     # branch -> [member ids]

    @property
    def years(self):
        """The years whose point totals are needed (the year before only when
        some branch existed by its end)."""
        before = dt.date(self.year - 1, 12, 31)
        return [self.year] + ([self.year - 1] if any(b[3] <= before for b in self.branches)
                              else [])

    @property
    def member_ids(self):
        return sorted({m for ids in self.members.values() for m in ids})


def results_query(path, year):
    """The year's closed results of the organisations of the subtree (a
    member's results are the member's), MET and all, by subject: served by
    ix_quota_state_period_path, one range per period of the year."""
    q = quota_state.c
    return (select(q.subject_id, func.sum(case((q.status == MET, 1), else_=0)), func.count())
            .where(q.period.in_(year_labels(year)), under(q.subject_path, path),
                   q.member.is_(False), q.closed.is_(True))
            .group_by(q.subject_id))


def branches_query(path, year):
    """The subtree's branches that exist by the end of ``year``."""
    return (select(orgs.c.id, orgs.c.name, orgs.c.bureau_id, orgs.c.created_on, orgs.c.path)
            .where(under(orgs.c.path, path), orgs.c.kind == BRANCH,
                   orgs.c.created_on <= dt.date(year, 12, 31)))


def _results(session, path, year):
    """{branch (subject) id: (MET, closed)}."""
    return {subject: (int(met or 0), int(closed))
            for subject, met, closed in session.execute(results_query(path, year))}


def _items(session, path, year):
    """{organisation id: (ASSIGNED or REPORTED, ESCALATED)} of the year's items."""
    i = supervision_items.c
    rows = session.execute(
        select(i.org_id, i.state, func.count())
        .join_from(supervision_items, orgs, orgs.c.id == i.org_id)
        .where(under(orgs.c.path, path), i.period.in_(year_labels(year)),
               i.state.in_((ASSIGNED, REPORTED, ESCALATED)))
        .group_by(i.org_id, i.state)).all()
    out = {}
    for org_id, state, n in rows:
        open_, escalated = out.get(org_id, (0, 0))
        out[org_id] = (open_ + n, escalated) if state != ESCALATED else (open_, escalated + n)
    return out


def measure(session, org_id, year):
    """The subtree's measures for ``year`` and the year before; None for an
    organisation not known here."""
    path = session.execute(select(orgs.c.path).where(orgs.c.id == org_id)).scalar()
    if path is None:
        return None
    out = Measured(year)
    out.branches = [tuple(r) for r in session.execute(branches_query(path, year))]
    if not out.branches:
        return out
    for y in out.years:
        out.results[y] = _results(session, path, y)
        out.items[y] = _items(session, path, y)
    for member_id, branch_id in session.execute(
            select(members.c.id, members.c.branch_id).where(under(members.c.branch_path, path))):
        out.members.setdefault(branch_id, []).append(member_id)
    return out


def _rules(bureau_id, year, cache):
    key = (bureau_id, year)
    if key not in cache:
        try:
            cache[key] = rating.RATING_RULES.for_day(bureau_id, dt.date(year, 1, 1))
        except NoValidRuleSet:
            raise Unavailable(f"bureau {bureau_id} has no valid rating rule set; its "
                              "branches are rated once its file is fixed") from None
    return cache[key]


def _rating(measured, totals, branch_id, bureau_id, year, cache):
    met, closed = measured.results[year].get(branch_id, (0, 0))
    open_, escalated = measured.items[year].get(branch_id, (0, 0))
    of_year = totals[year]
    points = tuple(of_year.get(m, 0.0) for m in measured.members.get(branch_id, ()))
    facts = rating.Measured(met, closed, points, open_, escalated)
    return rating.rate(facts, _rules(bureau_id, year, cache))


def ratings(measured, totals):
    """Every branch's rating, best first: ``totals`` is {year: {member id:
    net total}} for ``measured.years``."""
    if measured is None:
        return []
    out, cache = [], {}
    before = dt.date(measured.year - 1, 12, 31)
    for branch_id, name, bureau_id, created_on, _path in measured.branches:
        now = _rating(measured, totals, branch_id, bureau_id, measured.year, cache)
        then = _rating(measured, totals, branch_id, bureau_id, measured.year - 1, cache) \
            if created_on <= before else None
        out.append((rating.order_key(now.score, name, branch_id), {
            "branch_id": branch_id, "year": measured.year, "score": now.score,
            "stars": now.stars, "change": rating.change(
                now.stars, None if then is None else then.stars),
            "compliance": now.compliance, "points": now.points,
            "supervision": now.supervision}))
    out.sort(key=lambda pair: pair[0])
    return [r for _, r in out]
