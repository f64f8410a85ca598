"""The quota state (quota_state): each (rule, subject, period) count, moved
in the transaction of the fact that moves it, read by an indexed subtree
prefix, and derived again from the facts when a bureau's rule set changes.
The rules themselves are pure (domain/quotas.py); this is where they meet
the tables."""
import hashlib
from collections import Counter

from sqlalchemy import case, delete, func, insert, select, text

from services.supervision import domain
from services.supervision.domain import practice
from services.supervision.domain.items import turned_met
from services.supervision.domain.quota_rules import EVERY_MEMBER, EVERY_PAIR, SECRETARY
from services.supervision.domain.rectification import CampaignFact
from services.supervision.domain.survey import SurveyFact
from services.supervision.models import (activity_facts, checkup_facts, household_contacts,
                                         member_activities,
                                         member_contacts, member_roles, members, orgs,
                                         plan_filings, pledge_facts, quota_closures,
                                         quota_derivations, quota_marks, quota_state,
                                         rectifications, self_study_filings, surveys,
                                         talk_facts)
from shared import clock
from shared.db import conflict_insert
from shared.errors import Unavailable
from shared.periods import KINDS as PERIOD_KINDS, Period, parse_period
from shared.rules import NoValidRuleSet
from shared.tree import ids_of, path_of, remembered, under
from shared.vocabulary import GROUP, MET, MISSED, ORG_KINDS, PENDING

CHUNK = 2000


def _bureau_lock(session, bureau_id, exclusive=False):
    """Facts of a bureau move its counts side by side (shared); deriving the
    bureau's state again waits for them and holds them off (exclusive)."""
    if session.bind.dialect.name != "postgresql":
        return  # SQLite: one writer at a time already
    fn = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    session.execute(text(f"SELECT {fn}(hashtext(:k))"), {"k": f"xf-quota-{bureau_id}"})


def ancestors_of(path):
    """The organisations on a path. The tree has a fixed shape (city, bureau,
    committee, branch, group), so a position says the kind."""
    return [domain.Org(org_id, ORG_KINDS[i], path[i - 1] if i else None, None, path[:i + 1],
                       None) for i, org_id in enumerate(path[:len(ORG_KINDS)])]


def rule_sets_for(bureau_id, day):
    return {kind: domain.QUOTA_RULES.for_day(bureau_id, Period.containing(day, kind).start)
            for kind in PERIOD_KINDS}


def _needs_groups(rule_sets, fact):
    return isinstance(fact, domain.ActivityFact) and any(
        r.subject == "group_or_branch" and fact.kind in r.activity_kinds
        for rs in rule_sets.values() for r in rs.rules if r.enabled)


def _needs_people(rule_sets, fact):
    return isinstance(fact, domain.ActivityFact) and (fact.speaker_id or fact.guests) and any(
        r.by_role for rs in rule_sets.values() for r in rs.rules if r.enabled)


def people(session, member_ids=None, of_bureau_facts=None):
    """{member id: domain.Member with their roles and contacts by day}: of
    ``member_ids``, or of every member who spoke at or was a guest at an
    activity of the bureau ``of_bureau_facts``. Three statements."""
    if of_bureau_facts is not None:
        ids = (select(member_activities.c.member_id)
               .join(activity_facts, activity_facts.c.activity_id == member_activities.c.activity_id)
               .where(activity_facts.c.bureau_id == of_bureau_facts))
        rows = session.execute(select(members.c.id, members.c.bureau_id, members.c.branch_path)
                               .where(members.c.id.in_(ids))).all()
    elif member_ids:
        ids, rows = sorted(member_ids), []
        for i in range(0, len(ids), CHUNK):
            rows += session.execute(select(members.c.id, members.c.bureau_id,
                                           members.c.branch_path)
                                    .where(members.c.id.in_(ids[i:i + CHUNK]))).all()
    else:
        return {}
    return _with_history(session, rows)


