"""An item's history as the API shows it (domain/items.py): its opening,
then every move kept in item_transitions, read for a list of items at once
(one indexed statement per chunk of items)."""
from sqlalchemy import select

from services.supervision.domain import items as domain_items
from services.supervision.models import item_transitions
from services.supervision.quota_state import CHUNK
from shared import clock
from shared.config import timezone


def shown(moment):
    """A stored moment in the bureaus' time zone, as the items show theirs."""
    return clock.as_utc(moment).astimezone(timezone()).isoformat()


def moves_of(session, item_ids):
    """{item id: [Transition]} of the moves kept, in the order made."""
    found = {}
    ids = sorted(set(item_ids))
    t = item_transitions.c
    for i in range(0, len(ids), CHUNK):
        for item_id, state, at, by, note in session.execute(
                select(t.item_id, t.state, t.at, t.by, t.note)
                .where(t.item_id.in_(ids[i:i + CHUNK])).order_by(t.seq)):
            found.setdefault(item_id, []).append(
                domain_items.Transition(state, clock.as_utc(at), by, note))
    return found


def with_history(session, items, opened):
    """``items`` (the API's dicts) each with its ``history``; ``opened``:
    {item id: the stored moment it opened}."""
    moves = moves_of(session, [i["id"] for i in items])
    for item in items:
        item["history"] = [
            {"state": t.state, "at": shown(t.at), "by": t.by, "note": t.note}
            for t in domain_items.history(clock.as_utc(opened[item["id"]]),
                                          moves.get(item["id"], ()))]
    return items
