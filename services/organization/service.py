"""The organisation service: the tree, the members, their roles through
time and their contact branches. Other services learn of it from its events
(organization_created, member_registered, member_transferred,
member_roles_set, contact_branch_assigned) or ask it
by RPC. Entrypoints only: the commands are in ``handlers``, the reads in
``views``."""
from pathlib import Path

from nameko.rpc import rpc

from services.organization import handlers, views
from services.organization.models import metadata
from shared import clock
from shared.backdating import RECORD_RULES
from shared.db import Database
from shared.errors import ALL_ERRORS, BadInput
from shared.idempotency import once
from shared.periods import parse_date
from shared.rules import RuleSetCheck
from shared.service import BaseService

MIGRATIONS = Path(__file__).parent / "migrations"


class OrganizationService(BaseService):
    name = "organization"
    db = Database("organization", metadata, MIGRATIONS)
    rule_sets = RuleSetCheck(RECORD_RULES)

    # -- organisations -------------------------------------------------------

    # Each command is carried out once per ``request`` (shared/idempotency.py):
    # a repeat, or nameko redelivering it after a crash, gets the first answer.

    @rpc(expected_exceptions=ALL_ERRORS)
    def create_organization(self, data, actor=None, request=None):
        return once(self.db, request, [data, actor],
                    lambda req: handlers.create_organization(self.db, data, req))

    @rpc(expected_exceptions=ALL_ERRORS)
    def get_organization(self, org_id):
        with self.db.connect() as conn:
            return views.org_dict(views.org_row(conn, org_id))

    @rpc(expected_exceptions=ALL_ERRORS)
    def get_organizations(self, org_ids):
        with self.db.connect() as conn:
            rows = views.org_rows(conn, list(org_ids))
        return [views.org_dict(rows[i]) for i in dict.fromkeys(org_ids) if i in rows]

    @rpc(expected_exceptions=ALL_ERRORS)
    def roots(self):
        """The organisations at the top of the tree."""
        with self.db.connect() as conn:
            return views.roots(conn)

    @rpc(expected_exceptions=ALL_ERRORS)
    def children(self, org_id):
        with self.db.connect() as conn:
            org = views.org_row(conn, org_id)
            return views.children_of(conn, [org["id"]])[org["id"]]

    @rpc(expected_exceptions=ALL_ERRORS)
    def children_of(self, org_ids):
        """``children`` of many organisations: ``{org_id: [org by name]}``."""
        with self.db.connect() as conn:
            return views.children_of(conn, list(org_ids))

    @rpc(expected_exceptions=ALL_ERRORS)
    def republish(self, bureau_id):
        """Tell the platform again what it keeps about the subtree of
        ``bureau_id`` (any organisation: a bureau, or the city): its
        organisations and members, as they are now. Rebuilds a read model
        another service lost; where nothing was lost it changes nothing.
        ``python -m tools.republish --bureau ID`` calls it."""
        return handlers.republish(self.db, bureau_id)

    # -- members -------------------------------------------------------------

    @rpc(expected_exceptions=ALL_ERRORS)
    def register_member(self, data, actor=None, request=None):
        return once(self.db, request, [data, actor],
                    lambda req: handlers.register_member(self.db, data, req))

    @rpc(expected_exceptions=ALL_ERRORS)
    def transfer_member(self, data, actor=None, request=None, roles=None):
        """Move a member to another branch from a day on (history kept); a
        day further back than the bureau's backdating limit needs "admin"
        among the caller's ``roles`` (None: a platform tool)."""
        return once(self.db, request, [data, actor],
                    lambda req: handlers.transfer_member(self.db, data, req, roles))

    @rpc(expected_exceptions=ALL_ERRORS)
    def set_member_roles(self, data, actor=None, request=None, roles=None):
        """Replace a member's roles from ``data["on"]`` (default today);
        the history is kept. ``roles``: the caller's, for backdating."""
        return once(self.db, request, [data, actor],
                    lambda req: handlers.set_member_roles(self.db, data, req, roles))

    @rpc(expected_exceptions=ALL_ERRORS)
    def roles_of_members(self, member_ids, day=None):
        """``{member id: [roles held on day]}`` (default today) for the known
        ids: who was a branch secretary or committee member on a past day."""
        day = parse_date(day, "day") if day else clock.today()
        with self.db.connect() as conn:
            return views.roles_of_members(conn, list(member_ids), day)

    @rpc(expected_exceptions=ALL_ERRORS)
    def assign_contact_branch(self, data, actor=None, request=None):
        return once(self.db, request, [data, actor],
                    lambda req: handlers.assign_contact_branch(self.db, data, req))

    @rpc(expected_exceptions=ALL_ERRORS)
    def contact_branches_of(self, member_ids):
        """``{member id: [branch]}``: the branches each member contacts (联系点)."""
        with self.db.connect() as conn:
            return views.contact_branches_of(conn, list(member_ids))

    @rpc(expected_exceptions=ALL_ERRORS)
    def contacts_of(self, branch_ids):
        """``{branch id: [member]}``: who contacts each branch (联系点)."""
        with self.db.connect() as conn:
            return views.contacts_of(conn, list(branch_ids))

    @rpc(expected_exceptions=ALL_ERRORS)
    def import_roster(self, org_id, file_b64, dry_run=False, actor=None, request=None):
        """A roster (花名册) of ``org_id``'s subtree from a base64 .xlsx or
        .csv: all or nothing, every bad row reported (handlers.import_roster)."""
        return once(self.db, request, [org_id, file_b64, bool(dry_run), actor],
                    lambda req: handlers.import_roster(self.db, org_id, file_b64,
                                                       bool(dry_run), req))

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
