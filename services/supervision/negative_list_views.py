"""The read side of the negative list (负面清单): the automatic entries derived
from the year's quota results MISSED (one indexed read of quota_state, as
for reminder talks), its supervision items ESCALATED (the subtree's
organisations by their path index, their items by org_id) and the roles of
the few members with enough misses of their own; the manual entries from
negative_list_entries (its (year, subject_path) index). The rules are
domain/negative_list.py."""
import datetime as dt

from sqlalchemy import select

from services.supervision.domain.negative_list import (COMMITTEE_ROLES, Escalated,
                                                       automatic_entries, held_in_year, listing,
                                                       manual_entries, year_labels)
from services.supervision.domain.reminders import counted
from services.supervision.models import negative_list_entries, orgs, supervision_items
from services.supervision.quota_state import people
from services.supervision.reminder_views import misses, rules_on
from shared.tree import ids_of, under
from shared.vocabulary import ESCALATED


def escalated(session, path, labels):
    """The items ESCALATED of the subtree whose period is one of ``labels``."""
    i = supervision_items.c
    rows = session.execute(
        select(i.org_id, orgs.c.path, i.bureau_id, i.rule, i.period)
        .join(orgs, orgs.c.id == i.org_id)
        .where(under(orgs.c.path, path), i.state == ESCALATED, i.period.in_(sorted(labels))))
    return [Escalated(org_id, ids_of(org_path), bureau, rule, period)
            for org_id, org_path, bureau, rule, period in rows]


def committee_members(session, found, year, rules_of):
    """The members with enough misses of their own who sat on a bureau
    committee on a day of ``year``: the roles of those few only."""
    own = {}
    for miss in found:
        if miss.member:
            own.setdefault(miss.subject_id, []).append(miss)
    enough = [member_id for member_id, held in own.items()
              if counted(held) >= rules_of(held[0].bureau_id).negative_list_missed_per_year]
    return {member_id for member_id, member in people(session, enough).items()
            if held_in_year(member, COMMITTEE_ROLES, year)}


def manual_rows(session, path, year, subject_id=None):
    n = negative_list_entries.c
    query = (select(n.subject_id, n.subject_path, n.reason)
             .where(n.year == year, under(n.subject_path, path)))
    if subject_id is not None:
        query = query.where(n.subject_id == subject_id)
    return [(s, ids_of(p), r) for s, p, r in session.execute(query.order_by(n.added_at, n.id))]


def entry_dict(entry):
    return {"subject_id": entry.subject_id, "subject_path": list(entry.subject_path),
            "year": entry.year, "reasons": list(entry.reasons), "manual": entry.manual}


def negative_list(session, path, year):
    """Every entry of ``year`` whose subject lies under ``path``."""
    labels = year_labels(year)
    rules_of = rules_on(dt.date(year, 1, 1))
    found = misses(session, path, labels)
    automatic = automatic_entries(year, found, escalated(session, path, labels),
                                  committee_members(session, found, year, rules_of), rules_of)
    manual = manual_entries(year, manual_rows(session, path, year))
    return [entry_dict(e) for e in listing(automatic, manual)]
