"""The supervision service's commands and event handlers, each inside the
unit of work it is given: keeping the read models, moving the quota state as
facts arrive (quota_state.py), and closing periods. A fact that arrives after
its period was closed (a late record) moves the closed quota's count too; an
item whose quota it meets closes by itself (item_handlers.close_met)."""
import datetime as dt

from sqlalchemy import case, insert, select, update

from services.supervision import domain
from services.supervision.domain import practice
from services.supervision.item_handlers import close_met
from services.supervision.item_rows import opened_rows
from services.supervision.models import (activity_facts, checkup_facts, household_contacts,
                                         member_activities,
                                         member_contacts, member_roles, members, orgs,
                                         plan_filings, pledge_facts, quota_closures,
                                         quota_state, self_study_filings, supervision_items,
                                         talk_facts)
from services.supervision.quota_state import (CHUNK, apply_facts, apply_practice,
                                              derive_practice_again, judged_subjects,
                                              recount_member, state_row, stored_counts)
from shared.db import conflict_insert
from shared.errors import Unavailable
from shared.read_models import MOVED, TreeReadModel
from shared.tree import ids_of, path_of
from shared.vocabulary import MET, MISSED, PRESENT


# -- read models ------------------------------------------------------------------
#
# A fact may come more than once under different event ids (the organisation
# service republishes a subtree to rebuild this copy: tools/republish.py), and
# two workers may hold the same fact at once: each is an upsert, never a
# second row, never an IntegrityError.

tree = TreeReadModel(orgs, members)  # shared/read_models.py


def apply_org_created(uow, envelope):
    """An organisation's place and name never change: the first telling stays."""
    p = envelope.payload
    created_on = dt.date.fromisoformat(p.get("created_on") or envelope.occurred_at[:10])
    tree.apply_org_created(uow, envelope, name=p["name"], parent_id=p["parent_id"],
                           created_on=created_on)


def _has_facts(session, member_id):
    return session.execute(select(member_activities.c.member_id)
                           .where(member_activities.c.member_id == member_id)
                           .limit(1)).first() is not None


def _set_roles(session, member_id, since, roles):
    """The roles held from ``since``; the registration's (since ever) stay
    as first told, a later setting on the same day replaces the earlier."""
    roles = sorted(set(roles))
    statement = conflict_insert(session, member_roles).values(
        member_id=member_id, valid_from=since, roles=roles,
        leading=bool(domain.LEADING_ROLES & set(roles)))
    if since == domain.SINCE_EVER:
        statement = statement.on_conflict_do_nothing(
            index_elements=[member_roles.c.member_id, member_roles.c.valid_from])
    else:
        statement = statement.on_conflict_do_update(
            index_elements=[member_roles.c.member_id, member_roles.c.valid_from],
            set_={"roles": statement.excluded.roles, "leading": statement.excluded.leading})
    session.execute(statement)


def apply_member_registered(uow, envelope):
    """The roles told at registration are the member's roles until a
    member_roles_set says otherwise; the branch is taken only for a member
    new here, since a transfer (another queue) may have come first and be
    newer. A member whose lectures or guest visits came first has them
    counted now."""
    p = envelope.payload
    session = uow.session
    roles = list(p["roles"])
    _set_roles(session, p["member_id"], domain.SINCE_EVER, roles)
    if session.execute(select(members.c.id).where(members.c.id == p["member_id"])).first():
        session.execute(update(members).where(members.c.id == p["member_id"])
                        .values(roles=roles))
    else:
        tree.put_member(session, envelope, update=("roles",), roles=roles)
    if _has_facts(session, p["member_id"]):
        recount_member(session, p["member_id"])


def apply_member_roles_set(uow, envelope):
    """Roles from a day on (possibly backdated): the member's role quotas of
    periods not closed are counted again from their own facts."""
    p = envelope.payload
    session = uow.session
    _set_roles(session, p["member_id"], dt.date.fromisoformat(p["on"]), p["roles"])
    session.execute(update(members).where(members.c.id == p["member_id"])
                    .values(roles=sorted(set(p["roles"]))))
    if _has_facts(session, p["member_id"]):
        recount_member(session, p["member_id"])
    derive_practice_again(session, p["member_id"])


