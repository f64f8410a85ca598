"""Entrypoints of rectification lists (问题整改清单, U3), mixed into the
supervision service: thin, each write carried out once per ``request``
(shared/idempotency.py). The organisation and the owner are the register's
(shared/lookups.py), not this service's copy of the tree, which may not have
heard of a member registered a moment ago. Who may write the gateway judges."""
import re

from nameko.rpc import rpc

from services.supervision import rectification_handlers as handlers
from services.supervision.rectification_views import (rectification_dict, rectification_row,
                                                       rectifications_under)
from shared import clock
from shared.errors import ALL_ERRORS, BadInput, NotFound
from shared.idempotency import once
from shared.lookups import ask, organization_proxy

ORG_ID = re.compile(r"^[0-9A-Za-z-]+$")


def _path(org_path):
    """An organisation's path as the gateway's org dicts carry it: ids from the top."""
    if not isinstance(org_path, (list, tuple)) or not org_path \
            or not all(isinstance(i, str) and ORG_ID.match(i) for i in org_path):
        raise BadInput("an organisation path is a list of ids from the top", "orgId")
    return list(org_path)


class RectificationEntrypoints:
    organization = organization_proxy()

    def _register_org(self, org_id):
        try:
            return ask(self.organization, "get_organization", org_id)
        except NotFound:
            raise BadInput(f"there is no organisation {org_id}", "orgId") from None

    def _register_member(self, member_id):
        found = ask(self.organization, "get_members", [member_id])
        return found[0] if found else None

    @rpc(expected_exceptions=ALL_ERRORS)
    def create_rectification(self, data, actor="unknown", request=None):
        return self._once(request, [data, actor], lambda req: handlers.create(
            self.db, data, actor, self._register_org, self._register_member, req))

    @rpc(expected_exceptions=ALL_ERRORS)
    def close_rectification(self, item_id, outcome, actor="unknown", request=None):
        return self._once(request, [item_id, outcome, actor], lambda req: handlers.close(
            self.db, item_id, outcome, actor, req))

    @rpc(expected_exceptions=ALL_ERRORS)
    def publish_rectification(self, item_id, actor="unknown", request=None):
        return self._once(request, [item_id, actor], lambda req: handlers.publish(
            self.db, item_id, actor, req))

    @rpc(expected_exceptions=ALL_ERRORS)
    def get_rectification(self, item_id):
        with self.db.connect() as conn:
            return rectification_dict(rectification_row(conn, item_id), clock.today())

    @rpc(expected_exceptions=ALL_ERRORS)
    def rectifications(self, org_path, year, state=None):
        """The items of the organisation's subtree (ids from the top) due in ``year``."""
        path = _path(org_path)
        with self.db.connect() as conn:
            return rectifications_under(conn, path, year, state, clock.today())

    def _once(self, request, arguments, command):
        return once(self.db, request, arguments, command)
