"""Mentoring pairs (帮带, V4): a pioneer holding a SELECTED title mentors
another member of their bureau. The pairs end when the mentor's title is
withdrawn (title_handlers.apply). One pair in force per mentor and mentee:
the partial unique index uq_mentoring_pair_in_force decides."""
import uuid

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from services.pioneer import views
from services.pioneer.domain import lifecycle, mentoring, nomination
from services.pioneer.models import mentoring_pairs, pioneers
from shared import clock
from shared.errors import BadInput, Conflict
from shared.tree import path_of
from shared.vocabulary import SELECTED, TITLE_IN_FORCE


def pair_mentor(db, mentor_id, mentee_id, actor, members_of, request=None):
    """The pair, in force from today. ``members_of(ids)``: the organisation
    service's member dicts of the known ids."""
    mentoring.check_ids(mentor_id, mentee_id)
    found = {m["id"]: m for m in members_of([mentor_id, mentee_id])}
    mentee = found.get(mentee_id)
    mentoring.check_pair(found.get(mentor_id), mentee, mentee_id)
    today = clock.today()
    where = nomination.branch_today(mentee, today)
    if where is None:
        raise BadInput(f"{mentee['name']} belongs to no branch today", "menteeId")
    with db.uow(request) as uow:
        session = uow.session
        titles = session.execute(
            select(pioneers).where(pioneers.c.holder_id == mentor_id,
                                   pioneers.c.state.in_(TITLE_IN_FORCE))
            .order_by(pioneers.c.selected_on, pioneers.c.id).with_for_update()) \
            .mappings().all()
        lifecycle.check_mentor([t["state"] for t in titles])
        title = next(t for t in titles if t["state"] == SELECTED)
        if title["bureau_id"] != mentee["bureau_id"]:
            raise BadInput(f"{mentee['name']} belongs to another bureau than the mentor's "
                           "title; a mentor pairs with a member of their bureau", "menteeId")
        pair_id = uuid.uuid4().hex
        try:
            session.execute(insert(mentoring_pairs).values(
                id=pair_id, mentor_id=mentor_id, mentee_id=mentee_id,
                bureau_id=title["bureau_id"], pioneer_id=title["id"],
                mentor_org_path=title["org_path"], mentee_branch_path=path_of(where[0]),
                since=today, paired_by=str(actor)))
        except IntegrityError:
            raise Conflict(f"{mentor_id} mentors {mentee_id} already", "menteeId") from None
        return uow.answer(views.pair_dict(views.pair_in_force(session, mentor_id, mentee_id)))