def apply_contact_branch_assigned(uow, envelope):
    """A contact branch (联系点) from a day on; told again with an earlier
    day, it holds from the earlier."""
    p = envelope.payload
    session = uow.session
    on = dt.date.fromisoformat(p["on"])
    statement = conflict_insert(session, member_contacts).values(
        member_id=p["member_id"], branch_id=p["branch_id"], valid_from=on)
    session.execute(statement.on_conflict_do_update(
        index_elements=[member_contacts.c.member_id, member_contacts.c.branch_id],
        set_={"valid_from": case((member_contacts.c.valid_from > statement.excluded.valid_from,
                                  statement.excluded.valid_from),
                                 else_=member_contacts.c.valid_from)}))
    if _has_facts(session, p["member_id"]):
        recount_member(session, p["member_id"])


def apply_member_transferred(uow, envelope):
    """The member's quotas of open periods move with them; closed ones stay
    where they were judged."""
    p = envelope.payload
    session = uow.session
    branch_path = tree.put_member(session, envelope, update=MOVED,
                                  roles=["member"])  # until member_registered tells
    session.execute(update(quota_state).where(
        quota_state.c.subject_id == p["member_id"], quota_state.c.member.is_(True),
        quota_state.c.closed.is_(False)).values(
        subject_path=branch_path + p["member_id"] + "/", bureau_id=envelope.bureau_id))
    if _has_facts(session, p["member_id"]):
        recount_member(session, p["member_id"])  # a lecture counts in their bureau
    derive_practice_again(session, p["member_id"])  # whose branch's A6 they count in


def fact_from_payload(p):
    present = tuple(a["member_id"] for a in p["attendance"] if a.get("status") == PRESENT)
    guests = tuple(dict.fromkeys(p.get("guest_ids") or ()))
    return domain.ActivityFact(p["activity_id"], tuple(p["org_path"]), p["kind"],
                               dt.date.fromisoformat(p["held_on"]), present,
                               p.get("speaker_id") or None, guests)


def apply_activity(uow, envelope):
    apply_activities(uow, [envelope])


def apply_activities(uow, envelopes):
    """Record the facts (each activity once, however often told) and move the
    counts they add to, in a fixed number of statements per batch."""
    session = uow.session
    ids = [e.payload["activity_id"] for e in envelopes]
    known = set(session.execute(select(activity_facts.c.activity_id)
                                .where(activity_facts.c.activity_id.in_(ids))).scalars())
    new = []
    for envelope in envelopes:
        fact = fact_from_payload(envelope.payload)
        if fact.activity_id in known:
            continue
        known.add(fact.activity_id)
        new.append((envelope, fact))
    if not new:
        return
    session.execute(insert(activity_facts), [
        {"activity_id": f.activity_id, "org_id": e.payload["org_id"],
         "org_path": path_of(f.org_path), "bureau_id": e.bureau_id, "kind": f.kind,
         "held_on": f.held_on, "present": list(f.present), "speaker_id": f.speaker_id,
         "guests": list(f.guests)} for e, f in new])
    indexed = [{"member_id": m, "activity_id": f.activity_id, "role": role}
               for _, f in new
               for m, role in [(f.speaker_id, "speaker")] + [(g, "guest") for g in f.guests]
               if m]
    for i in range(0, len(indexed), CHUNK):
        session.execute(insert(member_activities), indexed[i:i + CHUNK])
    close_met(uow, apply_facts(session, [(e.bureau_id, f) for e, f in new]))


def first_filing(session, table, keys, values):
    """Record a filing once: True if this is its first telling (a refiling,
    or the same event twice, keeps the first)."""
    statement = conflict_insert(session, table).values(**keys, **values)
    statement = statement.on_conflict_do_nothing(index_elements=[table.c[k] for k in keys])
    return bool(session.execute(statement.returning(table.c[next(iter(keys))])).all())


def apply_plan_filed(uow, envelope):
    p = envelope.payload
    session = uow.session
    fact = domain.PlanFact(p["org_id"], tuple(p["org_path"]), int(p["year"]), p["kind"],
                           dt.date.fromisoformat(p["filed_on"]))
    if first_filing(session, plan_filings,
                     {"org_id": fact.org_id, "year": fact.year, "kind": fact.kind},
                     {"bureau_id": envelope.bureau_id, "org_path": path_of(fact.org_path),
                      "filed_on": fact.filed_on}):
        close_met(uow, apply_facts(session, [(envelope.bureau_id, fact)]))


