"""Entrypoints of the negative list (负面清单, SPEC U6), mixed into
SupervisionService: the list of a year, derived when read
(negative_list_views.py), and a manual entry with its reason."""
import uuid

from nameko.rpc import rpc
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from services.supervision.domain.negative_list import (COMMITTEE_ROLES, check_reason,
                                                       check_year, held_in_year, manual_entries)
from services.supervision.models import members, negative_list_entries, orgs
from services.supervision.negative_list_views import entry_dict, manual_rows, negative_list
from services.supervision.quota_state import people
from shared import clock
from shared.errors import ALL_ERRORS, BadInput, NotFound
from shared.idempotency import is_clash, once
from shared.periods import parse_year
from shared.vocabulary import BRANCH


def subject_of(session, subject_id, year):
    """(subject path, bureau id) of a branch, or of a member who sat on a
    bureau committee on a day of ``year`` (their branch's path and their id);
    anything else is BAD_INPUT, an unknown id NOT_FOUND."""
    org = session.execute(select(orgs.c.path, orgs.c.bureau_id, orgs.c.kind)
                          .where(orgs.c.id == subject_id)).first()
    if org is not None:
        if org.kind != BRANCH:
            raise BadInput(f"{subject_id} is a {org.kind.lower()}; the negative list takes a "
                           "branch or a bureau committee member", "subjectId")
        return org.path, org.bureau_id
    member = session.execute(select(members.c.branch_path, members.c.bureau_id)
                             .where(members.c.id == subject_id)).first()
    if member is None:
        raise NotFound(f"there is no branch or member {subject_id}", "subjectId")
    found = people(session, [subject_id]).get(subject_id)
    if found is None or not held_in_year(found, COMMITTEE_ROLES, year):
        raise BadInput(f"member {subject_id} did not sit on a bureau committee in {year} "
                       "(role bureau_committee or bureau_secretary); the negative list takes "
                       "a branch or a bureau committee member", "subjectId")
    return member.branch_path + subject_id + "/", member.bureau_id


class NegativeListEntrypoints:
    @rpc(expected_exceptions=ALL_ERRORS)
    def negative_list(self, org_id, year):
        """The entries of ``year`` whose subject lies in the organisation's
        subtree: automatic ones by the rule set, and the manual ones."""
        year = parse_year(year)
        with self.db.read() as session:
            path = session.execute(select(orgs.c.path).where(orgs.c.id == org_id)).scalar()
            if path is None:
                return []
            return negative_list(session, path, year)

    @rpc(expected_exceptions=ALL_ERRORS)
    def add_to_negative_list(self, subject_id, year, reason, actor="unknown", request=None):
        """Put a branch or a bureau committee member on the list of ``year``
        (not one to come) with ``reason``; the subject's manual entry, with
        every reason given. A reason given before is not added twice."""
        return once(self.db, request, [subject_id, year, reason, actor],
                    lambda req: self._add(subject_id, year, reason, actor, req))

    def _add(self, subject_id, year, reason, actor, request):
        year = check_year(parse_year(year), clock.today())
        reason = check_reason(reason)
        for attempt in (1, 2):
            try:
                with self.db.uow(request) as uow:
                    return uow.answer(self._added(uow.session, subject_id, year, reason, actor))
            except IntegrityError as exc:
                # the same reason given a moment ago by another request
                if attempt == 2 or is_clash(exc):
                    raise

    @staticmethod
    def _added(session, subject_id, year, reason, actor):
        path, bureau_id = subject_of(session, subject_id, year)
        n = negative_list_entries.c
        given = session.execute(select(n.id).where(n.subject_id == subject_id, n.year == year,
                                                   n.reason == reason)).first()
        if given is None:
            session.execute(insert(negative_list_entries).values(
                id=uuid.uuid4().hex, subject_id=subject_id, year=year, reason=reason,
                bureau_id=bureau_id, subject_path=path, added_by=actor, added_at=clock.now()))
        [entry] = manual_entries(year, manual_rows(session, path, year, subject_id))
        return entry_dict(entry)
