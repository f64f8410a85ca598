"""The organisation service: the tree and the members. Other services learn
of it from its events (organization_created, member_registered) or ask it
by RPC."""
import uuid
from pathlib import Path

from nameko.rpc import rpc
from sqlalchemy import and_, insert, select

from services.organization import domain, views
from services.organization.models import memberships, members, metadata, organizations
from shared import clock
from shared.db import Database
from shared.errors import ALL_ERRORS, BadInput, Conflict
from shared.periods import parse_date
from shared.service import BaseService
from shared.vocabulary import BUREAU, CITY

MIGRATIONS = Path(__file__).parent / "migrations"


class OrganizationService(BaseService):
    name = "organization"
    db = Database("organization", metadata, MIGRATIONS)

    # -- organisations -------------------------------------------------------

    def _org(self, conn, org_id, field="orgId"):
        return views.org_row(conn, org_id, field)

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
            result = views.org_dict(row)
            uow.emit("organization_created", bureau_id, {
                "org_id": org_id, "name": name, "kind": kind,
                "parent_id": result["parent_id"], "path": result["path"],
                "created_on": clock.today().isoformat()})
        return result

    @rpc(expected_exceptions=ALL_ERRORS)
    def get_organization(self, org_id):
        with self.db.connect() as conn:
            return views.org_dict(self._org(conn, org_id))

    @rpc(expected_exceptions=ALL_ERRORS)
    def get_organizations(self, org_ids):
        with self.db.connect() as conn:
            rows = views.org_rows(conn, list(org_ids))
        return [views.org_dict(rows[i]) for i in dict.fromkeys(org_ids) if i in rows]

    @rpc(expected_exceptions=ALL_ERRORS)
    def roots(self):
        """The organisations at the top of the tree."""
        with self.db.connect() as conn:
            rows = conn.execute(select(organizations)
                                .where(organizations.c.parent_id.is_(None))
                                .order_by(organizations.c.name)).mappings().all()
        return [views.org_dict(r) for r in rows]

    @rpc(expected_exceptions=ALL_ERRORS)
    def children(self, org_id):
        with self.db.connect() as conn:
            self._org(conn, org_id)
            rows = conn.execute(select(organizations)
                                .where(organizations.c.parent_id == org_id)
                                .order_by(organizations.c.name)).mappings().all()
        return [views.org_dict(r) for r in rows]

    @rpc(expected_exceptions=ALL_ERRORS)
    def children_of(self, org_ids):
        """``children`` of many organisations: ``{org_id: [org by name]}``."""
        with self.db.connect() as conn:
            return views.children_of(conn, list(org_ids))

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
            return views.member(conn, member_id)

    @rpc(expected_exceptions=ALL_ERRORS)
    def transfer_member(self, data, actor=None):
        """Move a member to another branch from a day on; the old membership
        is closed, not rewritten, so who belonged where on any day stays
        answerable."""
        with self.db.uow() as uow:
            conn = uow.session
            member = views.member(conn, data.get("member_id"))
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
            return views.member(conn, member["id"])

    @rpc(expected_exceptions=ALL_ERRORS)
    def get_member(self, member_id):
        with self.db.connect() as conn:
            return views.member(conn, member_id)

    @rpc(expected_exceptions=ALL_ERRORS)
    def get_members(self, member_ids):
        """Members in the order asked; unknown ids are skipped."""
        with self.db.connect() as conn:
            return views.get_members(conn, list(member_ids))

    @rpc(expected_exceptions=ALL_ERRORS)
    def members_of(self, org_id, day=None):
        """The members of the organisation's subtree on ``day`` (default
        today); a party group lists its own members."""
        day = parse_date(day, "day") if day else clock.today()
        with self.db.connect() as conn:
            org = views.org_row(conn, org_id)
            return views.members_of_orgs(conn, [org["id"]], day)[org["id"]]

    @rpc(expected_exceptions=ALL_ERRORS)
    def members_of_orgs(self, org_ids, day=None):
        """``members_of`` for many organisations at once: ``{org_id: [member]}``
        for the known ids."""
        day = parse_date(day, "day") if day else clock.today()
        with self.db.connect() as conn:
            return views.members_of_orgs(conn, list(org_ids), day)

    @rpc(expected_exceptions=ALL_ERRORS)
    def describe_for_activity(self, org_id, day):
        """The holding organisation and who belonged to it on ``day``, in one
        call: what the activity service needs to accept a record."""
        day = parse_date(day, "heldOn")
        with self.db.connect() as conn:
            org = views.org_row(conn, org_id)
            return views.describe_for_activities(
                conn, [{"org_id": org["id"], "day": day.isoformat()}])[0]

    @rpc(expected_exceptions=ALL_ERRORS)
    def describe_for_activities(self, requests):
        """``describe_for_activity`` for many ``{"org_id", "day"}`` at once,
        answers aligned with the requests; a request that cannot be answered
        gets ``{"error": {"code", "message"}}``."""
        if not isinstance(requests, list):
            raise BadInput("requests is a list of {org_id, day}", "requests")
        with self.db.connect() as conn:
            return views.describe_for_activities(conn, requests)

    @rpc(expected_exceptions=ALL_ERRORS)
    def directory(self, org_id):
        """The subtree's organisations and every member who ever belonged to
        it, by id and name: what an import needs to read names."""
        with self.db.connect() as conn:
            return views.directory(conn, org_id)
