"""Commands on households (联户) and pairing (结对帮扶): register one, log a
visit. Each checks its input with ``domain.households``, asks the
organisation service what it needs (the member and the cadre in one call,
the cadre's roles today in another) through the callables the entrypoint
hands it, and writes in one unit of work with its event."""
import uuid

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from services.activity.domain import households as rules
from services.activity.models import household_visits, households
from services.activity.households_views import household_dict, visit_dict
from shared import clock
from shared.errors import BadInput, Conflict, NotFound
from shared.tree import path_of


def register_household(db, data, actor, members_of, roles_of, request=None):
    """The household as registered; ``members_of(ids)`` answers member dicts
    (unknown ids left out), ``roles_of(ids, day)`` ``{id: [roles]}``."""
    today = clock.today()
    draft = rules.validate_household(data)
    cadre_id = draft.paired_cadre_id
    found = {m["id"]: m for m in members_of([draft.member_id] + ([cadre_id] if cadre_id else []))}
    member = found.get(draft.member_id)
    if member is None:
        raise BadInput(f"there is no member {draft.member_id}", "memberId")
    if cadre_id:
        cadre = found.get(cadre_id)
        cadre_roles = roles_of([cadre_id], today.isoformat()).get(cadre_id, []) if cadre else []
        rules.check_pairing(draft, member, cadre, cadre_roles)
    try:
        with db.uow(request) as uow:
            session = uow.session
            registered = session.execute(select(func.count()).select_from(households).where(
                households.c.member_id == draft.member_id)).scalar()
            rules.check_room(registered)
            row = {"id": uuid.uuid4().hex, "member_id": draft.member_id,
                   "slot": registered + 1, "bureau_id": member["bureau_id"],
                   "branch_id": member["branch_id"],
                   "branch_path": path_of(member["branch_path"]), "name": draft.name,
                   "address": draft.address, "phone": draft.phone,
                   "in_difficulty": draft.in_difficulty, "paired_cadre_id": cadre_id,
                   "registered_on": today, "registered_by": str(actor),
                   "created_at": clock.now()}
            session.execute(insert(households).values(**row))
            uow.emit("household_registered", member["bureau_id"], {
                "household_id": row["id"], "member_id": draft.member_id,
                "branch_id": member["branch_id"], "in_difficulty": draft.in_difficulty,
                "paired_cadre_id": cadre_id, "registered_on": today.isoformat()})
            return uow.answer(household_dict(row))
    except IntegrityError:
        # another household of the member took the same slot at the same moment
        raise Conflict("another household of this member was registered at the same "
                       "moment; send it again", "memberId") from None


def household_of(session, household_id):
    row = session.execute(select(households).where(households.c.id == household_id)) \
        .mappings().first()
    if row is None:
        raise NotFound(f"there is no household {household_id}", "householdId")
    return household_dict(row)


def log_household_visit(db, household_id, on, note, actor, request=None):
    """The visit as logged, by the household's member."""
    draft = rules.validate_visit(household_id, on, note, clock.today())
    with db.uow(request) as uow:
        session = uow.session
        household = household_of(session, draft.household_id)
        row = {"id": uuid.uuid4().hex, "household_id": household["id"],
               "member_id": household["member_id"], "on": draft.on, "note": draft.note,
               "logged_by": str(actor), "created_at": clock.now()}
        session.execute(insert(household_visits).values(**row))
        uow.emit("household_visited", household["bureau_id"], {
            "visit_id": row["id"], "household_id": household["id"],
            "member_id": household["member_id"], "on": draft.on.isoformat(),
            "in_difficulty": household["in_difficulty"],
            "paired_cadre_id": household["paired_cadre_id"]})
        return uow.answer(visit_dict(row, household))
