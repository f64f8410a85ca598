"""Commands on the titles (时代先锋, V1 and V3): nominate, decide, and the
withdrawal sweep; and ``apply``, which writes a step of the lifecycle
(domain/lifecycle.py) with the event that tells it, for the reviews'
closing as well. Each command is one unit of work; what the organisation
service knows is asked before it, with no connection held meanwhile.

A title's row is read FOR UPDATE before a step is worked out, and written
only while it is still in the state the step started from, so a decision,
a closing review and the sweep take turns on it (SQLite has one writer)."""
import uuid

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from services.pioneer import views
from services.pioneer.domain import lifecycle, nomination
from services.pioneer.models import mentoring_pairs, pioneers
from shared import clock
from shared.errors import BadInput, Conflict
from shared.tree import ids_of, path_of
from shared.vocabulary import NOMINATED, RECTIFYING

SWEEP_BATCH = 500


def title_of(row):
    return lifecycle.Title(row["state"], row["selected_on"], row["rectify_by"])


def payload(row, title, today, **more):
    """What every event of a title says (the keys shared/events.py requires
    of each, and the rest of them besides)."""
    return {"pioneer_id": row["id"], "category": row["category"], "name": row["name"],
            "org_id": row["org_id"], "org_path": list(ids_of(row["org_path"])),
            "committee_id": row["committee_id"], "holder_id": row["holder_id"],
            "year": row["year"], "state": title.state,
            "rectify_by": title.rectify_by.isoformat() if title.rectify_by else None,
            "on": today.isoformat(), **more}


def apply(uow, row, step, today, **more):
    """Write ``step`` (from the title of ``row``, read for update) and queue
    its event; a withdrawn holder's mentoring pairs end today."""
    before = title_of(row)
    if step.title == before:
        return
    written = uow.session.execute(update(pioneers).where(
        pioneers.c.id == row["id"], pioneers.c.state == row["state"]).values(
        state=step.title.state, selected_on=step.title.selected_on,
        rectify_by=step.title.rectify_by)).rowcount
    if written != 1:
        raise Conflict("the pioneer changed meanwhile; try again", "id")
    if step.event is not None:
        uow.emit(step.event, row["bureau_id"], payload(row, step.title, today, **more))
    if step.event == lifecycle.PIONEER_WITHDRAWN and row["holder_id"]:
        uow.session.execute(update(mentoring_pairs).where(
            mentoring_pairs.c.mentor_id == row["holder_id"],
            mentoring_pairs.c.ended_on.is_(None)).values(ended_on=today))


def nominate(db, data, actor, org_of, member_of, request=None):
    """A title NOMINATED (提名). ``org_of(id, field)`` and ``member_of(id)``
    ask the organisation service (None for an unknown member)."""
    today = clock.today()
    draft = nomination.validate(data, today.year)
    org = org_of(draft.org_id, "orgId")
    committee_id = nomination.committee_of(org)
    if draft.holder_id is not None:
        nomination.check_holder(org, member_of(draft.holder_id), today)
    pioneer_id = uuid.uuid4().hex
    with db.uow(request) as uow:
        session = uow.session
        try:
            session.execute(insert(pioneers).values(
                id=pioneer_id, category=draft.category, name=draft.name, org_id=org["id"],
                org_path=path_of(org["path"]), committee_id=committee_id,
                bureau_id=org["bureau_id"], holder_id=draft.holder_id,
                citation=draft.citation, year=draft.year, state=NOMINATED,
                nominated_by=str(actor), nominated_at=clock.now()))
        except IntegrityError:
            raise _twice(draft, org) from None
        return uow.answer(views.get_pioneer(session, pioneer_id))


def _twice(draft, org):
    if draft.holder_id is not None:
        return Conflict(f"{draft.holder_id} is nominated as {draft.category} for "
                        f"{draft.year} already; a holder holds one title of a category a "
                        "year", "holderId")
    return Conflict(f"{org['name']} has a {draft.category} named {draft.name} nominated for "
                    f"{draft.year} already", "name")


def decide(db, pioneer_id, selected, actor, request=None):
    """The nomination decided: SELECTED (pioneer_selected) or REJECTED."""
    if not isinstance(selected, bool):
        raise BadInput("selected is true or false", "selected")
    today = clock.today()
    with db.uow(request) as uow:
        row = views.pioneer_row(uow.session, pioneer_id, lock=True)
        apply(uow, row, lifecycle.decide(title_of(row), selected, today), today)
        return uow.answer(views.get_pioneer(uow.session, row["id"]))


def withdraw_due(db, today, batch=SWEEP_BATCH):
    """Withdraw (摘牌) every RECTIFYING title whose rectify_by has come,
    ``batch`` per unit of work, reading only those (the (state, rectify_by)
    index); how many. A title locked by a closing review is left to it."""
    withdrawn = 0
    while True:
        with db.uow() as uow:
            rows = uow.session.execute(
                select(pioneers).where(pioneers.c.state == RECTIFYING,
                                       pioneers.c.rectify_by <= today)
                .order_by(pioneers.c.rectify_by, pioneers.c.id).limit(batch)
                .with_for_update(skip_locked=True)).mappings().all()
            for row in rows:
                apply(uow, row, lifecycle.withdraw(title_of(row), today), today)
        withdrawn += len(rows)
        if len(rows) < batch:
            return withdrawn