def _with_history(session, rows):
    """domain.Member for each (id, bureau, branch path) row, with history."""
    roles, contacts = {}, {}
    ids = sorted(r[0] for r in rows)
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i:i + CHUNK]
        for member_id, since, held in session.execute(
                select(member_roles.c.member_id, member_roles.c.valid_from, member_roles.c.roles)
                .where(member_roles.c.member_id.in_(chunk))):
            roles.setdefault(member_id, []).append((since, held))
        for member_id, branch_id, since in session.execute(
                select(member_contacts.c.member_id, member_contacts.c.branch_id,
                       member_contacts.c.valid_from)
                .where(member_contacts.c.member_id.in_(chunk))):
            contacts.setdefault(member_id, []).append((branch_id, since))
    return {member_id: domain.Member(member_id, bureau_id, ids_of(branch_path),
                                     domain.role_history(roles.get(member_id, ())),
                                     tuple(sorted(contacts.get(member_id, ()))))
            for member_id, bureau_id, branch_path in rows}


def _branch_has_groups(session, ancestors):
    branch = [o for o in ancestors if o.kind == "BRANCH"]
    if not branch:
        return False
    return session.execute(select(orgs.c.id).where(
        orgs.c.parent_id == branch[0].id, orgs.c.kind == GROUP).limit(1)).first() is not None


def _member_paths(session, member_ids):
    if not member_ids:
        return {}
    rows = session.execute(select(members.c.id, members.c.branch_path)
                           .where(members.c.id.in_(sorted(member_ids)))).all()
    return dict(rows)


def state_row(inc, bureau_id, subject_path, actual=1, closed=False):
    return {"rule": inc.rule, "subject_id": inc.subject_id, "period": inc.period.label,
            "member": inc.member, "bureau_id": bureau_id, "subject_path": subject_path,
            "period_end": inc.period.end, "required": inc.required, "actual": actual,
            "status": domain.status(inc.required, actual, closed), "closed": closed}


def _subject_path(inc, fact_path, member_paths):
    """The subject's place: an organisation's path, or a member's branch's
    path and their id."""
    if not inc.member:
        return path_of(fact_path[:fact_path.index(inc.subject_id) + 1])
    # a member not (yet) known here is placed at the holding organisation
    return member_paths.get(inc.subject_id, path_of(fact_path)) + inc.subject_id + "/"


def upsert_counts(session, rows):
    """Add each row's ``actual`` to the stored count (creating the row), in
    one statement; the status follows the new count. Rows of the same key
    are summed first (one statement may not touch a row twice).

    A late record (a fact told after its period was closed) adds to the
    closed quota's count too, judged against the minimum it was closed with;
    returns the closed quotas it turned from MISSED to MET (rule,
    subject_id, period, member, subject_path), whose items close by
    themselves (item_handlers.close_met)."""
    if not rows:
        return []
    summed = {}
    for row in rows:
        key = (row["rule"], row["subject_id"], row["period"])
        if key in summed:
            summed[key] = {**summed[key], "actual": summed[key]["actual"] + row["actual"]}
            summed[key]["status"] = domain.status(row["required"], summed[key]["actual"], False)
        else:
            summed[key] = row
    rows = [summed[k] for k in sorted(summed)]  # a fixed order: no deadlock between replicas
    stmt = conflict_insert(session, quota_state)
    new_actual = quota_state.c.actual + stmt.excluded.actual
    # a closed quota keeps the minimum it was judged against (a dynamic one
    # may have moved since)
    required = case((quota_state.c.closed.is_(True), quota_state.c.required),
                    else_=stmt.excluded.required)
    stmt = stmt.on_conflict_do_update(
        index_elements=[quota_state.c.rule, quota_state.c.subject_id, quota_state.c.period],
        set_={"actual": new_actual, "required": required,
              "status": case((new_actual >= required, MET),
                             (quota_state.c.closed.is_(True), MISSED), else_=PENDING)})
    # with RETURNING, SQLAlchemy sends the rows as one multi-row statement
    c = quota_state.c
    returned = session.execute(stmt.returning(
        c.rule, c.subject_id, c.period, c.member, c.subject_path, c.closed, c.required,
        c.actual), rows).mappings().all()
    return [r for r in returned
            if turned_met(r["closed"], r["required"], r["actual"],
                          summed[(r["rule"], r["subject_id"], r["period"])]["actual"])]


