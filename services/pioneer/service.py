"""The pioneer programme (时代先锋, SPEC V1-V4): nominations of individuals,
posts and units, their selection, the committees' annual reviews by members
and public representatives, rectification (限期整改) and withdrawal (摘牌)
by rule, the talent pool (党务人才库) and mentoring pairs (帮带).

Entrypoints only: the handlers (title_handlers.py, review_handlers.py,
mentoring_handlers.py) write, the views (views.py) read. Each write is
carried out once per ``request`` (shared/idempotency.py); who may run it
the gateway judges."""
import re
from pathlib import Path

import eventlet
from nameko.exceptions import UnknownService
from nameko.rpc import RpcProxy, rpc

from services.pioneer import mentoring_handlers, review_handlers, title_handlers, views
from services.pioneer.domain.rules import PIONEER_RULES
from services.pioneer.models import metadata
from shared import clock
from shared.config import env_float
from shared.db import Database
from shared.errors import ALL_ERRORS, BadInput, NotFound, Unavailable
from shared.idempotency import once
from shared.periods import parse_year
from shared.rules import RuleSetCheck
from shared.service import BaseService
from shared.sweep import sweep
from shared.vocabulary import PIONEER_STATES

MIGRATIONS = Path(__file__).parent / "migrations"
# An unanswered request to the organisation service expires in the broker,
# so a look-up never runs late.
LOOKUP_TIMEOUT = 5
# how often titles past their rectification deadline are looked for (seconds)
PIONEER_INTERVAL = env_float("XF_PIONEER_INTERVAL", 60)
ORG_ID = re.compile(r"^[0-9A-Za-z-]+$")


def _path(org_path):
    """An organisation's path as the gateway's org dicts carry it: its ids
    from the top (ids of letters, digits and dashes, as shared/tree.py reads)."""
    if not isinstance(org_path, (list, tuple)) or not org_path \
            or not all(isinstance(i, str) and ORG_ID.match(i) for i in org_path):
        raise BadInput("an organisation path is a list of ids from the top", "orgId")
    return list(org_path)


class PioneerService(BaseService):
    name = "pioneer"
    db = Database("pioneer", metadata, MIGRATIONS)
    rule_sets = RuleSetCheck(PIONEER_RULES)
    organization = RpcProxy("organization", expiration=LOOKUP_TIMEOUT)

    def _ask(self, method, *args):
        try:
            with eventlet.Timeout(LOOKUP_TIMEOUT):
                return getattr(self.organization, method)(*args)
        except (UnknownService, eventlet.Timeout):
            raise Unavailable("the organisation register is not answering; try again "
                              "in a minute") from None

    def _org(self, org_id, field):
        if not isinstance(org_id, str) or not org_id:
            raise BadInput("an organisation id is needed", field)
        try:
            return self._ask("get_organization", org_id)
        except NotFound:
            raise NotFound(f"there is no organisation {org_id}", field) from None

    def _member(self, member_id):
        found = self._ask("get_members", [member_id])
        return found[0] if found else None

    def _members(self, member_ids):
        return self._ask("get_members", list(member_ids))

    # -- titles (V1) ------------------------------------------------------------------

    @rpc(expected_exceptions=ALL_ERRORS)
    def nominate(self, data, actor="unknown", request=None):
        return once(self.db, request, [data, actor], lambda req: title_handlers.nominate(
            self.db, data, actor, self._org, self._member, req))

    @rpc(expected_exceptions=ALL_ERRORS)
    def decide(self, pioneer_id, selected, actor="unknown", request=None):
        return once(self.db, request, [pioneer_id, selected, actor],
                    lambda req: title_handlers.decide(self.db, pioneer_id, selected, actor,
                                                      req))

    @rpc(expected_exceptions=ALL_ERRORS)
    def get_pioneer(self, pioneer_id):
        with self.db.connect() as conn:
            return views.get_pioneer(conn, pioneer_id)

    @rpc(expected_exceptions=ALL_ERRORS)
    def pioneers(self, org_path, year=None, state=None):
        """The titles of the organisation's subtree (ids from the top)."""
        path = _path(org_path)
        year = None if year is None else parse_year(year)
        if state is not None and state not in PIONEER_STATES:
            raise BadInput(f"{state!r} is not a state; one of {', '.join(PIONEER_STATES)}",
                           "state")
        with self.db.connect() as conn:
            return views.pioneers_under(conn, path, year, state)

    # -- annual reviews (V2, V3) --------------------------------------------------------

    @rpc(expected_exceptions=ALL_ERRORS)
    def open_review(self, committee_id, year, actor="unknown", request=None):
        return once(self.db, request, [committee_id, year, actor],
                    lambda req: review_handlers.open_review(self.db, committee_id, year,
                                                            actor, self._org, req))

    @rpc(expected_exceptions=ALL_ERRORS)
    def get_review(self, review_id):
        with self.db.connect() as conn:
            return views.review_dict(conn, views.review_row(conn, review_id, field="id"))

    @rpc(expected_exceptions=ALL_ERRORS)
    def review(self, review_id):
        """The review, or None when there is none."""
        try:
            return self.get_review(review_id)
        except NotFound:
            return None

    @rpc(expected_exceptions=ALL_ERRORS)
    def rate(self, data, actor="unknown", request=None):
        return once(self.db, request, [data, actor],
                    lambda req: review_handlers.rate(self.db, data, actor, req))

    @rpc(expected_exceptions=ALL_ERRORS)
    def close_review(self, review_id, actor="unknown", request=None):
        return once(self.db, request, [review_id, actor],
                    lambda req: review_handlers.close_review(self.db, review_id, actor, req))

    @sweep("withdrawals", PIONEER_INTERVAL, eager=True)
    def pioneer_sweep(self):
        """Withdraw (摘牌) the titles still RECTIFYING on their rectify_by (one
        replica at a time, shared/sweep.py; only what is due is read)."""
        return title_handlers.withdraw_due(self.db, clock.today())

    # -- the talent pool and mentoring (V4) ----------------------------------------------

    @rpc(expected_exceptions=ALL_ERRORS)
    def talent_pool(self, org_path):
        with self.db.connect() as conn:
            return views.talent_pool(conn, _path(org_path))

    @rpc(expected_exceptions=ALL_ERRORS)
    def mentoring_pairs(self, org_path):
        with self.db.connect() as conn:
            return views.pairs_under(conn, _path(org_path))

    @rpc(expected_exceptions=ALL_ERRORS)
    def pair_mentor(self, mentor_id, mentee_id, actor="unknown", request=None):
        return once(self.db, request, [mentor_id, mentee_id, actor],
                    lambda req: mentoring_handlers.pair_mentor(
                        self.db, mentor_id, mentee_id, actor, self._members, req))
