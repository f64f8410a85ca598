"""The activity service: records meetings, activity days, lectures and the
rest with their attendance, and tells the platform (activity_recorded); and
the members' practice: talks, minutes and wishes (talk_recorded,
minutes_recorded, wish_*, micro_wish_fulfilled), the households members
contact with their visits, and their pledges (household_*, pledge_*).
Entrypoints only: the commands are in ``handlers`` (and ``<feature>_handlers``),
the reads in ``views`` (and ``<feature>_views``)."""
from pathlib import Path

from nameko.rpc import rpc

from services.activity import (handlers, households_handlers, households_views,
                               minutes_handlers, pledges_handlers, pledges_views,
                               talks_handlers, talks_views, views, wishes_handlers,
                               wishes_views)
from services.activity.domain import wishes as wish_rules
from services.activity.models import metadata
from shared.backdating import RECORD_RULES
from shared import clock
from shared.config import env_float
from shared.db import Database
from shared.errors import ALL_ERRORS, BadInput, NotFound
from shared.idempotency import once
from shared.lookups import LOOKUP_TIMEOUT, ask, organization_proxy
from shared.periods import parse_date, parse_year
from shared.rules import RuleSetCheck
from shared.service import BaseService
from shared.sweep import sweep
from shared.tree import path_of

MIGRATIONS = Path(__file__).parent / "migrations"
# A batch lookup (500 activities, or an import's directory) may wait longer
# behind other work of the organisation service, and take longer to answer.
BATCH_TIMEOUT = 30
# how often an OPEN pledge past its due day is looked for (seconds)
PLEDGE_INTERVAL = env_float("XF_PLEDGE_INTERVAL", 60)



