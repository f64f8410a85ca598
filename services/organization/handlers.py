"""The organisation service's commands, each inside one unit of work that
stores the change and queues its event (organization_created,
member_registered, member_transferred, member_roles_set,
contact_branch_assigned) in the outbox. Each answers with the
object as its transaction sees it before the commit (``uow.answer``), never
by reading it again afterwards. And ``republish``, which queues those facts
again for a subtree, to rebuild a read model."""
import uuid

from sqlalchemy import and_, bindparam, insert, select, update

from services.organization import domain, views
from services.organization.domain import roles as role_rules
from services.organization.domain import roster
from services.organization.models import (contact_branches, member_roles, memberships, members,
                                          organizations)
from shared import backdating, clock, sheet
from shared.config import timezone
from shared.errors import BadInput, Conflict, NotFound
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
        conn.execute(insert(member_roles).values(member_id=member_id, roles=roles,
                                                 valid_from=joined_on))
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


def _role_period_in_force(conn, member_id):
    return conn.execute(select(member_roles).where(member_roles.c.member_id == member_id)
                        .order_by(member_roles.c.id.desc())).mappings().first()


def _roles_set(uow, bureau_id, member_id, branch_id, roles, on):
    uow.emit("member_roles_set", bureau_id, {
        "member_id": member_id, "branch_id": branch_id, "roles": list(roles),
        "on": on.isoformat()})


def set_member_roles(db, data, request=None, roles=None):
    """Replace a member's roles from the day ``on`` (default today): the
    period in force ends the day before, and members.roles holds the new
    ones (no day may lie in the future). The same roles again change
    nothing and tell nothing. ``roles``: the caller's (shared.backdating)."""
    with db.uow(request) as uow:
        conn = uow.session
        member = views.member(conn, data.get("member_id"))
        wanted = role_rules.clean_roles(data.get("roles"))
        on = parse_date(data.get("on") or clock.today().isoformat(), "on")
        today = clock.today()
        current = _role_period_in_force(conn, member["id"])
        change = role_rules.role_change(current, wanted, on, today)
        branch = views.org_row(conn, member["branch_id"], "memberId")
        if change != role_rules.UNCHANGED:
            backdating.check_backdating(on, today, backdating.limit_for(branch["bureau_id"],
                                                                        today), roles, "on")
            _change_roles(conn, [(member["id"], current["id"], change, wanted, on)])
            _roles_set(uow, branch["bureau_id"], member["id"], branch["id"], wanted, on)
        return uow.answer(views.member(conn, member["id"]))


def _change_roles(conn, changes):
    """``changes``: (member id, id of the period in force, REPLACE or
    APPEND, roles, on); a few statements whatever their number."""
    replaced = [c for c in changes if c[2] == role_rules.REPLACE]
    appended = [c for c in changes if c[2] == role_rules.APPEND]
    if replaced:
        conn.execute(update(member_roles).where(member_roles.c.id == bindparam("period"))
                     .values(roles=bindparam("new_roles")),
                     [{"period": p, "new_roles": r} for _, p, _, r, _ in replaced])
    if appended:
        conn.execute(update(member_roles).where(member_roles.c.id == bindparam("period"))
                     .values(valid_to=bindparam("ends")),
                     [{"period": p, "ends": on} for _, p, _, _, on in appended])
        conn.execute(insert(member_roles), [
            {"member_id": m, "roles": r, "valid_from": on, "valid_to": None}
            for m, _, _, r, on in appended])
    if changes:
        conn.execute(update(members).where(members.c.id == bindparam("member"))
                     .values(roles=bindparam("new_roles")),
                     [{"member": m, "new_roles": r} for m, _, _, r, _ in changes])


def assign_contact_branch(db, data, request=None):
    """A bureau committee member contacts a branch (联系点) from today.
    Assigning a contact already held answers the member and writes nothing."""
    with db.uow(request) as uow:
        conn = uow.session
        member = views.member(conn, data.get("member_id"))
        branch = views.org_row(conn, data.get("branch_id"), "branchId")
        own_branch = views.org_row(conn, member["branch_id"], "memberId")
        role_rules.validate_contact(member["roles"], own_branch["bureau_id"], branch)
        held = conn.execute(select(contact_branches.c.member_id).where(
            contact_branches.c.member_id == member["id"],
            contact_branches.c.branch_id == branch["id"])).first()
        if held is None:
            today = clock.today()
            conn.execute(insert(contact_branches).values(
                member_id=member["id"], branch_id=branch["id"], valid_from=today))
            uow.emit("contact_branch_assigned", branch["bureau_id"], {
                "member_id": member["id"], "branch_id": branch["id"],
                "branch_path": domain.path_ids(branch["path"]), "on": today.isoformat()})
        return uow.answer(views.member(conn, member["id"]))


