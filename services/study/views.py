"""The study service's read side: plans with the months held, theme
proposals with whether they were adopted, self-study plans and logs, each
in a fixed number of queries however long the list."""
import datetime as dt

from sqlalchemy import and_, select

from services.study.domain import plans as plan_rules
from services.study.domain import themes
from services.study.models import (annual_plans, held_months, members, orgs, plan_items,
                                   self_study_entries, self_study_plans, theme_proposals)
from shared.tree import ids_of, under


def _day(value):
    """A day as the API carries it (ISO text)."""
    return value.isoformat() if isinstance(value, dt.date) else value


def held_of(session, org_id, year):
    """{(month, kind)} held by the organisation (or below it) in ``year``."""
    return set(session.execute(select(held_months.c.month, held_months.c.kind).where(
        held_months.c.org_id == org_id, held_months.c.year == year)).all())


def plan_dict(plan, items, held):
    return {"id": plan["id"], "org_id": plan["org_id"], "org_path": ids_of(plan["org_path"]),
            "year": plan["year"], "kind": plan["kind"], "filed_on": _day(plan["filed_on"]),
            "items": [{"month": i["month"], "kind": i["kind"], "theme": i["theme"],
                       "source": i["source"], "held": (i["month"], i["kind"]) in held}
                      for i in items]}


def annual_plan(session, org_id, year, kind):
    plan_rules.check_plan_kind(kind)
    plan = session.execute(select(annual_plans).where(
        annual_plans.c.org_id == org_id, annual_plans.c.year == year,
        annual_plans.c.kind == kind)).mappings().first()
    if plan is None:
        return None
    items = session.execute(select(plan_items).where(plan_items.c.plan_id == plan["id"])
                            .order_by(plan_items.c.position)).mappings().all()
    return plan_dict(plan, items, held_of(session, org_id, year))


# -- themes -----------------------------------------------------------------------------

def _planned_by_members(session, path, years):
    """{(org id, year, theme)} of the MEMBER items of the plans filed under
    ``path`` for ``years``: one query."""
    rows = session.execute(
        select(annual_plans.c.org_id, annual_plans.c.year, plan_items.c.theme)
        .join(plan_items, plan_items.c.plan_id == annual_plans.c.id)
        .where(under(annual_plans.c.org_path, path), annual_plans.c.year.in_(years),
               plan_items.c.source == plan_rules.MEMBER)).all()
    return {(org_id, year, theme.strip()) for org_id, year, theme in rows}


def proposal_dicts(session, rows, planned=None):
    """The proposals with ``adopted``; ``planned`` as _planned_by_members
    gives it, else read for these proposals' organisations (one query each
    distinct organisation: a just-made proposal has one)."""
    if planned is None:
        planned = set()
        for org_path, years in {(r["org_path"], r["proposed_on"].year) for r in rows}:
            planned |= _planned_by_members(session, org_path, (years, years + 1))
    out = []
    for r in rows:
        proposal = {"id": r["id"], "org_id": r["org_id"], "org_path": ids_of(r["org_path"]),
                    "member_id": r["member_id"], "theme": r["theme"],
                    "proposed_on": _day(r["proposed_on"]), "year": r["proposed_on"].year}
        proposal["adopted"] = themes.adopted(proposal, planned)
        del proposal["year"]
        out.append(proposal)
    return out


def theme_proposals_of(session, org_id, year):
    """Proposals made in ``year`` to the organisation or any below it,
    oldest first; ``adopted`` from one query for the whole list."""
    path = session.execute(select(orgs.c.path).where(orgs.c.id == org_id)).scalar()
    if path is None:
        return []
    rows = session.execute(select(theme_proposals).where(
        under(theme_proposals.c.org_path, path),
        theme_proposals.c.proposed_on >= dt.date(year, 1, 1),
        theme_proposals.c.proposed_on <= dt.date(year, 12, 31))
        .order_by(theme_proposals.c.proposed_on, theme_proposals.c.id)).mappings().all()
    if not rows:
        return []
    return proposal_dicts(session, rows, _planned_by_members(session, path, (year, year + 1)))


# -- self-study -------------------------------------------------------------------------

def self_study_plan_dict(row, branch_path):
    return {"member_id": row["member_id"], "year": row["year"], "goals": row["goals"],
            "content": row["content"], "schedule": row["schedule"],
            "safeguards": row["safeguards"], "filed_on": _day(row["filed_on"]),
            # the member's branch now: who may see the plan
            "branch_path": ids_of(branch_path)}


def self_study_plan(session, member_id, year):
    row = session.execute(
        select(self_study_plans, members.c.branch_path)
        .join(members, members.c.id == self_study_plans.c.member_id)
        .where(self_study_plans.c.member_id == member_id,
               self_study_plans.c.year == year)).mappings().first()
    return None if row is None else self_study_plan_dict(row, row["branch_path"])


def entry_dict(row):
    return {"id": row["id"], "member_id": row["member_id"], "on": _day(row["on"]),
            "kind": row["kind"], "title": row["title"], "minutes": row["minutes"],
            "evidence": row["evidence"], "branch_path": ids_of(row["branch_path"])}


def self_study_log(session, member_id, start, end):
    rows = session.execute(select(self_study_entries).where(and_(
        self_study_entries.c.member_id == member_id, self_study_entries.c.on >= start,
        self_study_entries.c.on <= end)).order_by(self_study_entries.c.on,
                                                  self_study_entries.c.created_at,
                                                  self_study_entries.c.id)).mappings().all()
    return [entry_dict(r) for r in rows]
