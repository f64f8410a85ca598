"""The moves of supervision items (domain/items.py), each inside the unit of
work it is given: a person's report, close or escalation; the escalation of
the items past their due day; and the closing of the items whose quota a
late record has met. Every move is an UPDATE guarded by the states it may
start from, so that of two workers (or replicas) making the same move at
once only one makes it, records it and tells it."""
from sqlalchemy import insert, select, update

from services.supervision.domain import items as domain_items
from services.supervision.models import item_transitions, orgs, quota_state, supervision_items
from services.supervision.quota_state import CHUNK
from shared import clock
from shared.errors import NotFound
from shared.tree import under
from shared.vocabulary import MISSED

ITEMS = supervision_items.c


def _not_found(item_id):
    return NotFound(f"there is no supervision item {item_id}", "id")


def _record(uow, rows, state, by, notes):
    """Keep the moves of ``rows`` (items just moved to ``state``) and tell
    them; ``notes``: {item id: the report or note}."""
    if not rows:
        return
    at, on = clock.now(), clock.today().isoformat()
    uow.session.execute(insert(item_transitions), [
        {"item_id": r["id"], "state": state, "at": at, "by": by, "note": notes.get(r["id"])}
        for r in rows])
    for r in rows:
        uow.emit(domain_items.EVENTS[state], r["bureau_id"], {
            "item_id": r["id"], "org_id": r["org_id"], "rule": r["rule"],
            "period": r["period"], "by": by, "on": on, "note": notes.get(r["id"])})


def _moved(session, ids, starts, values):
    """Move the items ``ids`` still in one of ``starts``; the rows moved."""
    return session.execute(
        update(supervision_items).where(ITEMS.id.in_(ids), ITEMS.state.in_(starts))
        .values(**values)
        .returning(ITEMS.id, ITEMS.bureau_id, ITEMS.org_id, ITEMS.rule, ITEMS.period)
    ).mappings().all()


def move(uow, item_id, action, text, actor):
    """A person's move of one item: CONFLICT when the item is in a state
    the move cannot start from (read again if another worker moved it
    meanwhile), NOT_FOUND when there is no such item."""
    session = uow.session
    state = session.execute(select(ITEMS.state).where(ITEMS.id == item_id)).scalar()
    if state is None:
        raise _not_found(item_id)
    leads_to = domain_items.move(state, action)
    starts, _ = domain_items.MOVES[action]
    values = {"state": leads_to}
    if action == domain_items.REPORT:
        values["report"] = text
    rows = _moved(session, [item_id], starts, values)
    if not rows:  # moved by another worker since it was read
        domain_items.move(session.execute(select(ITEMS.state).where(ITEMS.id == item_id))
                          .scalar(), action)
    _record(uow, rows, leads_to, actor, {item_id: text})


def overdue_ids(session, today, limit):
    """Up to ``limit`` ASSIGNED items whose due day has passed, by the
    (state, due_on) index."""
    return session.execute(
        select(ITEMS.id).where(ITEMS.state == domain_items.ASSIGNED, ITEMS.due_on < today)
        .order_by(ITEMS.due_on, ITEMS.id).limit(limit)).scalars().all()


def escalate(uow, ids):
    """The items ``ids`` still ASSIGNED turn ESCALATED by themselves; how many."""
    rows = _moved(uow.session, ids, (domain_items.ASSIGNED,),
                  {"state": domain_items.ESCALATED})
    _record(uow, rows, domain_items.ESCALATED, domain_items.PLATFORM, {})
    return len(rows)


# -- late records ---------------------------------------------------------------------

def _still_missed(session, candidates):
    """Of the (rule, period, branch path) of member quotas, those under
    which some member's quota is still MISSED (one indexed read each: a
    late record meets a handful at a time)."""
    missed = set()
    for rule, period, branch_path in candidates:
        if session.execute(select(quota_state.c.subject_id).where(
                quota_state.c.period == period, under(quota_state.c.subject_path, branch_path),
                quota_state.c.rule == rule, quota_state.c.member.is_(True),
                quota_state.c.status == MISSED).limit(1)).first():
            missed.add((rule, period, branch_path))
    return missed


def close_met(uow, turned):
    """Close by itself every item not closed yet whose quota ``turned``
    (quota_state rows a late record has just turned from MISSED to MET:
    rule, subject_id, period, member, subject_path) are met now: an
    organisation's quota its own item; a member's quota the branch's item
    of the rule and period once no member of the branch misses it."""
    if not turned:
        return 0
    session = uow.session
    holders = {}  # (rule, holder org id, period) -> a member quota's branch path, or None
    for row in turned:
        if row["member"]:
            branch_path = row["subject_path"][:-len(row["subject_id"]) - 1]
            holders[(row["rule"], branch_path.rstrip("/").rsplit("/", 1)[-1],
                     row["period"])] = branch_path
        else:
            holders[(row["rule"], row["subject_id"], row["period"])] = None
    missed = _still_missed(session, {(r, p, path) for (r, _, p), path in holders.items()
                                     if path is not None})
    wanted = {k for k, path in holders.items() if path is None or (k[0], k[2], path) not in missed}
    org_ids = sorted({org_id for _, org_id, _ in wanted})
    ids, members = [], {}
    for i in range(0, len(org_ids), CHUNK):
        for item_id, rule, org_id, period in session.execute(
                select(ITEMS.id, ITEMS.rule, ITEMS.org_id, ITEMS.period)
                .where(ITEMS.org_id.in_(org_ids[i:i + CHUNK]),
                       ITEMS.state.in_(domain_items.CLOSED_BY_ITSELF_FROM))):
            if (rule, org_id, period) in wanted:
                ids.append(item_id)
                members[item_id] = holders[(rule, org_id, period)] is not None
    if not ids:
        return 0
    rows = _moved(session, ids, domain_items.CLOSED_BY_ITSELF_FROM,
                  {"state": domain_items.CLOSED})
    _record(uow, rows, domain_items.CLOSED, domain_items.PLATFORM,
            {r["id"]: domain_items.late_note(r["rule"], r["period"], members[r["id"]])
             for r in rows})
    return len(rows)


def item(session, item_id):
    """The item's row with its organisation's path, or NOT_FOUND."""
    row = session.execute(select(supervision_items, orgs.c.path.label("org_path"))
                          .join(orgs, orgs.c.id == ITEMS.org_id)
                          .where(ITEMS.id == item_id)).mappings().first()
    if row is None:
        raise _not_found(item_id)
    return row
