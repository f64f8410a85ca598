"""Entrypoints of reminder talks (约谈提醒, SPEC U4), mixed into
SupervisionService: the proposals of a quarter, derived when read from the
quota results MISSED (reminder_views.py, domain/reminders.py), and the talk
held with a proposed organisation, recorded once."""
from nameko.rpc import rpc
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from services.supervision.domain.reminders import check_talk_day, parse_quarter
from services.supervision.models import orgs, reminder_talks
from services.supervision.reminder_views import proposal_dicts, rules_on
from shared import clock
from shared.errors import ALL_ERRORS, Conflict, NotFound
from shared.idempotency import is_clash, once
from shared.periods import parse_date


def org_row(session, org_id):
    """(path, bureau id) of an organisation supervision knows, or NotFound."""
    row = session.execute(select(orgs.c.path, orgs.c.bureau_id)
                          .where(orgs.c.id == org_id)).first()
    if row is None:
        raise NotFound(f"there is no organisation {org_id}", "orgId")
    return row


class ReminderEntrypoints:
    @rpc(expected_exceptions=ALL_ERRORS)
    def reminder_proposals(self, org_id, quarter):
        """Every organisation of the subtree proposed for a reminder talk about
        ``quarter`` ("2017-Q2"), with the misses and the talk held, if any."""
        quarter = parse_quarter(quarter)
        with self.db.read() as session:
            path = session.execute(select(orgs.c.path).where(orgs.c.id == org_id)).scalar()
            if path is None:
                return []
            return proposal_dicts(session, path, quarter)

    @rpc(expected_exceptions=ALL_ERRORS)
    def record_reminder_talk(self, org_id, quarter, held_on, actor="unknown", request=None):
        """The talk about ``quarter`` held with ``org_id`` on ``held_on``: only
        with an organisation proposed for one (else CONFLICT), on a day from
        the quarter's first to today. Recording the same day again changes
        nothing; another day is CONFLICT (the first record stands)."""
        return once(self.db, request, [org_id, quarter, held_on, actor],
                    lambda req: self._record_talk(org_id, quarter, held_on, actor, req))

    def _record_talk(self, org_id, quarter, held_on, actor, request):
        quarter = parse_quarter(quarter)
        held_on = check_talk_day(parse_date(held_on, "heldOn"), quarter, clock.today())
        for attempt in (1, 2):
            try:
                with self.db.uow(request) as uow:
                    return uow.answer(self._talk_held(uow.session, org_id, quarter, held_on,
                                                      actor))
            except IntegrityError as exc:
                # another request recorded the same talk a moment ago: judged
                # again against it (unless it was this very request)
                if attempt == 2 or is_clash(exc):
                    raise

    @staticmethod
    def _talk_held(session, org_id, quarter, held_on, actor):
        path, bureau_id = org_row(session, org_id)
        found = proposal_dicts(session, path, quarter, only=org_id)
        if not found:
            least = rules_on(quarter.start)(bureau_id).reminder_min_missed
            raise Conflict(f"organisation {org_id} has no reminder proposal for "
                           f"{quarter.label} (one needs {least} or more MISSED quotas in the "
                           "quarter); a talk is recorded for a proposed organisation", "orgId")
        t = reminder_talks.c
        before = session.execute(select(t.held_on).where(
            t.org_id == org_id, t.quarter == quarter.label)).scalar()
        if before is not None and before != held_on:
            raise Conflict(f"the talk with organisation {org_id} about {quarter.label} was "
                           f"recorded as held on {before}; it is recorded once", "heldOn")
        if before is None:
            session.execute(insert(reminder_talks).values(
                org_id=org_id, quarter=quarter.label, bureau_id=bureau_id, org_path=path,
                held_on=held_on, recorded_by=actor, recorded_at=clock.now()))
        return {**found[0], "talk_held_on": held_on.isoformat()}
