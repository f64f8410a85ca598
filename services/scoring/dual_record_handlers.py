"""Dual records (双记实) kept as events arrive: the counters of
``dual_record_counts`` moved in the unit of work of the event that counts
(domain/dual_records.py says which fact counts where), and the contact
branches (联系点) learnt from ``contact_branch_assigned``. A batch of events
costs a fixed number of statements, whatever the history: the guests'
contacts are read in one query, the counters added to in one upsert."""
import datetime as dt

from sqlalchemy import select

from services.scoring.domain import dual_records
from services.scoring.models import contact_branches, dual_record_counts
from shared.db import conflict_insert
from shared.errors import PoisonMessage


def add_counts(session, by_year):
    """Add ``{year: {(member id, counter): n}}`` to the counters (making the
    new ones), in one statement; the sums are done by the database."""
    rows = [{"member_id": m, "year": year, "counter": counter, "count": n}
            for year, counts in sorted(by_year.items())
            for (m, counter), n in sorted(counts.items()) if n]
    if not rows:
        return
    t = dual_record_counts
    statement = conflict_insert(session, t)
    statement = statement.on_conflict_do_update(
        index_elements=["member_id", "year", "counter"],
        set_={"count": t.c.count + statement.excluded["count"]})
    session.execute(statement, rows)


def _merge(by_year, year, counts):
    into = by_year.setdefault(year, {})
    for key, n in counts.items():
        into[key] = into.get(key, 0) + n


def contacts_of_members(session, member_ids):
    """``{member id: [(branch path, from day)]}`` in one query."""
    out = {m: [] for m in member_ids}
    if not member_ids:
        return out
    c = contact_branches
    for member_id, path, since in session.execute(
            select(c.c.member_id, c.c.branch_path, c.c.valid_from)
            .where(c.c.member_id.in_(sorted(member_ids)))):
        out[member_id].append((path, since))
    return out


def count_activities(uow, envelopes):
    """Count what ``activity_recorded`` events add to their members' dual records."""
    guests = {g for e in envelopes for g in e.payload.get("guest_ids") or ()}
    contacts = contacts_of_members(uow.session, guests)
    by_year = {}
    for envelope in envelopes:
        activity = envelope.payload
        year = dt.date.fromisoformat(activity["held_on"]).year
        _merge(by_year, year, dual_records.activity_counts(
            activity, lambda m: contacts.get(m, ())))
    add_counts(uow.session, by_year)


def count_member_events(uow, envelopes):
    """Count the household visits among a batch of a member's own events."""
    by_year = {}
    for envelope in envelopes:
        if envelope.type != "household_visited":
            continue
        p = envelope.payload
        _merge(by_year, dt.date.fromisoformat(p["on"]).year,
               dual_records.visit_counts(p["member_id"]))
    add_counts(uow.session, by_year)


def apply_contact_assigned(uow, envelope):
    """A member contacts a branch (联系点) from ``on``: kept; told again,
    the first telling stays."""
    p = envelope.payload
    try:
        since = dt.date.fromisoformat(p["on"])
        path = "/" + "".join(f"{i}/" for i in p["branch_path"])
    except (TypeError, ValueError) as exc:
        raise PoisonMessage(f"contact_branch_assigned without a usable day or path: {exc}") \
            from None
    c = contact_branches
    uow.session.execute(conflict_insert(uow.session, c).values(
        member_id=p["member_id"], branch_id=p["branch_id"], branch_path=path,
        valid_from=since).on_conflict_do_nothing(index_elements=[c.c.member_id, c.c.branch_id]))