def apply_facts(session, facts):
    """Move every count the ``(bureau id, fact)`` pairs add to, in a fixed
    number of statements however many facts there are; the closed quotas
    they turned MET (upsert_counts)."""
    planned, groups_known = [], {}
    with_sets = [(b, f, rule_sets_for(b, f.period_day)) for b, f in facts]
    speakers_and_guests = {m for _, f, sets in with_sets if _needs_people(sets, f)
                           for m in (f.speaker_id, *f.guests) if m}
    known_people = people(session, speakers_and_guests)
    for bureau_id, fact, rule_sets in with_sets:
        ancestors = ancestors_of(fact.place) if isinstance(fact, domain.ActivityFact) else ()
        has_groups = False
        if _needs_groups(rule_sets, fact):
            branch = tuple(o.id for o in ancestors if o.kind == "BRANCH")
            if branch not in groups_known:
                groups_known[branch] = _branch_has_groups(session, ancestors)
            has_groups = groups_known[branch]
        incs = domain.increments(rule_sets, fact, ancestors, has_groups, known_people)
        planned.extend((bureau_id, fact, inc) for inc in incs)
    if not planned:
        return []
    for bureau_id in sorted({b for b, _, _ in planned}):
        _bureau_lock(session, bureau_id)
    member_paths = _member_paths(session, {i.subject_id for _, _, i in planned if i.member})
    return upsert_counts(session, [state_row(i, b, _subject_path(i, f.place, member_paths))
                                   for b, f, i in planned])


def _role_rule_keys(bureau_ids):
    keys = set()
    for bureau_id in bureau_ids:
        try:
            versions = domain.QUOTA_RULES.versions(bureau_id)
        except NoValidRuleSet:
            continue
        # the role quotas counted from activities (a practice quota's marks
        # stay as counted: rederive counts them again)
        keys |= {r.key for _, parsed in versions for r in parsed.rules
                 if r.by_role and not r.practice}
    return keys


def member_facts(session, member_id):
    """(bureau, fact) for every activity the member spoke at or was a guest
    at, found by index: as many as the member's own facts."""
    theirs = select(member_activities.c.activity_id).where(
        member_activities.c.member_id == member_id)
    rows = session.execute(select(activity_facts)
                           .where(activity_facts.c.activity_id.in_(theirs))).mappings()
    return [(r["bureau_id"], fact_of_row(r)) for r in rows]


def fact_of_row(r):
    return domain.ActivityFact(r["activity_id"], ids_of(r["org_path"]), r["kind"], r["held_on"],
                               tuple(r["present"] or ()), r["speaker_id"],
                               tuple(r["guests"] or ()))


def recount_member(session, member_id):
    """Count again the member's role quotas (lectures given, meetings attended
    as a guest) of periods not closed, from their own facts, after their
    roles, contacts or place changed (a change may be backdated). Closed
    quotas stay as judged. Returns the rows written."""
    known = people(session, [member_id])
    if member_id not in known:
        return 0  # not known here yet: its registration counts again
    member = known[member_id]
    facts = member_facts(session, member_id)
    bureaus = sorted({b for b, _ in facts} | {member.bureau_id})
    for bureau_id in bureaus:
        _bureau_lock(session, bureau_id)
    keys = _role_rule_keys(bureaus)
    if not keys:
        return 0
    closed = set(session.execute(
        select(quota_state.c.rule, quota_state.c.period)
        .where(quota_state.c.subject_id == member_id, quota_state.c.member.is_(True),
               quota_state.c.closed.is_(True), quota_state.c.rule.in_(sorted(keys)))).all())
    session.execute(delete(quota_state).where(
        quota_state.c.subject_id == member_id, quota_state.c.member.is_(True),
        quota_state.c.closed.is_(False), quota_state.c.rule.in_(sorted(keys))))
    path = path_of(member.branch_path) + member_id + "/"
    counts = {}
    for bureau_id, fact in facts:
        try:
            rule_sets = rule_sets_for(bureau_id, fact.period_day)
        except NoValidRuleSet:
            continue  # that bureau's facts wait for its rule set (rederive)
        for inc in domain.increments(rule_sets, fact, people=known, only=lambda r: r.by_role):
            key = (inc.rule, inc.period.label)
            if key not in closed:
                _, _, n = counts.get(key, (inc, bureau_id, 0))
                counts[key] = (inc, bureau_id, n + 1)
    rows = [state_row(inc, bureau_id, path, actual=n) for inc, bureau_id, n in counts.values()]
    for i in range(0, len(rows), CHUNK):
        session.execute(insert(quota_state), rows[i:i + CHUNK])
    return len(rows)


