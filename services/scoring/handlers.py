"""The scoring service's commands and events, each inside a unit of work.

Posting an activity (or a member's own event: a self-study plan filed, a
self-study log entry) costs the same however long the ledger is: the members'
years are locked (in member order, so replicas never deadlock), the running
totals their caps need are read, the ledger is appended to and the postings
added to the totals, in a fixed number of statements whatever the number of
attendees; nothing reads the ledger."""
import datetime as dt
import secrets
import time

from sqlalchemy import and_, case, delete, exists, func, insert, literal, select

from services.scoring import dual_record_handlers
from services.scoring.domain import points, totals
from services.scoring.models import member_year_totals, member_years, point_entries
from shared.db import conflict_insert
from shared.errors import PoisonMessage


def _many(session, statement, rows):
    """Run an INSERT ... ON CONFLICT for many rows in one statement: SQLAlchemy
    batches such an INSERT into one multi-row VALUES only when it returns
    something (without, psycopg2 makes a round trip per row)."""
    key = statement.table.primary_key.columns.values()[0]
    session.execute(statement.returning(key), rows).all()


def entry_id():
    """A ledger entry's id: the time in microseconds, then randomness. Ids that
    rise with time are appended at the end of the id index, where random ones
    would touch a page of it per entry, more pages the longer the ledger."""
    return f"{time.time_ns() // 1000:014x}{secrets.token_hex(9)}"


def lock_member_years(session, member_ids, year):
    """Serialise postings for these members' year across replicas: the caps
    are read and written under this lock. Rows are made and locked in member
    order, so two activities sharing members take them in the same order."""
    ids = sorted(set(member_ids))
    if not ids:
        return
    _many(session, conflict_insert(session, member_years).on_conflict_do_nothing(),
          [{"member_id": m, "year": year} for m in ids])
    if session.bind.dialect.name == "postgresql":
        session.execute(select(member_years.c.member_id).where(
            member_years.c.member_id.in_(ids), member_years.c.year == year)
            .order_by(member_years.c.member_id).with_for_update())
    # SQLite: the first write above took the database's one write lock


def lock_member_year(session, member_id, year):
    lock_member_years(session, [member_id], year)


def read_tallies(session, member_ids, year, names=None):
    """The running totals of these members' year, keyed (member_id, scope,
    name); with ``names``, only the rule and category totals of those names."""
    t = member_year_totals
    query = select(t.c.member_id, t.c.scope, t.c.name, t.c.earned, t.c.net).where(
        t.c.member_id.in_(sorted(set(member_ids))), t.c.year == year)
    if names is not None:
        query = query.where(t.c.scope.in_((totals.RULE, totals.CATEGORY)),
                            t.c.name.in_(sorted(names)))
    return {(m, scope, name): totals.Tally(earned, net)
            for m, scope, name, earned, net in session.execute(query)}


def add_to_tallies(session, year, additions):
    """Add to the running totals (making those that are new): the sums are
    done by the database, under the member-year lock."""
    if not additions:
        return
    t = member_year_totals
    statement = conflict_insert(session, t)
    statement = statement.on_conflict_do_update(
        index_elements=["member_id", "year", "scope", "name"],
        set_={"earned": t.c.earned + statement.excluded.earned,
              "net": t.c.net + statement.excluded.net})
    _many(session, statement, [
        {"member_id": m, "year": year, "scope": scope, "name": name,
         "earned": tally.earned, "net": tally.net}
        for (m, scope, name), tally in sorted(additions.items())])


def year_totals(session, member_id, year):
    """What the caps see of one member's year, from the running totals."""
    return totals.year_totals(read_tallies(session, [member_id], year), member_id)


def _capped_names(candidates):
    """The rules, and their categories, whose caps these candidates meet: a
    deduction is never capped."""
    names = set()
    for candidate in candidates:
        if candidate.rule.points > 0:
            names.update((candidate.rule.key, candidate.rule.category))
    return names


def apply_activity(uow, envelope):
    """Post the points an ``activity_recorded`` asks for, within the caps, and
    tell what was posted in one ``points_posted``."""
    apply_activities(uow, [envelope])


def apply_activities(uow, envelopes):
    """``apply_activity`` for a batch, in the order given, in a fixed number
    of statements per year the batch touches: the members' years are locked
    and their tallies read once, the caps followed in memory from one
    activity to the next, the ledger appended to and the totals moved once."""
    planned = []  # (envelope, year, occurred on, rule set, candidates by member)
    for envelope in envelopes:
        activity = envelope.payload
        held_on = dt.date.fromisoformat(activity["held_on"])
        rule_set = points.POINT_RULES.for_day(envelope.bureau_id, held_on)
        planned.append((envelope, held_on.year, held_on, rule_set,
                        points.candidates_for_activity(rule_set, activity)))
    post_planned(uow, planned)
    dual_record_handlers.count_activities(uow, envelopes)


