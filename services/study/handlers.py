"""The study service's event handlers (its read models) and commands, each
inside the unit of work it is given or opens. A command checks its input
with the pure rules of ``domain``, reads the organisation and the member
from the read models, writes and queues its event in one transaction, and
answers with what it wrote (``uow.answer``)."""
import datetime as dt
import uuid

from sqlalchemy import delete, insert, select, update

from services.study import views
from services.study.domain import plans as plan_rules
from services.study.domain import self_study, themes
from services.study.models import (annual_plans, held_months, members, orgs, plan_items,
                                   self_study_entries, self_study_plans, theme_proposals)
from shared import clock
from shared.db import conflict_insert
from shared.errors import BadInput, Unavailable
from shared.read_models import TreeReadModel
from shared.tree import ids_of


# -- read models ------------------------------------------------------------------
#
# The tree and the members as shared/read_models.py keeps them; a fact told
# again (tools/republish.py) changes nothing.

tree = TreeReadModel(orgs, members)
apply_org_created = tree.apply_org_created
apply_member_registered = tree.apply_member_registered
apply_member_transferred = tree.apply_member_transferred


def held_rows(payload):
    """The (org, year, month, kind) rows an activity makes true: for the
    holding organisation and each above it (a party group's meeting is its
    branch's too). As many as the tree is deep, whatever the history."""
    held_on = dt.date.fromisoformat(payload["held_on"])
    path = payload.get("org_path") or [payload["org_id"]]
    if isinstance(path, str):
        path = ids_of(path)
    return [{"org_id": org_id, "year": held_on.year, "month": held_on.month,
             "kind": payload["kind"]} for org_id in dict.fromkeys(path)]


def apply_activity(uow, envelope):
    apply_activities(uow, [envelope])


def apply_activities(uow, envelopes):
    """Mark the months held; one statement per batch, and an activity told
    again (under any event id) adds nothing."""
    rows = {}
    for envelope in envelopes:
        for row in held_rows(envelope.payload):
            rows[tuple(row.values())] = row
    if rows:
        session = uow.session
        session.execute(conflict_insert(session, held_months)
                        .on_conflict_do_nothing(index_elements=list(held_months.primary_key
                                                                    .columns.keys())),
                        list(rows.values()))


# -- what the commands need from the read models ------------------------------------

def _org(session, org_id):
    org = session.execute(select(orgs).where(orgs.c.id == org_id)).mappings().first()
    if org is None:
        # the gateway found it in the register: its event is still on its way
        raise Unavailable(f"organisation {org_id} is not known to the study service yet; "
                          "try again in a moment")
    return org


def _member(session, member_id):
    member = session.execute(select(members).where(members.c.id == member_id)) \
        .mappings().first()
    if member is None:
        raise Unavailable(f"member {member_id} is not known to the study service yet; "
                          "try again in a moment")
    return member


# -- annual plans ---------------------------------------------------------------------

def file_annual_plan(db, data, actor, request=None):
    """File (or file again) an organisation's plan for a year. A refiling
    replaces the items and keeps the first filing's day."""
    today = clock.today()
    plan = plan_rules.validate_plan(data, today)
    with db.uow(request) as uow:
        session = uow.session
        org = _org(session, plan.org_id)
        plan_rules.check_filer(org["kind"], plan.kind)
        existing = session.execute(select(annual_plans).where(
            annual_plans.c.org_id == plan.org_id, annual_plans.c.year == plan.year,
            annual_plans.c.kind == plan.kind)).mappings().first()
        if existing is None:
            plan_id, filed_on = uuid.uuid4().hex, today
            session.execute(insert(annual_plans).values(
                id=plan_id, org_id=org["id"], org_path=org["path"], bureau_id=org["bureau_id"],
                year=plan.year, kind=plan.kind, filed_on=filed_on, filed_by=str(actor),
                updated_at=clock.now()))
        else:
            plan_id, filed_on = existing["id"], existing["filed_on"]
            session.execute(delete(plan_items).where(plan_items.c.plan_id == plan_id))
            session.execute(update(annual_plans).where(annual_plans.c.id == plan_id)
                            .values(filed_by=str(actor), updated_at=clock.now()))
        session.execute(insert(plan_items), [
            {"plan_id": plan_id, "position": i, **item.as_dict()}
            for i, item in enumerate(plan.items)])
        uow.emit("annual_plan_filed", org["bureau_id"], {
            "plan_id": plan_id, "org_id": org["id"], "org_path": list(ids_of(org["path"])),
            "year": plan.year, "kind": plan.kind, "filed_on": filed_on.isoformat(),
            "refiled": existing is not None,
            "items": [item.as_dict() for item in plan.items]})
        held = views.held_of(session, org["id"], plan.year)
        return uow.answer(views.plan_dict(
            {"id": plan_id, "org_id": org["id"], "org_path": org["path"], "year": plan.year,
             "kind": plan.kind, "filed_on": filed_on},
            [item.as_dict() for item in plan.items], held))