# -- members' practice (issue 8) -------------------------------------------------------

def dynamic_required(session, path, rules_days, leaders=None):
    """{(rule key, subject id): required} of the rules with a dynamic minimum
    among ``rules_days`` ((rule, judging day) pairs) for every branch or
    committee in the subtree at ``path``: one GROUP BY of the members per
    branch, and the members who ever held a judged role (``leaders``, read
    by index if not given). A subject missing from it requires 0."""
    rules_days = [(r, d) for r, d in rules_days if r.dynamic]
    if not rules_days:
        return {}
    sizes = {}
    if any(r.dynamic == EVERY_MEMBER for r, _ in rules_days):
        sizes = dict(session.execute(
            select(members.c.branch_id, func.count())
            .where(under(members.c.branch_path, path)).group_by(members.c.branch_id)).all())
    if leaders is None:
        leaders = scope_leaders(session, path)
    out = {}
    for rule, day in rules_days:
        if rule.dynamic == EVERY_MEMBER:
            heads = Counter(m.branch_path[-1] for m in leaders if m.holds({SECRETARY}, day))
            for branch, n in sizes.items():
                out[(rule.key, branch)] = max(0, n - heads[branch])
        elif rule.dynamic == EVERY_PAIR:
            by_committee = {}
            for m in leaders:
                if len(m.branch_path) >= practice.COMMITTEE_DEPTH:
                    by_committee.setdefault(m.branch_path[practice.COMMITTEE_DEPTH - 1],
                                            []).append(m)
            for committee, those in by_committee.items():
                out[(rule.key, committee)] = practice.every_pair_required(those, day)
    return out


def _rule_of(rule_sets, mark):
    return next(r for r in rule_sets[mark.period.kind].rules if r.key == mark.rule)


def _mark_increments(session, bureau_id, rule_sets, marked, today):
    """The Increment of each (mark, times) whose thing now counts: marked
    exactly as often as its rule says. A dynamic minimum is counted for its
    subject on the judging day (today while the period runs)."""
    incs = []
    for mark, times in marked:
        rule = _rule_of(rule_sets, mark)
        if times != rule.times:
            continue
        required = rule.minimum
        if rule.dynamic:
            day = rule.judging_day(mark.period, today)
            required = dynamic_required(session, path_of(mark.place), [(rule, day)]).get(
                (rule.key, mark.subject_id), 0)
        incs.append((domain.Increment(rule.key, mark.subject_id, mark.member, mark.period,
                                      required), path_of(mark.place)))
    return incs