class ActivityService(BaseService):
    name = "activity"
    db = Database("activity", metadata, MIGRATIONS)
    rule_sets = RuleSetCheck(RECORD_RULES)
    organization = organization_proxy()
    # a batch's request may wait in the queue as long as its caller waits
    organization_batch = organization_proxy(BATCH_TIMEOUT)

    def _ask(self, method, *args, batch=False):
        proxy, timeout = (self.organization_batch, BATCH_TIMEOUT) if batch \
            else (self.organization, LOOKUP_TIMEOUT)
        return ask(proxy, method, *args, timeout=timeout)

    def _describe(self, requests):
        return self._ask("describe_for_activities", requests, batch=len(requests) > 1)

    def _directory(self, org_id):
        return self._ask("directory", org_id, batch=True)

    def _organization(self, org_id):
        return self._ask("get_organization", org_id)

    def _subtree(self, org_id):
        """The path of the organisation whose subtree a list reads; None for
        one the register does not know (the list is empty)."""
        try:
            return path_of(self._organization(org_id)["path"])
        except (NotFound, BadInput):
            return None

    def _members(self, member_ids):
        return self._ask("get_members", list(member_ids))

    def _roles_of(self, member_ids, day):
        return self._ask("roles_of_members", list(member_ids), day)

    # Each command is carried out once per ``request`` (shared/idempotency.py):
    # a repeat, or nameko redelivering it after a crash, gets the first answer.
    # ``roles``: the caller's, as the gateway read them from the token; a
    # record dated further back than the bureau allows needs "admin" among
    # them (shared/backdating.py). None: a platform tool calling as operator.

    @rpc(expected_exceptions=ALL_ERRORS)
    def record_activity(self, data, actor="unknown", request=None, roles=None):
        return once(self.db, request, [data, actor], lambda req: handlers.record_activity(
            self.db, data, actor, self._describe, req, roles))

    @rpc(expected_exceptions=ALL_ERRORS)
    def record_activities(self, datas, actor="unknown", request=None, roles=None):
        """At most 500 activities, all or none; answers in input order."""
        return once(self.db, request, [datas, actor], lambda req: handlers.record_activities(
            self.db, datas, actor, self._describe, req, roles))

    @rpc(expected_exceptions=ALL_ERRORS)
    def import_activities(self, org_id, file_b64, dry_run=False, actor="unknown",
                          request=None, roles=None):
        """Paper records from a base64 .xlsx or UTF-8 .csv; see
        ``domain.importing`` for the columns."""
        return once(self.db, request, [org_id, file_b64, dry_run, actor],
                    lambda req: handlers.import_activities(
                        self.db, org_id, file_b64, dry_run, actor, self._describe,
                        self._directory, req, roles))

    @rpc(expected_exceptions=ALL_ERRORS)
    def get_activity(self, activity_id):
        with self.db.connect() as conn:
            return views.get_activity(conn, activity_id)

    @rpc(expected_exceptions=ALL_ERRORS)
    def get_activities(self, activity_ids):
        """Activities in the order asked; unknown ids are skipped."""
        with self.db.connect() as conn:
            return views.get_activities(conn, list(activity_ids))

    @rpc(expected_exceptions=ALL_ERRORS)
    def list_activities(self, org_id, date_from, date_to):
        """Activities held by the organisation or inside it, oldest first."""
        start = parse_date(date_from, "from")
        end = parse_date(date_to, "to")
        if end < start:
            raise BadInput(f"'to' ({end}) is before 'from' ({start})", "to")
        path = self._subtree(org_id)
        if path is None:
            return []
        with self.db.connect() as conn:
            return views.list_activities(conn, path, start, end)

    # -- talks (谈心谈话) ---------------------------------------------------------------

    @rpc(expected_exceptions=ALL_ERRORS)
    def record_talk(self, data, actor="unknown", request=None, roles=None):
        return once(self.db, request, [data, actor], lambda req: talks_handlers.record_talk(
            self.db, data, actor, self._describe, req, roles))

    @rpc(expected_exceptions=ALL_ERRORS)
    def list_talks(self, org_id, year):
        """Talks filed under the organisation or below it, held in ``year``."""
        year = parse_year(year)
        path = self._subtree(org_id)
        if path is None:
            return []
        with self.db.connect() as conn:
            return talks_views.list_talks(conn, path, year)

    # -- minutes (议事规则) -------------------------------------------------------------

    @rpc(expected_exceptions=ALL_ERRORS)
    def record_minutes(self, activity_id, data, actor="unknown", request=None, roles=None):
        def names_of(member_ids):
            return {m["id"]: m["name"] for m in self._members(member_ids)}
        return once(self.db, request, [activity_id, data, actor],
                    lambda req: minutes_handlers.record_minutes(
                        self.db, activity_id, data, actor, self._roles_of, names_of, req))

    # -- wishes (微心愿 / 双代) --------------------------------------------------------

    @rpc(expected_exceptions=ALL_ERRORS)
    def post_wish(self, data, actor="unknown", request=None, roles=None):
        return once(self.db, request, [data, actor], lambda req: wishes_handlers.post_wish(
            self.db, data, actor, self._organization, req))

    @rpc(expected_exceptions=ALL_ERRORS)
    def claim_wish(self, wish_id, member_id, actor="unknown", request=None, roles=None):
        return once(self.db, request, [wish_id, member_id, actor],
                    lambda req: wishes_handlers.claim_wish(
                        self.db, wish_id, member_id, actor, self._describe, req))

    @rpc(expected_exceptions=ALL_ERRORS)
    def fulfil_wish(self, wish_id, on, note=None, actor="unknown", request=None, roles=None):
        return once(self.db, request, [wish_id, on, note, actor],
                    lambda req: wishes_handlers.fulfil_wish(self.db, wish_id, on, note, actor,
                                                            req))

    @rpc(expected_exceptions=ALL_ERRORS)
    def cancel_wish(self, wish_id, reason, actor="unknown", request=None, roles=None):
        return once(self.db, request, [wish_id, reason, actor],
                    lambda req: wishes_handlers.cancel_wish(self.db, wish_id, reason, actor,
                                                            req))

    @rpc(expected_exceptions=ALL_ERRORS)
    def get_wish(self, wish_id):
        with self.db.connect() as conn:
            return wishes_views.get_wish(conn, wish_id)

    @rpc(expected_exceptions=ALL_ERRORS)
    def list_wishes(self, org_id, state=None):
        """Wishes of the branches at or below the organisation, oldest first."""
        state = wish_rules.check_state_filter(state)
        path = self._subtree(org_id)
        if path is None:
            return []
        with self.db.connect() as conn:
            return wishes_views.list_wishes(conn, path, state)

    # -- households (联户) and pairing (结对帮扶) ------------------------------------------

    @rpc(expected_exceptions=ALL_ERRORS)
    def register_household(self, data, actor="unknown", request=None, roles=None):
        return once(self.db, request, [data, actor],
                    lambda req: households_handlers.register_household(
                        self.db, data, actor, self._members, self._roles_of, req))

    @rpc(expected_exceptions=ALL_ERRORS)
    def log_household_visit(self, household_id, on, note, actor="unknown", request=None,
                            roles=None):
        return once(self.db, request, [household_id, on, note, actor],
                    lambda req: households_handlers.log_household_visit(
                        self.db, household_id, on, note, actor, req))

    @rpc(expected_exceptions=ALL_ERRORS)
    def households_of(self, member_id):
        with self.db.connect() as conn:
            return households_views.households_of(conn, member_id)

    @rpc(expected_exceptions=ALL_ERRORS)
    def get_households(self, household_ids):
        """Households in the order asked; unknown ids are skipped."""
        with self.db.connect() as conn:
            return households_views.get_households(conn, list(household_ids))

    @rpc(expected_exceptions=ALL_ERRORS)
    def household_visits(self, member_id, year):
        with self.db.connect() as conn:
            return households_views.visits_of(conn, member_id, parse_year(year))

    # -- pledges (亮身份亮承诺) ------------------------------------------------------------

    @rpc(expected_exceptions=ALL_ERRORS)
    def make_pledge(self, data, actor="unknown", request=None, roles=None):
        return once(self.db, request, [data, actor],
                    lambda req: pledges_handlers.make_pledge(self.db, data, actor,
                                                             self._members, req))

    @rpc(expected_exceptions=ALL_ERRORS)
    def settle_pledge(self, pledge_id, fulfilled, on, note=None, actor="unknown",
                      request=None, roles=None):
        return once(self.db, request, [pledge_id, fulfilled, on, note, actor],
                    lambda req: pledges_handlers.settle_pledge(
                        self.db, pledge_id, fulfilled, on, note, actor, req))

    @rpc(expected_exceptions=ALL_ERRORS)
    def get_pledges(self, pledge_ids):
        """Pledges in the order asked, as of today; unknown ids are skipped."""
        with self.db.connect() as conn:
            return pledges_views.get_pledges(conn, list(pledge_ids), clock.today())

    @rpc(expected_exceptions=ALL_ERRORS)
    def list_pledges(self, org_id, year):
        """The pledges for ``year`` of members of the organisation's subtree."""
        year = parse_year(year)
        path = self._subtree(org_id)
        if path is None:
            return []
        with self.db.connect() as conn:
            return pledges_views.pledges_under(conn, path, year, clock.today())

    @sweep("pledges_overdue", PLEDGE_INTERVAL, eager=True)
    def pledges_overdue(self):
        """Turn OPEN pledges past their due day OVERDUE (one replica at a
        time, shared/sweep.py; only what is due is read)."""
        return pledges_handlers.turn_overdue(self.db, clock.today())
