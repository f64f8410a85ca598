"""Commands on pledges (亮身份亮承诺): make one, settle one, and the sweep
that turns OPEN pledges past their due day OVERDUE. Rules in
``domain.pledges``; each change is written in one unit of work with its
event."""
import uuid

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from services.activity.domain import pledges as rules
from services.activity.models import pledges
from services.activity.pledges_views import pledge_dict
from shared import clock
from shared.errors import BadInput, Conflict, NotFound
from shared.tree import path_of

SWEEP_BATCH = 500   # pledges turned per transaction of the sweep


def make_pledge(db, data, actor, members_of, request=None):
    """The pledge as made (OPEN); ``members_of(ids)`` answers member dicts."""
    today = clock.today()
    draft = rules.validate_pledge(data, today)
    found = members_of([draft.member_id])
    if not found:
        raise BadInput(f"there is no member {draft.member_id}", "memberId")
    member = found[0]
    try:
        with db.uow(request) as uow:
            session = uow.session
            made = session.execute(select(func.count()).select_from(pledges).where(
                pledges.c.member_id == draft.member_id, pledges.c.year == draft.year)).scalar()
            rules.check_room(made, draft.year)
            row = {"id": uuid.uuid4().hex, "member_id": draft.member_id, "year": draft.year,
                   "slot": made + 1, "bureau_id": member["bureau_id"],
                   "branch_id": member["branch_id"],
                   "branch_path": path_of(member["branch_path"]), "area": draft.area,
                   "content": draft.content, "due": draft.due, "state": rules.OPEN,
                   "made_on": today, "settled_on": None, "note": None,
                   "made_by": str(actor), "settled_by": None, "created_at": clock.now()}
            session.execute(insert(pledges).values(**row))
            uow.emit("pledge_made", member["bureau_id"], {
                "pledge_id": row["id"], "member_id": draft.member_id,
                "branch_id": member["branch_id"], "year": draft.year, "area": draft.area,
                "due": draft.due.isoformat(), "made_on": today.isoformat()})
            return uow.answer(pledge_dict(row, today))
    except IntegrityError:
        raise Conflict("another pledge of this member for the year was made at the same "
                       "moment; send it again", "memberId") from None


def settle_pledge(db, pledge_id, fulfilled, on, note, actor, request=None):
    """The pledge settled FULFILLED or UNFULFILLED; Conflict unless it was
    OPEN or OVERDUE, also when another settlement won the race."""
    today = clock.today()
    with db.uow(request) as uow:
        session = uow.session
        row = session.execute(select(pledges).where(pledges.c.id == pledge_id)) \
            .mappings().first()
        if row is None:
            raise NotFound(f"there is no pledge {pledge_id}", "id")
        done = rules.settle(row["state"], row["due"], row["made_on"], fulfilled, on, note,
                            today)
        # only if no one settled it meanwhile (a settled pledge is never OPEN
        # or OVERDUE again)
        changed = session.execute(
            update(pledges).where(pledges.c.id == pledge_id,
                                  pledges.c.state.in_(rules.SETTLEABLE))
            .values(state=done.state, settled_on=done.on, note=done.note,
                    settled_by=str(actor))).rowcount
        if changed != 1:
            raise Conflict("the pledge was settled meanwhile; only an OPEN or OVERDUE "
                           "pledge is settled", "id")
        base = {"pledge_id": row["id"], "member_id": row["member_id"], "year": row["year"],
                "on": done.on.isoformat(), "due": row["due"].isoformat()}
        if done.state == rules.FULFILLED:
            uow.emit("pledge_fulfilled", row["bureau_id"], {**base, "on_time": done.on_time})
        else:
            uow.emit("pledge_unfulfilled", row["bureau_id"], base)
        settled = {**row, "state": done.state, "settled_on": done.on, "note": done.note}
        return uow.answer(pledge_dict(settled, today))


def turn_overdue(db, today, batch=SWEEP_BATCH):
    """Turn every OPEN pledge whose due day is before ``today`` OVERDUE and
    tell pledge_overdue for each, ``batch`` per transaction; how many turned.
    Reads only what is due, through the (state, due) index. The UPDATE is
    conditional on the state still being OPEN and says which rows it turned,
    so two sweeps at once (or a sweep and a settlement) turn and tell each
    pledge once."""
    turned = 0
    while True:
        with db.uow() as uow:
            session = uow.session
            due_ids = session.execute(select(pledges.c.id)
                                      .where(pledges.c.state == rules.OPEN,
                                             pledges.c.due < today)
                                      .order_by(pledges.c.due, pledges.c.id)
                                      .limit(batch)).scalars().all()
            if not due_ids:
                return turned
            rows = session.execute(
                update(pledges).where(pledges.c.id.in_(due_ids),
                                      pledges.c.state == rules.OPEN)
                .values(state=rules.OVERDUE)
                .returning(pledges.c.id, pledges.c.member_id, pledges.c.year, pledges.c.due,
                           pledges.c.bureau_id)).all()
            for pledge_id, member_id, year, due, bureau_id in rows:
                uow.emit("pledge_overdue", bureau_id, {
                    "pledge_id": pledge_id, "member_id": member_id, "year": year,
                    "due": due.isoformat()})
        turned += len(rows)
        if len(due_ids) < batch:
            return turned