def apply_practice(session, bureau_id, fact):
    """Move the counts a practice fact (a talk, a household contacted, a
    pledge), told for the first time, adds to: each thing it marks once per
    subject and period, by an upsert of its mark; a thing counts when marked
    ``times`` times. A fixed number of indexed statements per fact; the
    closed quotas it turned MET (upsert_counts)."""
    rule_sets = rule_sets_for(bureau_id, fact.period_day)
    if not any(r.practice for rs in rule_sets.values() for r in rs.active()):
        return []
    wanted = practice.people_of(fact)
    known = people(session, wanted)
    missing = sorted(wanted - set(known))
    if missing:
        # the member's own event is on its way (another queue): try again
        raise Unavailable(f"member {missing[0]} is not known here yet")
    found = practice.marks(rule_sets, fact, known)
    if not found:
        return []
    _bureau_lock(session, bureau_id)
    rows = sorted({(m.rule, m.subject_id, m.period.label, m.thing): m for m in found}.items())
    stmt = conflict_insert(session, quota_marks)
    stmt = stmt.on_conflict_do_update(
        index_elements=[quota_marks.c.rule, quota_marks.c.subject_id, quota_marks.c.period,
                        quota_marks.c.thing],
        set_={"times": quota_marks.c.times + 1})
    returned = session.execute(
        stmt.returning(quota_marks.c.rule, quota_marks.c.subject_id, quota_marks.c.period,
                       quota_marks.c.thing, quota_marks.c.times),
        [{"rule": r, "subject_id": s, "period": p, "thing": t, "bureau_id": bureau_id,
          "times": 1} for (r, s, p, t), _ in rows]).all()
    times = {(r, s, p, t): n for r, s, p, t, n in returned}
    marked = [(m, times[k]) for k, m in rows]
    incs = _mark_increments(session, bureau_id, rule_sets, marked, clock.today())
    return upsert_counts(session, [state_row(i, bureau_id, place) for i, place in incs])


def practice_depends_on(session, member_id):
    """The bureaus whose practice counts depend on the member's roles or
    branch: those of the talks they took part in and of the households
    paired with them (indexed lookups)."""
    bureaus = set(session.execute(select(talk_facts.c.bureau_id).distinct().where(
        talk_facts.c.initiator_id == member_id)).scalars())
    bureaus |= set(session.execute(select(talk_facts.c.bureau_id).distinct().where(
        talk_facts.c.other_id == member_id)).scalars())
    bureaus |= set(session.execute(select(household_contacts.c.bureau_id).distinct().where(
        household_contacts.c.paired_cadre_id == member_id)).scalars())
    return bureaus


def derive_practice_again(session, member_id):
    """After a member's roles or branch changed (perhaps backdated), the
    practice counts that depend on them (A6, A6-SEC, A6-COM judge both
    talkers' roles and branches; A5-PAIR the cadre's role) are derived again
    by the next closing round: their bureau is marked stale, as if its rule
    set had changed. A role change is rare; a fact is not re-read per event."""
    bureaus = practice_depends_on(session, member_id)
    if bureaus:
        session.execute(delete(quota_derivations)
                        .where(quota_derivations.c.bureau_id.in_(sorted(bureaus))))
    return bureaus


def practice_facts(session, bureau_id):
    """Every practice fact of the bureau, as the pure rules take them."""
    for r in session.execute(select(talk_facts).where(talk_facts.c.bureau_id == bureau_id)
                             .execution_options(yield_per=CHUNK)).mappings():
        yield practice.TalkFact(r["talk_id"], ids_of(r["org_path"]), r["kind"], r["held_on"],
                                (r["initiator_id"], r["other_id"]))
    for r in session.execute(select(household_contacts)
                             .where(household_contacts.c.bureau_id == bureau_id)
                             .execution_options(yield_per=CHUNK)).mappings():
        yield practice.HouseholdFact(r["contact_id"], r["household_id"], r["member_id"],
                                     ids_of(r["branch_path"]), r["on"], bool(r["in_difficulty"]),
                                     r["paired_cadre_id"])
    for r in session.execute(select(pledge_facts).where(pledge_facts.c.bureau_id == bureau_id)
                             .execution_options(yield_per=CHUNK)).mappings():
        yield practice.PledgeFact(r["pledge_id"], r["member_id"], ids_of(r["branch_path"]),
                                  r["year"], r["made_on"])