# -- themes -----------------------------------------------------------------------------

def propose_theme(db, org_id, member_id, theme, actor, request=None):
    theme = themes.check_theme(theme)
    for value, field in ((org_id, "orgId"), (member_id, "memberId")):
        if not isinstance(value, str) or not value:
            raise BadInput("an id is needed", field)
    today = clock.today()
    with db.uow(request) as uow:
        session = uow.session
        org = _org(session, org_id)
        themes.check_recipient(org["kind"])
        member = _member(session, member_id)
        if not themes.belongs_under(member["branch_path"], org["path"]):
            raise BadInput(f"member {member_id} does not belong to organisation {org_id} or "
                           "a branch below it; a member proposes themes to their own branch "
                           "or to a committee above it", "memberId")
        proposal_id = uuid.uuid4().hex
        row = {"id": proposal_id, "org_id": org["id"], "org_path": org["path"],
               "bureau_id": org["bureau_id"], "member_id": member_id, "theme": theme,
               "proposed_on": today, "proposed_by": str(actor)}
        session.execute(insert(theme_proposals).values(**row))
        uow.emit("theme_proposed", org["bureau_id"], {
            "proposal_id": proposal_id, "org_id": org["id"], "member_id": member_id,
            "theme": theme, "proposed_on": today.isoformat()})
        return uow.answer(views.proposal_dicts(session, [row])[0])


# -- self-study -------------------------------------------------------------------------

def file_self_study_plan(db, data, actor, request=None):
    """File (or file again) a member's self-study plan for a year: a refiling
    replaces the text and keeps the first filing's day."""
    today = clock.today()
    plan = self_study.validate_plan(data, today)
    with db.uow(request) as uow:
        session = uow.session
        member = _member(session, plan.member_id)
        existing = session.execute(select(self_study_plans.c.filed_on).where(
            self_study_plans.c.member_id == plan.member_id,
            self_study_plans.c.year == plan.year)).first()
        text = {part: getattr(plan, part) for part in self_study.PLAN_PARTS}
        if existing is None:
            filed_on = today
            session.execute(insert(self_study_plans).values(
                member_id=plan.member_id, year=plan.year, bureau_id=member["bureau_id"],
                branch_id=member["branch_id"], filed_on=filed_on, filed_by=str(actor),
                updated_at=clock.now(), **text))
        else:
            filed_on = existing.filed_on
            session.execute(update(self_study_plans).where(
                self_study_plans.c.member_id == plan.member_id,
                self_study_plans.c.year == plan.year).values(
                bureau_id=member["bureau_id"], branch_id=member["branch_id"],
                filed_by=str(actor), updated_at=clock.now(), **text))
        uow.emit("self_study_plan_filed", member["bureau_id"], {
            "member_id": plan.member_id, "branch_id": member["branch_id"], "year": plan.year,
            "filed_on": filed_on.isoformat(),
            "on_time": self_study.on_time(plan.year, filed_on),
            "refiled": existing is not None})
        return uow.answer(views.self_study_plan_dict(
            {"member_id": plan.member_id, "year": plan.year, "filed_on": filed_on, **text},
            member["branch_path"]))


def log_self_study(db, data, actor, request=None):
    entry = self_study.validate_entry(data, clock.today())
    with db.uow(request) as uow:
        session = uow.session
        member = _member(session, entry.member_id)
        row = {"id": uuid.uuid4().hex, "member_id": entry.member_id,
               "bureau_id": member["bureau_id"], "branch_id": member["branch_id"],
               "branch_path": member["branch_path"], "on": entry.on, "kind": entry.kind,
               "title": entry.title, "minutes": entry.minutes, "evidence": entry.evidence,
               "logged_by": str(actor), "created_at": clock.now()}
        session.execute(insert(self_study_entries).values(**row))
        uow.emit("self_study_logged", member["bureau_id"], {
            "entry_id": row["id"], "member_id": entry.member_id, "on": entry.on.isoformat(),
            "kind": entry.kind, "minutes": entry.minutes, "evidence": entry.evidence is not None})
        return uow.answer(views.entry_dict(row))
