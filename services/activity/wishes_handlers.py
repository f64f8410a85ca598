"""Wishes (微心愿 / 双代, A9): posted by a branch, claimed by a member of the
bureau, fulfilled or cancelled. Each move is one conditional UPDATE from the
states ``domain.wishes`` allows, checked by its row count: of two members
claiming at once (on PostgreSQL, two transactions), the second UPDATE waits
for the first, finds the wish no longer OPEN and changes nothing, and its
caller gets CONFLICT. Each move tells its event with the change."""
import uuid

from sqlalchemy import insert, select, update

from services.activity.domain import wishes as rules
from services.activity.models import wishes
from services.activity.wishes_views import wish_dict, wish_row
from shared import clock
from shared.errors import BadInput, NotFound
from shared.tree import path_of
from shared.vocabulary import BRANCH


def post_wish(db, data, actor, get_org, request=None):
    """``get_org(id)``: the organisation as the organisation service describes it."""
    draft = rules.validate_wish(data)
    try:
        org = get_org(draft.branch_id)
    except NotFound:
        raise BadInput(f"there is no branch {draft.branch_id}", "branchId") from None
    if org["kind"] != BRANCH:
        raise BadInput(f"a wish is taken by a branch; {org['name']} is a "
                       f"{org['kind'].lower()}", "branchId")
    today = clock.today()
    row = {"id": uuid.uuid4().hex, "branch_id": org["id"], "branch_path": path_of(org["path"]),
           "bureau_id": org["bureau_id"], "kind": draft.kind, "title": draft.title,
           "requester": draft.requester, "contact": draft.contact, "posted_on": today,
           "posted_by": str(actor), "state": rules.OPEN, "claimed_by": None,
           "claimed_on": None, "fulfilled_on": None, "settled_on": None, "note": None,
           "updated_at": clock.now()}
    with db.uow(request) as uow:
        uow.session.execute(insert(wishes).values(**row))
        uow.emit("wish_posted", org["bureau_id"], {
            "wish_id": row["id"], "branch_id": org["id"], "kind": draft.kind,
            "posted_on": today.isoformat()})
        return uow.answer(wish_dict(row))


def _move(session, wish_id, move, **values):
    """Carry ``move`` out on the wish if it is still in a state the move
    starts from; CONFLICT naming the state it is in otherwise."""
    done = session.execute(update(wishes).where(
        wishes.c.id == wish_id, wishes.c.state.in_(rules.sources(move)))
        .values(state=rules.target(move), updated_at=clock.now(), **values))
    if done.rowcount != 1:
        state = session.execute(select(wishes.c.state).where(wishes.c.id == wish_id)).scalar()
        if state is None:
            raise NotFound(f"there is no wish {wish_id}", "id")
        raise rules.refuse(move, state)


def claim_wish(db, wish_id, member_id, actor, describe, request=None):
    """``describe``: the organisation service's ``describe_for_activities``,
    asked where the member belongs today."""
    if not isinstance(member_id, str) or not member_id:
        raise BadInput("say which member claims the wish", "memberId")
    today = clock.today()
    with db.connect() as conn:
        wish = wish_row(conn, wish_id)
    rules.transition(wish["state"], rules.CLAIM)  # refused early, without a look-up
    answer = describe([{"org_id": wish["branch_id"], "day": today.isoformat(),
                        "extra_member_ids": [member_id]}])[0]
    where = (answer.get("extra_members") or {}).get(member_id)
    if where is None or where["bureau_id"] != wish["bureau_id"]:
        raise BadInput(f"member {member_id} is not in the branch's bureau today; a wish is "
                       "claimed by a member of the bureau of the branch that posted it",
                       "memberId")
    with db.uow(request) as uow:
        _move(uow.session, wish["id"], rules.CLAIM, claimed_by=member_id, claimed_on=today)
        uow.emit("wish_claimed", wish["bureau_id"], {
            "wish_id": wish["id"], "branch_id": wish["branch_id"], "member_id": member_id,
            "on": today.isoformat()})
        return uow.answer(wish_dict({**wish, "state": rules.CLAIMED, "claimed_by": member_id,
                                     "claimed_on": today}))


def fulfil_wish(db, wish_id, on, note, actor, request=None):
    """Posts "micro-wish fulfilled" to the claimer (through
    micro_wish_fulfilled, which scoring consumes)."""
    on, note = rules.check_fulfilment(on, note, clock.today())
    with db.uow(request) as uow:
        wish = wish_row(uow.session, wish_id)
        rules.transition(wish["state"], rules.FULFIL)
        rules.check_after_claim(on, wish["claimed_on"])
        _move(uow.session, wish["id"], rules.FULFIL, fulfilled_on=on, settled_on=on, note=note)
        uow.emit("micro_wish_fulfilled", wish["bureau_id"], {
            "wish_id": wish["id"], "branch_id": wish["branch_id"],
            "member_id": wish["claimed_by"], "kind": wish["kind"], "on": on.isoformat()})
        return uow.answer(wish_dict({**wish, "state": rules.FULFILLED, "fulfilled_on": on,
                                     "note": note}))


def cancel_wish(db, wish_id, reason, actor, request=None):
    reason = rules.check_reason(reason)
    today = clock.today()
    with db.uow(request) as uow:
        wish = wish_row(uow.session, wish_id)
        rules.transition(wish["state"], rules.CANCEL)
        _move(uow.session, wish["id"], rules.CANCEL, settled_on=today, note=reason)
        uow.emit("wish_cancelled", wish["bureau_id"], {
            "wish_id": wish["id"], "branch_id": wish["branch_id"], "on": today.isoformat(),
            "reason": reason})
        return uow.answer(wish_dict({**wish, "state": rules.CANCELLED, "note": reason}))
