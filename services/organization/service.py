"""The organisation service: the tree and the members. Other services learn
of it from its events (organization_created, member_registered) or ask it
by RPC."""
import uuid
from pathlib import Path

from nameko.rpc import rpc
from sqlalchemy import and_, insert, or_, select

from services.organization import domain
from services.organization.models import memberships, members, metadata, organizations
from shared import clock
from shared.db import Database
from shared.errors import ALL_ERRORS, BadInput, Conflict, NotFound
from shared.periods import parse_date
from shared.service import BaseService
from shared.vocabulary import BUREAU, CITY, GROUP

MIGRATIONS = Path(__file__).parent / "migrations"


def org_dict(row):
    return {"id": row["id"], "name": row["name"], "kind": row["kind"],
            "parent_id": row["parent_id"], "bureau_id": row["bureau_id"],
            "path": domain.path_ids(row["path"]),
            "created_at": row["created_at"].isoformat() if row["created_at"] else None}


class OrganizationService(BaseService):
    name = "organization"
    db = Database("organization", metadata, MIGRATIONS)

    # -- organisations -------------------------------------------------------

    def _org(self, conn, org_id, field="orgId"):
        if not isinstance(org_id, str) or not org_id:
            raise BadInput("an organisation id is needed", field)
        row = conn.execute(select(organizations).where(organizations.c.id == org_id)) \
            .mappings().first()
        if row is None:
            raise NotFound(f"there is no organisation {org_id}", field)
        return row

    @rpc(expected_exceptions=ALL_ERRORS)
    def create_organization(self, data, actor=None):
        name = domain.clean_name(data.get("name"))
        kind = data.get("kind")
        with self.db.uow() as uow:
            conn = uow.session
            parent = self._org(conn, data["parent_id"], "parentId") \
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
            row = self._org(conn, org_id)
            result = org_dict(row)
            uow.emit("organization_created", bureau_id, {
                "org_id": org_id, "name": name, "kind": kind,
                "parent_id": result["parent_id"], "path": result["path"],
                "created_on": clock.today().isoformat()})
        return result

    @rpc(expected_exceptions=ALL_ERRORS)
    def get_organization(self, org_id):
        with self.db.connect() as conn:
            return org_dict(self._org(conn, org_id))

    @rpc(expected_exceptions=ALL_ERRORS)
    def get_organizations(self, org_ids):
        with self.db.connect() as conn:
            rows = conn.execute(select(organizations).where(
                organizations.c.id.in_(list(org_ids)))).mappings().all()
        return [org_dict(r) for r in rows]

    @rpc(expected_exceptions=ALL_ERRORS)
    def roots(self):
        """The organisations at the top of the tree."""
        with self.db.connect() as conn:
            rows = conn.execute(select(organizations)
                                .where(organizations.c.parent_id.is_(None))
                                .order_by(organizations.c.name)).mappings().all()
        return [org_dict(r) for r in rows]

    @rpc(expected_exceptions=ALL_ERRORS)
    def children(self, org_id):
        with self.db.connect() as conn:
            self._org(conn, org_id)
            rows = conn.execute(select(organizations)
                                .where(organizations.c.parent_id == org_id)
                                .order_by(organizations.c.name)).mappings().all()
        return [org_dict(r) for r in rows]

    # -- members -------------------------------------------------------------

    @rpc(expected_exceptions=ALL_ERRORS)
    def register_member(self, data, actor=None):
        with self.db.uow() as uow:
            conn = uow.session
            branch = self._org(conn, data.get("branch_id"), "branchId")
            group = self._org(conn, data["group_id"], "groupId") if data.get("group_id") else None
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
            return self._member(conn, member_id)

    @rpc(expected_exceptions=ALL_ERRORS)
    def transfer_member(self, data, actor=None):
        """Move a member to another branch from a day on; the old membership
        is closed, not rewritten, so who belonged where on any day stays
        answerable."""
        with self.db.uow() as uow:
            conn = uow.session
            member = self._member(conn, data.get("member_id"))
            current = conn.execute(
                select(memberships).where(memberships.c.member_id == member["id"])
                .order_by(memberships.c.id.desc())).mappings().first()
            target = self._org(conn, data.get("branch_id"), "branchId")
            group = self._org(conn, data["group_id"], "groupId") if data.get("group_id") else None
            on = parse_date(data.get("on") or clock.today().isoformat(), "on")
            domain.validate_transfer(current, target, group, on, clock.today())
            conn.execute(memberships.update().where(memberships.c.id == current["id"])
                         .values(valid_to=on))
            conn.execute(insert(memberships).values(
                member_id=member["id"], branch_id=target["id"],
                group_id=group["id"] if group else None, valid_from=on))
            uow.emit("member_transferred", target["bureau_id"], {
                "member_id": member["id"], "from_branch_id": current["branch_id"],
                "branch_id": target["id"], "group_id": group["id"] if group else None,
                "on": on.isoformat()})
            return self._member(conn, member["id"])

    def _member(self, conn, member_id):
        if not isinstance(member_id, str) or not member_id:
            raise BadInput("a member id is needed", "memberId")
        row = conn.execute(select(members).where(members.c.id == member_id)).mappings().first()
        if row is None:
            raise NotFound(f"there is no member {member_id}", "id")
        history = conn.execute(select(memberships, organizations.c.path)
                               .join(organizations, organizations.c.id == memberships.c.branch_id)
                               .where(memberships.c.member_id == member_id)
                               .order_by(memberships.c.id)).mappings().all()
        current = history[-1]
        return {"id": row["id"], "name": row["name"], "roles": list(row["roles"]),
                "bureau_id": row["bureau_id"], "branch_id": current["branch_id"],
                "group_id": current["group_id"],
                "branch_path": domain.path_ids(current["path"]),
                "history": [{"branch_id": h["branch_id"], "group_id": h["group_id"],
                             "valid_from": h["valid_from"].isoformat() if h["valid_from"] else None,
                             "valid_to": h["valid_to"].isoformat() if h["valid_to"] else None}
                            for h in history]}

    @rpc(expected_exceptions=ALL_ERRORS)
    def get_member(self, member_id):
        with self.db.connect() as conn:
            return self._member(conn, member_id)

    @rpc(expected_exceptions=ALL_ERRORS)
    def get_members(self, member_ids):
        out = []
        with self.db.connect() as conn:
            for member_id in dict.fromkeys(member_ids):
                try:
                    out.append(self._member(conn, member_id))
                except NotFound:
                    pass
        return out

    def _member_ids_on(self, conn, org, day, own_group_only=False):
        """Members of the branches in ``org``'s subtree on ``day``. For a party
        group: its branch's members, who may all attend its activities, or
        with ``own_group_only`` those assigned to the group."""
        scope = org
        if org["kind"] == GROUP:
            scope = self._org(conn, org["parent_id"])
        in_force = and_(or_(memberships.c.valid_from.is_(None), memberships.c.valid_from <= day),
                        or_(memberships.c.valid_to.is_(None), memberships.c.valid_to > day))
        query = (select(memberships.c.member_id)
                 .join(organizations, organizations.c.id == memberships.c.branch_id)
                 .where(organizations.c.path.like(scope["path"] + "%"), in_force))
        if own_group_only and org["kind"] == GROUP:
            query = query.where(memberships.c.group_id == org["id"])
        rows = conn.execute(query).all()
        return sorted({r[0] for r in rows})

    @rpc(expected_exceptions=ALL_ERRORS)
    def members_of(self, org_id, day=None):
        """The members of the organisation's subtree on ``day`` (default today)."""
        day = parse_date(day, "day") if day else clock.today()
        with self.db.connect() as conn:
            org = self._org(conn, org_id)
            ids = self._member_ids_on(conn, org, day, own_group_only=True)
            return [self._member(conn, m) for m in ids]

    @rpc(expected_exceptions=ALL_ERRORS)
    def describe_for_activity(self, org_id, day):
        """The holding organisation and who belonged to it on ``day``, in one
        call: what the activity service needs to accept a record."""
        day = parse_date(day, "heldOn")
        with self.db.connect() as conn:
            org = self._org(conn, org_id)
            return {"org": org_dict(org), "member_ids": self._member_ids_on(conn, org, day)}