def import_roster(db, org_id, file_b64, dry_run, request=None):
    """A roster of ``org_id``'s subtree (domain/roster.py): every bad row
    reported and nothing written unless there is none; new members are
    registered (member_registered each) and changed roles set from today
    (member_roles_set each), in one unit of work of batched statements.
    A dry run reads only."""
    if not isinstance(org_id, str) or not org_id:
        raise BadInput("say which organisation the roster belongs to", "orgId")
    content = sheet.decode_file(file_b64, advice="split the roster by branch")
    if dry_run:
        with db.connect() as conn:
            new, changes, errors = _read_roster(conn, org_id, content)
        return _roster_answer(True, new, changes, errors)
    with db.uow(request) as uow:
        new, changes, errors = _read_roster(uow.session, org_id, content)
        if not errors:
            _write_roster(uow, new, changes)
        return uow.answer(_roster_answer(False, new, changes, errors))


def _read_roster(conn, org_id, content):
    try:
        _org, orgs, people = views.roster_directory(conn, org_id)
    except NotFound:
        raise BadInput(f"there is no organisation {org_id}", "orgId") from None
    return roster.read_roster(content, roster.Directory(orgs, people), clock.today())


def _roster_answer(dry_run, new, changes, errors):
    if errors:
        return {"dry_run": dry_run, "created": 0, "updated": 0,
                "errors": [e.as_dict() for e in sorted(errors, key=lambda e: e.row)]}
    return {"dry_run": dry_run, "created": len(new), "updated": len(changes), "errors": []}


# Rows per INSERT statement of an import: well under SQLite's bound-parameter limit.
WRITE_BATCH = 500


def _batched(conn, table, rows):
    for start in range(0, len(rows), WRITE_BATCH):
        conn.execute(insert(table), rows[start:start + WRITE_BATCH])


def _write_roster(uow, new, changes):
    conn = uow.session
    today, now = clock.today(), clock.now()
    ids = [uuid.uuid4().hex for _ in new]
    _batched(conn, members, [
        {"id": i, "name": m.name, "roles": m.roles, "bureau_id": m.branch["bureau_id"],
         "created_at": now} for i, m in zip(ids, new)])
    _batched(conn, memberships, [
        {"member_id": i, "branch_id": m.branch["id"],
         "group_id": m.group["id"] if m.group else None, "valid_from": m.joined_on,
         "valid_to": None} for i, m in zip(ids, new)])
    _batched(conn, member_roles, [
        {"member_id": i, "roles": m.roles, "valid_from": m.joined_on, "valid_to": None}
        for i, m in zip(ids, new)])
    for i, m in zip(ids, new):
        uow.emit("member_registered", m.branch["bureau_id"], {
            "member_id": i, "name": m.name, "branch_id": m.branch["id"],
            "group_id": m.group["id"] if m.group else None, "roles": m.roles,
            "joined_on": m.joined_on.isoformat() if m.joined_on else None})
    if not changes:
        return
    periods = {}
    member_ids = [c.member_id for c in changes]
    for start in range(0, len(member_ids), WRITE_BATCH):
        for p in conn.execute(select(member_roles.c.id, member_roles.c.member_id,
                                     member_roles.c.roles, member_roles.c.valid_from)
                              .where(member_roles.c.member_id.in_(
                                  member_ids[start:start + WRITE_BATCH]),
                                  member_roles.c.valid_to.is_(None))).mappings():
            periods[p["member_id"]] = p
    planned = []
    for c in changes:
        current = periods[c.member_id]
        change = role_rules.role_change(current, c.roles, today, today)
        planned.append((c.member_id, current["id"], change, c.roles, today))
        _roles_set(uow, c.branch["bureau_id"], c.member_id, c.branch["id"], c.roles, today)
    _change_roles(conn, planned)


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