def apply_self_study_plan_filed(uow, envelope):
    p = envelope.payload
    session = uow.session
    place = session.execute(select(members.c.branch_path)
                            .where(members.c.id == p["member_id"])).scalar()
    fact = domain.SelfStudyFact(p["member_id"], int(p["year"]),
                                dt.date.fromisoformat(p["filed_on"]),
                                ids_of(place or tree.branch_path(session, p["branch_id"])))
    if first_filing(session, self_study_filings,
                     {"member_id": fact.member_id, "year": fact.year},
                     {"bureau_id": envelope.bureau_id, "filed_on": fact.filed_on}):
        close_met(uow, apply_facts(session, [(envelope.bureau_id, fact)]))


def apply_checkup_recorded(uow, envelope):
    """A member's check-up of a year counts once for quota P5: a later one
    of the same year (``replaced``) replaces it in scoring, and is not a
    second check-up here."""
    p = envelope.payload
    session = uow.session
    place = _member_place(session, p["member_id"], p.get("branch_id"))
    fact = domain.CheckupFact(p["member_id"], int(p["year"]), dt.date.fromisoformat(p["on"]),
                              ids_of(place))
    if first_filing(session, checkup_facts, {"member_id": fact.member_id, "year": fact.year},
                     {"bureau_id": envelope.bureau_id, "recorded_on": fact.filed_on}):
        close_met(uow, apply_facts(session, [(envelope.bureau_id, fact)]))


# -- members' practice (issue 8): talks, households, pledges ---------------------------
#
# Each fact is kept once (its id, however often told) and then moves the
# practice quotas it marks (quota_state.apply_practice).

def _member_place(session, member_id, branch_id):
    """The member's branch path as this copy knows it (their current branch),
    or the branch the event names if the member is not known yet."""
    place = session.execute(select(members.c.branch_path)
                            .where(members.c.id == member_id)).scalar()
    return place or tree.branch_path(session, branch_id)


def apply_talk_recorded(uow, envelope):
    p = envelope.payload
    session = uow.session
    initiator, other = p["participant_ids"]
    fact = practice.TalkFact(p["talk_id"], tuple(p["org_path"]), p["kind"],
                             dt.date.fromisoformat(p["held_on"]), (initiator, other))
    if first_filing(session, talk_facts, {"talk_id": fact.talk_id},
                     {"bureau_id": envelope.bureau_id, "org_path": path_of(fact.org_path),
                      "kind": fact.kind, "held_on": fact.held_on, "initiator_id": initiator,
                      "other_id": other}):
        close_met(uow, apply_practice(session, envelope.bureau_id, fact))


def _apply_household_contact(uow, envelope, contact_id, on):
    p = envelope.payload
    session = uow.session
    branch_id = p.get("branch_id")
    if branch_id is None:  # a visit names the member only
        place = session.execute(select(members.c.branch_path)
                                .where(members.c.id == p["member_id"])).scalar()
        if place is None:
            raise Unavailable(f"member {p['member_id']} is not known here yet")
    else:
        place = _member_place(session, p["member_id"], branch_id)
    fact = practice.HouseholdFact(contact_id, p["household_id"], p["member_id"], ids_of(place),
                                  dt.date.fromisoformat(on), bool(p.get("in_difficulty")),
                                  p.get("paired_cadre_id") or None)
    if first_filing(session, household_contacts, {"contact_id": contact_id},
                     {"household_id": fact.household_id, "member_id": fact.member_id,
                      "bureau_id": envelope.bureau_id, "branch_path": place, "on": fact.on,
                      "in_difficulty": fact.in_difficulty,
                      "paired_cadre_id": fact.paired_cadre_id}):
        close_met(uow, apply_practice(session, envelope.bureau_id, fact))


def apply_household_registered(uow, envelope):
    p = envelope.payload
    _apply_household_contact(uow, envelope, f"registered-{p['household_id']}",
                             p["registered_on"])


def apply_household_visited(uow, envelope):
    p = envelope.payload
    _apply_household_contact(uow, envelope, p["visit_id"], p["on"])