def _rederive_practice(session, bureau_id, closures, member_paths):
    """The bureau's practice counts and marks from its facts, from scratch:
    {(rule, subject, period label): [Increment, actual, path]}; the marks are
    written again. A member subject is placed at their branch now (as a
    transfer moves their open quotas)."""
    session.execute(delete(quota_marks).where(quota_marks.c.bureau_id == bureau_id))
    facts = list(practice_facts(session, bureau_id))
    if not facts:
        return {}
    known = people(session, set().union(*(practice.people_of(f) for f in facts)))
    cached = {}

    def rule_sets_of(fact):
        key = (fact.period_day.year, fact.period_day.month)
        if key not in cached:
            cached[key] = rule_sets_for(bureau_id, fact.period_day)
        return cached[key]

    counts, times = practice.tally(rule_sets_of, facts, known)
    rows = [{"rule": r, "subject_id": s, "period": p, "thing": t, "bureau_id": bureau_id,
             "times": n} for (r, s, p, t), n in sorted(times.items())]
    for i in range(0, len(rows), CHUNK):
        session.execute(insert(quota_marks), rows[i:i + CHUNK])
    out, today = {}, clock.today()
    for (rule_key, subject_id, label), (actual, mark, rule) in counts.items():
        if not actual:
            continue  # marked, not yet counting: no row, as when applied fact by fact
        required = rule.minimum
        if rule.dynamic:
            closed = closures.get((rule_key, subject_id, label))
            required = closed if closed is not None else dynamic_required(
                session, path_of(mark.place), [(rule, rule.judging_day(mark.period, today))]
            ).get((rule_key, subject_id), 0)
        place = path_of(mark.place)
        if mark.member and subject_id in member_paths:
            place = member_paths[subject_id] + subject_id + "/"
        out[(rule_key, subject_id, label)] = [
            domain.Increment(rule_key, subject_id, mark.member, mark.period, required), actual,
            place]
    return out


# -- deriving the state again -----------------------------------------------------

def fingerprint(bureau_id):
    """What the bureau's quota rule set is, all versions: a change re-derives.
    None for a bureau that has no valid rule set: nothing to derive with."""
    try:
        versions = domain.QUOTA_RULES.versions(bureau_id)
    except NoValidRuleSet:
        return None
    text_ = repr([(v.version, v.effective_from, parsed) for v, parsed in versions])
    return hashlib.sha256(text_.encode()).hexdigest()


def stale_bureaus(session):
    """The bureaus whose quota state was derived with another rule set."""
    known = dict(session.execute(select(quota_derivations.c.bureau_id,
                                        quota_derivations.c.fingerprint)).all())
    bureaus = session.execute(select(orgs.c.bureau_id).distinct()).scalars().all()
    stale = []
    for bureau_id in sorted(bureaus):
        current = fingerprint(bureau_id)
        if current is not None and known.get(bureau_id) != current:
            stale.append(bureau_id)
    return stale


def rederive(session, bureau_id):
    """Derive a bureau's quota state again from its facts and closures, by
    the same pure rules the facts were applied with; returns the row count."""
    _bureau_lock(session, bureau_id, exclusive=True)
    session.execute(delete(quota_state).where(quota_state.c.bureau_id == bureau_id))
    with_groups = set(session.execute(select(orgs.c.parent_id).where(
        orgs.c.bureau_id == bureau_id, orgs.c.kind == GROUP)).scalars())
    member_paths = dict(session.execute(select(members.c.id, members.c.branch_path)
                                        .where(members.c.bureau_id == bureau_id)).all())
    known = people(session, of_bureau_facts=bureau_id)
    member_paths.update({m.id: path_of(m.branch_path) for m in known.values()})
    counts = {}
    cached_sets = {}
    for fact in _bureau_facts(session, bureau_id, member_paths):
        key = (fact.period_day.year, fact.period_day.month)
        if key not in cached_sets:
            cached_sets[key] = rule_sets_for(bureau_id, fact.period_day)
        ancestors = ancestors_of(fact.place) if isinstance(fact, domain.ActivityFact) else ()
        branch = [o.id for o in ancestors if o.kind == "BRANCH"]
        has_groups = bool(branch) and branch[0] in with_groups
        for inc in domain.increments(cached_sets[key], fact, ancestors, has_groups, known):
            k = (inc.rule, inc.subject_id, inc.period.label)
            if k in counts:
                counts[k][1] += 1
            else:
                counts[k] = [inc, 1, _subject_path(inc, fact.place, member_paths)]
    closed = session.execute(select(quota_closures.c.rule, quota_closures.c.subject_id,
                                    quota_closures.c.period, quota_closures.c.required)
                             .where(quota_closures.c.bureau_id == bureau_id)).all()
    closed_keys = {(r, s, p) for r, s, p, _ in closed}
    counts.update(_rederive_practice(session, bureau_id,
                                     {(r, s, p): n for r, s, p, n in closed}, member_paths))
    paths = dict(session.execute(select(orgs.c.id, orgs.c.path)
                                 .where(orgs.c.bureau_id == bureau_id)).all())
    rows = [state_row(inc, bureau_id, path, actual, k in closed_keys)
            for k, (inc, actual, path) in counts.items()]
    for rule, subject, label, required in closed:
        if (rule, subject, label) in counts:
            continue
        period = parse_period(label)
        is_member = subject not in paths
        path = paths.get(subject) or (member_paths.get(subject, "/") + subject + "/")
        rows.append(state_row(domain.Increment(rule, subject, is_member, period, required),
                              bureau_id, path, actual=0, closed=True))
    for i in range(0, len(rows), CHUNK):
        session.execute(insert(quota_state), rows[i:i + CHUNK])
    mark_derived(session, bureau_id)
    return len(rows)