def apply_member_event(uow, envelope):
    """Post the points a member's own event (self_study_plan_filed,
    self_study_logged, micro_wish_fulfilled) asks for, within the caps of its
    year."""
    apply_member_events(uow, [envelope])


def apply_member_events(uow, envelopes):
    """``apply_member_event`` for a batch, at the cost of an activity batch:
    each event is one candidate posting or none. The year is the plan's
    (self_study_plan_filed.year) or the entry's day's; the rule set the one
    in force on the day it happened."""
    planned = []
    for envelope in envelopes:
        try:
            member_id, occurred_on, year = points.member_fact(envelope.type, envelope.payload)
        except ValueError as exc:
            raise PoisonMessage(str(exc)) from None
        rule_set = points.POINT_RULES.for_day(envelope.bureau_id, occurred_on)
        planned.append((envelope, year, occurred_on, rule_set,
                        points.candidates_for_member_event(rule_set, envelope.type,
                                                           {**envelope.payload,
                                                            "member_id": member_id})))
    post_planned(uow, planned)
    dual_record_handlers.count_member_events(uow, envelopes)


def post_planned(uow, planned):
    """Post ``[(envelope, year, occurred on, rule set, candidates)]`` in the
    order given, within the caps, and tell each event's postings in one
    ``points_posted``: the members' years locked and their tallies read once
    per year, the ledger appended to and the totals moved once."""
    session = uow.session
    grouped = []
    for envelope, year, occurred_on, rule_set, candidates in planned:
        by_member = {}
        for candidate in candidates:
            by_member.setdefault(candidate.member_id, []).append(candidate)
        if by_member:
            grouped.append((envelope, year, occurred_on, rule_set, by_member))
    caps = {}  # year -> member -> what the caps see
    for year in sorted({p[1] for p in grouped}):
        in_year = [p for p in grouped if p[1] == year]
        members = sorted({m for p in in_year for m in p[4]})
        lock_member_years(session, members, year)
        names = _capped_names(c for p in in_year for group in p[4].values() for c in group)
        caps[year] = totals.caps_by_member(read_tallies(session, members, year, names)) \
            if names else {}
    entries, by_year = [], {}
    for envelope, year, occurred_on, rule_set, by_member in grouped:
        postings = []
        for member_id in sorted(by_member):
            member_caps = caps[year].setdefault(member_id, points.YearTotals.empty())
            for candidate in by_member[member_id]:
                posting = points.post(rule_set, member_caps, candidate)
                if posting is not None:
                    postings.append(posting)
        if not postings:
            continue
        entries.extend(
            {"id": entry_id(), "member_id": p.member_id, "bureau_id": envelope.bureau_id,
             "year": year, "rule": p.rule, "category": p.category, "points": p.points,
             "source_event": envelope.id, "occurred_on": occurred_on, "reason": None,
             "posted_by": None, "rule_set_version": rule_set.version,
             "dimension": p.dimension}
            for p in postings)
        by_year.setdefault(year, []).extend(postings)
        uow.emit("points_posted", envelope.bureau_id, posted_payload(envelope, year, postings))
    if entries:
        session.execute(insert(point_entries), entries)
    for year, postings in sorted(by_year.items()):
        add_to_tallies(session, year, totals.additions(postings))


def rebuild_running_totals(session):
    """Sum the whole ledger into the running totals again, set-based: what
    the migrations that introduced them did, for a ledger loaded in bulk.
    A manual adjustment (no source event) uses up no cap's room."""
    e, t, y = point_entries, member_year_totals, member_years
    session.execute(delete(t))
    earned = func.sum(case((and_(e.c.points > 0, e.c.source_event.isnot(None)), e.c.points),
                           else_=0))
    columns = ["member_id", "year", "scope", "name", "earned", "net"]
    for scope, name, group in ((totals.RULE, e.c.rule, [e.c.rule]),
                               (totals.CATEGORY, e.c.category, [e.c.category]),
                               (totals.DIMENSION, e.c.dimension, [e.c.dimension]),
                               (totals.YEAR, literal(totals.WHOLE_YEAR), [])):
        query = select(e.c.member_id, e.c.year, literal(scope), name, earned,
                       func.sum(e.c.points)).group_by(e.c.member_id, e.c.year, *group)
        if scope == totals.DIMENSION:
            query = query.where(e.c.dimension.isnot(None))
        session.execute(insert(t).from_select(columns, query))
    session.execute(insert(y).from_select(["member_id", "year"], select(
        e.c.member_id, e.c.year).distinct().where(~exists().where(and_(
            y.c.member_id == e.c.member_id, y.c.year == e.c.year)))))


def posted_payload(envelope, year, postings):
    members = {}
    for p in postings:
        members.setdefault(p.member_id, []).append(
            {"rule": p.rule, "category": p.category, "points": str(p.points)})
    return {"source_event": envelope.id, "activity_id": envelope.payload.get("activity_id"),
            "year": year,
            "members": [{"member_id": m, "entries": entries}
                        for m, entries in sorted(members.items())]}