def apply_pledge_made(uow, envelope):
    p = envelope.payload
    session = uow.session
    place = _member_place(session, p["member_id"], p["branch_id"])
    fact = practice.PledgeFact(p["pledge_id"], p["member_id"], ids_of(place), int(p["year"]),
                               dt.date.fromisoformat(p["made_on"]))
    if first_filing(session, pledge_facts, {"pledge_id": fact.pledge_id},
                     {"member_id": fact.member_id, "bureau_id": envelope.bureau_id,
                      "branch_path": place, "year": fact.year, "made_on": fact.made_on}):
        close_met(uow, apply_practice(session, envelope.bureau_id, fact))


# -- closing ----------------------------------------------------------------------

def _not_yet_opened(session, items, period):
    holders = sorted({org_id for _, _, org_id in items})
    opened = set()
    for i in range(0, len(holders), CHUNK):
        opened |= set(session.execute(
            select(supervision_items.c.rule, supervision_items.c.org_id)
            .where(supervision_items.c.period == period.label,
                   supervision_items.c.org_id.in_(holders[i:i + CHUNK]))).all())
    return [item for item in items if (item[1], item[2]) not in opened]


def close(uow, path, period, actor, automatic, created_by=None, only=None):
    """Close ``period`` for the subtree at ``path``: judge each quota not yet
    closed, record its closure and open one item per missed quota, telling
    the platform (supervision_item_opened). Closing twice opens nothing new.
    ``only``: the (bureau, rule key) pairs to judge (a deadline's), or all.
    A fixed number of statements, however large the subtree."""
    session = uow.session
    stored = stored_counts(session, path, period)
    closures, new_rows, judged, items = [], [], {}, []
    for bureau_id, rule, subject_id, spath, required in judged_subjects(
            session, path, period, created_by):
        if only is not None and (bureau_id, rule.key) not in only:
            continue
        actual, closed, _ = stored.get((rule.key, subject_id), (0, False, None))
        if closed:
            continue
        closures.append({"rule": rule.key, "subject_id": subject_id, "period": period.label,
                         "bureau_id": bureau_id, "required": required, "actual": actual,
                         "automatic": automatic, "closed_by": actor})
        if (rule.key, subject_id) in stored:
            # a dynamic minimum is stored as judged (so a closed period shows it)
            judged.setdefault((rule.key, required if rule.dynamic else None),
                              []).append(subject_id)
        else:
            inc = domain.Increment(rule.key, subject_id, rule.per_member, period, required)
            new_rows.append(state_row(inc, bureau_id, spath, actual=0, closed=True))
        if actual < required:
            # a member's missed quota is the branch's to follow up, once per rule
            holder = ids_of(spath)[-2] if rule.per_member else subject_id
            items.append((bureau_id, rule.key, holder))
    items = list(dict.fromkeys(items))
    if new_rows or judged:
        items = _not_yet_opened(session, items, period)
    for i in range(0, len(closures), CHUNK):
        session.execute(insert(quota_closures), closures[i:i + CHUNK])
    for i in range(0, len(new_rows), CHUNK):
        session.execute(insert(quota_state), new_rows[i:i + CHUNK])
    # judged on the count as it stands in the database, not as read above: one
    # statement per rule and chunk of subjects (a row at a time took 35 s for
    # 60,000 members' S4 on PostgreSQL)
    # (a dynamic minimum: one statement per rule and value, a few dozen at most)
    for (rule_key, required), subject_ids in sorted(judged.items(), key=lambda kv: (
            kv[0][0], -1 if kv[0][1] is None else kv[0][1])):
        against = quota_state.c.required if required is None else required
        values = {} if required is None else {"required": required}
        for i in range(0, len(subject_ids), CHUNK):
            session.execute(
                update(quota_state)
                .where(quota_state.c.rule == rule_key, quota_state.c.period == period.label,
                       quota_state.c.subject_id.in_(subject_ids[i:i + CHUNK]))
                .values(closed=True, status=case((quota_state.c.actual >= against, MET),
                                                 else_=MISSED), **values))
    item_rows = opened_rows(items, period.label)
    for i in range(0, len(item_rows), CHUNK):
        session.execute(insert(supervision_items), item_rows[i:i + CHUNK])
    for row in item_rows:
        uow.emit("supervision_item_opened", row["bureau_id"], {
            "item_id": row["id"], "org_id": row["org_id"], "rule": row["rule"],
            "period": row["period"]})
    return len(closures)