def _bureau_facts(session, bureau_id, member_paths):
    """Every fact of the bureau, as the pure rules take them: activities held,
    plans and self-study plans filed, check-ups recorded, rectification
    campaign items made, surveys opened."""
    for row in session.execute(select(activity_facts)
                               .where(activity_facts.c.bureau_id == bureau_id)
                               .execution_options(yield_per=CHUNK)).mappings():
        yield fact_of_row(row)
    for org_id, org_path, year, kind, filed_on in session.execute(
            select(plan_filings.c.org_id, plan_filings.c.org_path, plan_filings.c.year,
                   plan_filings.c.kind, plan_filings.c.filed_on)
            .where(plan_filings.c.bureau_id == bureau_id)):
        yield domain.PlanFact(org_id, ids_of(org_path), year, kind, filed_on)
    for member_id, year, filed_on in session.execute(
            select(self_study_filings.c.member_id, self_study_filings.c.year,
                   self_study_filings.c.filed_on)
            .where(self_study_filings.c.bureau_id == bureau_id)):
        yield domain.SelfStudyFact(member_id, year, filed_on,
                                   ids_of(member_paths.get(member_id, "/")))
    for member_id, year, recorded_on in session.execute(
            select(checkup_facts.c.member_id, checkup_facts.c.year, checkup_facts.c.recorded_on)
            .where(checkup_facts.c.bureau_id == bureau_id)):
        yield domain.CheckupFact(member_id, year, recorded_on,
                                 ids_of(member_paths.get(member_id, "/")))
    for item_id, org_path, made_on in session.execute(
            select(rectifications.c.id, rectifications.c.org_path, rectifications.c.made_on)
            .where(rectifications.c.bureau_id == bureau_id, rectifications.c.campaign.is_(True))):
        yield CampaignFact(item_id, ids_of(org_path), made_on)
    for survey_id, committee_id, committee_path, year, opened_on in session.execute(
            select(surveys.c.id, surveys.c.committee_id, surveys.c.committee_path,
                   surveys.c.year, surveys.c.opened_on)
            .where(surveys.c.bureau_id == bureau_id)):
        yield SurveyFact(survey_id, committee_id, ids_of(committee_path), year, opened_on)


def mark_derived(session, bureau_id):
    session.execute(delete(quota_derivations).where(quota_derivations.c.bureau_id == bureau_id))
    session.execute(insert(quota_derivations).values(
        bureau_id=bureau_id, fingerprint=fingerprint(bureau_id), derived_at=clock.now()))


# -- what a subtree holds --------------------------------------------------------

def scope_orgs(session, path, created_by=None):
    query = select(orgs).where(under(orgs.c.path, path))
    if created_by is not None:
        query = query.where(orgs.c.created_on <= created_by)
    return [domain.Org(r["id"], r["kind"], r["parent_id"], r["bureau_id"], ids_of(r["path"]),
                       r["created_on"]) for r in session.execute(query).mappings()]


