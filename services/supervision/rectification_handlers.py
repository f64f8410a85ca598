"""Commands on rectification lists (问题整改清单): make an item, close it off
(销号), publish its outcome. Rules in domain/rectification.py; each change
is one unit of work. A campaign item (专项行动) moves quota U3 of its branch
in the same transaction as it is written (quota_state.apply_facts)."""
import uuid

from sqlalchemy import insert, update

from services.supervision.domain import rectification as rules
from services.supervision.models import rectifications
from services.supervision.quota_state import apply_facts
from services.supervision.rectification_views import rectification_dict, rectification_row
from shared import clock
from shared.errors import BadInput, Conflict
from shared.rules import NoValidRuleSet
from shared.tree import path_of


def create(db, data, actor, org_of, member_of, request=None):
    """The item as made (OPEN). ``org_of(id)`` and ``member_of(id)`` answer
    the register's organisation and member (None for an unknown member)."""
    today = clock.today()
    draft = rules.validate(data)
    org = org_of(draft.org_id)
    rules.check_org(org["kind"])
    owner = member_of(draft.owner_id)
    if owner is None:
        raise BadInput(f"there is no member {draft.owner_id}", "ownerId")
    rules.check_owner(org["path"], owner["branch_path"])
    with db.uow(request) as uow:
        session = uow.session
        row = {"id": uuid.uuid4().hex, "org_id": org["id"], "bureau_id": org["bureau_id"],
               "org_path": path_of(org["path"]), "problem": draft.problem,
               "measures": list(draft.measures), "owner_id": draft.owner_id,
               "due": draft.due, "campaign": draft.campaign, "state": rules.OPEN,
               "outcome": None, "closed_on": None, "published": False, "made_on": today,
               "made_by": str(actor), "closed_by": None, "published_by": None,
               "created_at": clock.now()}
        session.execute(insert(rectifications).values(**row))
        if draft.campaign:
            fact = rules.CampaignFact(row["id"], tuple(org["path"]), today)
            try:
                apply_facts(session, [(org["bureau_id"], fact)])
            except NoValidRuleSet:
                pass  # counted when the bureau's quotas are derived with a valid rule set
        return uow.answer(rectification_dict(row, today))


def close(db, item_id, outcome, actor, request=None):
    """The item closed off with ``outcome`` on today; Conflict unless it
    reads OPEN or OVERDUE (also when another close-off won the race)."""
    today = clock.today()
    with db.uow(request) as uow:
        session = uow.session
        row = rectification_row(session, item_id, lock=True)
        outcome = rules.close(row["state"], row["due"], outcome, today)
        changed = session.execute(
            update(rectifications).where(rectifications.c.id == item_id,
                                         rectifications.c.state == rules.OPEN)
            .values(state=rules.CLOSED, outcome=outcome, closed_on=today,
                    closed_by=str(actor))).rowcount
        if changed != 1:
            raise Conflict("the item was closed off meanwhile; only an OPEN or OVERDUE item "
                           "is closed off", "id")
        closed = {**row, "state": rules.CLOSED, "outcome": outcome, "closed_on": today}
        return uow.answer(rectification_dict(closed, today))


def publish(db, item_id, actor, request=None):
    """The item's outcome shown to the public (向群众公布); Conflict unless
    it is CLOSED; an item published already is answered as it is."""
    today = clock.today()
    with db.uow(request) as uow:
        session = uow.session
        row = rectification_row(session, item_id, lock=True)
        if rules.must_publish(row["state"], row["published"]):
            session.execute(update(rectifications).where(rectifications.c.id == item_id)
                            .values(published=True, published_by=str(actor)))
            row = {**row, "published": True}
        return uow.answer(rectification_dict(row, today))
