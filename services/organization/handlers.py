"""The organisation service's commands, each inside one unit of work that
stores the change and queues its event (organization_created,
member_registered, member_transferred) in the outbox. Each answers with the
object as its transaction sees it before the commit (``uow.answer``), never
by reading it again afterwards. And ``republish``, which queues those facts
again for a subtree, to rebuild a read model."""
import uuid

from sqlalchemy import and_, insert, select

from services.organization import domain, views
from services.organization.models import memberships, members, organizations
from shared import backdating, clock
from shared.config import timezone
from shared.errors import Conflict
from shared.periods import parse_date
from shared.vocabulary import BUREAU, CITY


def create_organization(db, data, request=None):
    name = domain.clean_name(data.get("name"))
    kind = data.get("kind")
    with db.uow(request) as uow:
        conn = uow.session
        parent = views.org_row(conn, data["parent_id"], "parentId") \
            if data.get("parent_id") else None
        domain.validate_org(kind, parent)
        clash = conn.execute(select(organizations.c.id).where(and_(
            organizations.c.parent_id == (parent["id"] if parent else None),
            organizations.c.name == name))).first()
        if clash:
            raise Conflict(f"{name} already exists there", "name")
        org_id = uuid.uuid4().hex
        path = (parent["path"] if parent else "/") + org_id + "/"
        if kind in (CITY, BUREAU):
            bureau_id = org_id
        else:
            bureau_id = parent["bureau_id"]
        conn.execute(insert(organizations).values(
            id=org_id, name=name, kind=kind, parent_id=parent["id"] if parent else None,
            bureau_id=bureau_id, path=path, created_at=clock.now()))
        row = views.org_row(conn, org_id)
        result = views.org_dict(row)
        uow.emit("organization_created", bureau_id, {
            "org_id": org_id, "name": name, "kind": kind,
            "parent_id": result["parent_id"], "path": result["path"],
            "created_on": clock.today().isoformat()})
        return uow.answer(result)


def register_member(db, data, request=None):
    with db.uow(request) as uow:
        conn = uow.session
        branch = views.org_row(conn, data.get("branch_id"), "branchId")
        group = views.org_row(conn, data["group_id"], "groupId") if data.get("group_id") else None
        name, roles, joined_on = domain.validate_member(data, branch, group, clock.today())
        member_id = uuid.uuid4().hex
        conn.execute(insert(members).values(
            id=member_id, name=name, roles=roles, bureau_id=branch["bureau_id"],
            created_at=clock.now()))
        conn.execute(insert(memberships).values(
            member_id=member_id, branch_id=branch["id"],
            group_id=group["id"] if group else None, valid_from=joined_on))
        uow.emit("member_registered", branch["bureau_id"], {
            "member_id": member_id, "name": name, "branch_id": branch["id"],
            "group_id": group["id"] if group else None, "roles": roles,
            "joined_on": joined_on.isoformat() if joined_on else None})
        return uow.answer(views.member(conn, member_id))


def transfer_member(db, data, request=None, roles=None):
    """Move a member to another branch from a day on; the old membership
    is closed, not rewritten, so who belonged where on any day stays
    answerable. ``request``: shared/idempotency.py; ``roles``: see
    ``shared.backdating``."""
    with db.uow(request) as uow:
        conn = uow.session
        member = views.member(conn, data.get("member_id"))
        current = conn.execute(
            select(memberships).where(memberships.c.member_id == member["id"])
            .order_by(memberships.c.id.desc())).mappings().first()
        target = views.org_row(conn, data.get("branch_id"), "branchId")
        group = views.org_row(conn, data["group_id"], "groupId") if data.get("group_id") else None
        on = parse_date(data.get("on") or clock.today().isoformat(), "on")
        today = clock.today()
        domain.validate_transfer(current, target, group, on, today)
        backdating.check_backdating(on, today, backdating.limit_for(target["bureau_id"], today),
                                    roles, "on")
        conn.execute(memberships.update().where(memberships.c.id == current["id"])
                     .values(valid_to=on))
        conn.execute(insert(memberships).values(
            member_id=member["id"], branch_id=target["id"],
            group_id=group["id"] if group else None, valid_from=on))
        uow.emit("member_transferred", target["bureau_id"], {
            "member_id": member["id"], "from_branch_id": current["branch_id"],
            "branch_id": target["id"], "group_id": group["id"] if group else None,
            "on": on.isoformat()})
        return uow.answer(views.member(conn, member["id"]))


# Events queued per unit of work when republishing: one outbox INSERT each,
# and a city (62,000 facts) in a few dozen short transactions.
REPUBLISH_BATCH = 1000


def _created_on(org):
    return clock.as_utc(org["created_at"]).astimezone(timezone()).date()


def republish(db, org_id):
    """Queue again the facts other services keep about the subtree of
    ``org_id`` (``domain.republished_facts``), with new event ids, in the
    outbox; the relay publishes them. Returns how many of each were queued."""
    with db.connect() as conn:
        orgs, people, branches = views.subtree_facts(conn, org_id)
    facts = domain.republished_facts(orgs, people, branches, _created_on)
    for start in range(0, len(facts), REPUBLISH_BATCH):
        with db.uow() as uow:
            for event_type, bureau_id, payload in facts[start:start + REPUBLISH_BATCH]:
                uow.emit(event_type, bureau_id, payload)
    told = {"organization_created": 0, "member_registered": 0, "member_transferred": 0}
    for event_type, _, _ in facts:
        told[event_type] += 1
    return {"organizations": told["organization_created"],
            "members": told["member_registered"], "transfers": told["member_transferred"]}