def scope_members(session, path):
    branch_ids = remembered(ids_of)  # one tuple per branch, shared by its members
    return [domain.Member(r["id"], r["bureau_id"], branch_ids(r["branch_path"]))
            for r in session.execute(select(members.c.id, members.c.bureau_id,
                                            members.c.branch_path)
                                     .where(under(members.c.branch_path, path))).mappings()]


def scope_leaders(session, path):
    """The members under ``path`` who ever held a role a role quota judges
    (bureau_committee, bureau_secretary), with their roles by day: a few per
    bureau, found by index, whatever the number of members."""
    ever = select(member_roles.c.member_id).where(member_roles.c.leading.is_(True))
    rows = session.execute(select(members.c.id, members.c.bureau_id, members.c.branch_path)
                           .where(under(members.c.branch_path, path),
                                  members.c.id.in_(ever))).all()
    return list(_with_history(session, rows).values())


def judged_subjects(session, path, period, created_by=None, today=None):
    """(bureau, rule, subject, subject path, required) for every quota of
    ``period``'s kind in the subtree at ``path``, each bureau by its own rule
    set: its organisations, the members whose branch lies in it, and those
    holding a role a rule judges on the rule's judging day (the deadline or
    the period's end; today for one not reached). A committee's members
    belong to branches under it, so the same prefix holds them. A dynamic
    minimum (A6, A6-COM) is counted for the whole subtree at once on the
    judging day. A bureau with no valid rule set has no quotas to judge
    until it has one (the loader has said which file and why); the others
    are judged."""
    today = today or clock.today()
    scope = scope_orgs(session, path, created_by)
    by_bureau = {}
    for org in scope:
        by_bureau.setdefault(org.bureau_id, []).append(org)
    rule_sets = {}
    for bureau_id in list(by_bureau):
        try:
            rule_sets[bureau_id] = domain.QUOTA_RULES.for_day(bureau_id, period.start)
        except NoValidRuleSet:
            del by_bureau[bureau_id]
    active = [r for rs in rule_sets.values() for r in rs.active(period.kind)]
    members_by_bureau, leaders_by_bureau, leaders = {}, {}, None
    if any(r.subject == "member" for r in active):
        for m in scope_members(session, path):
            members_by_bureau.setdefault(m.bureau_id, []).append(m)
    if any(r.by_role or r.dynamic for r in active):
        leaders = scope_leaders(session, path)
        for m in leaders:
            leaders_by_bureau.setdefault(m.bureau_id, []).append(m)
    dynamic = dynamic_required(
        session, path, list({(r.key, r.dynamic): (r, r.judging_day(period, today))
                             for r in active if r.dynamic}.values()), leaders)
    out = []
    branch_path = remembered(path_of)
    for bureau_id in sorted(by_bureau):
        for rule in rule_sets[bureau_id].active(period.kind):
            people = (leaders_by_bureau if rule.by_role else members_by_bureau).get(bureau_id, ())
            for subject in domain.subjects(rule, by_bureau[bureau_id], people,
                                           rule.judging_day(period, today)):
                spath = (branch_path(subject.branch_path) + subject.id + "/"
                         if rule.per_member else path_of(subject.path))
                required = (dynamic.get((rule.key, subject.id), 0) if rule.dynamic
                            else rule.minimum)
                out.append((bureau_id, rule, subject.id, spath, required))
    return out


def stored_counts(session, path, period):
    """{(rule, subject): (actual, closed, required)} stored for the subtree."""
    rows = session.execute(
        select(quota_state.c.rule, quota_state.c.subject_id, quota_state.c.actual,
               quota_state.c.closed, quota_state.c.required)
        .where(quota_state.c.period == period.label, under(quota_state.c.subject_path, path)))
    return {(r, s): (a, c, q) for r, s, a, c, q in rows}


def judged_required(rule, required, stored):
    """What a quota is judged against: a closed quota with a dynamic minimum
    keeps the one it was closed with."""
    if rule.dynamic and stored is not None and stored[1]:
        return stored[2]
    return required
