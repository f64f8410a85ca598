"""The quota state (quota_state): each (rule, subject, period) count, moved
in the transaction of the fact that moves it, read by an indexed subtree
prefix, and derived again from the facts when a bureau's rule set changes.
The rules themselves are pure (domain/quotas.py); this is where they meet
the tables."""
import hashlib

from sqlalchemy import case, delete, insert, select, text

from services.supervision import domain
from services.supervision.models import (activity_facts, members, orgs, quota_closures,
                                         quota_derivations, quota_state)
from shared import clock
from shared.db import conflict_insert
from shared.periods import KINDS as PERIOD_KINDS, Period, parse_period
from shared.rules import NoValidRuleSet
from shared.tree import ids_of, path_of, under
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


def _needs_groups(rule_sets, kind):
    return any(r.subject == "group_or_branch" and kind in r.activity_kinds
               for rs in rule_sets.values() for r in rs.rules if r.enabled)


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
    if not inc.member:
        return path_of(fact_path[:fact_path.index(inc.subject_id) + 1])
    # a member not (yet) known here is placed at the holding organisation
    return member_paths.get(inc.subject_id, path_of(fact_path)) + inc.subject_id + "/"


def upsert_counts(session, rows):
    """Add each row's ``actual`` to the stored count (creating the row), in
    one statement; the status follows the new count. Rows of the same key
    are summed first (one statement may not touch a row twice)."""
    if not rows:
        return
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
    stmt = stmt.on_conflict_do_update(
        index_elements=[quota_state.c.rule, quota_state.c.subject_id, quota_state.c.period],
        set_={"actual": new_actual, "required": stmt.excluded.required,
              "status": case((new_actual >= stmt.excluded.required, MET),
                             (quota_state.c.closed.is_(True), MISSED), else_=PENDING)})
    # with RETURNING, SQLAlchemy sends the rows as one multi-row statement
    session.execute(stmt.returning(quota_state.c.rule), rows).all()


def apply_facts(session, facts):
    """Move every count the ``(bureau id, fact)`` pairs add to, in a fixed
    number of statements however many facts there are."""
    planned, groups_known = [], {}
    for bureau_id, fact in facts:
        rule_sets = rule_sets_for(bureau_id, fact.held_on)
        ancestors = ancestors_of(fact.org_path)
        has_groups = False
        if _needs_groups(rule_sets, fact.kind):
            branch = tuple(o.id for o in ancestors if o.kind == "BRANCH")
            if branch not in groups_known:
                groups_known[branch] = _branch_has_groups(session, ancestors)
            has_groups = groups_known[branch]
        incs = domain.increments(rule_sets, fact, ancestors, has_groups)
        planned.extend((bureau_id, fact, inc) for inc in incs)
    if not planned:
        return []
    for bureau_id in sorted({b for b, _, _ in planned}):
        _bureau_lock(session, bureau_id)
    member_paths = _member_paths(session, {i.subject_id for _, _, i in planned if i.member})
    upsert_counts(session, [state_row(i, b, _subject_path(i, f.org_path, member_paths))
                            for b, f, i in planned])
    return [i for _, _, i in planned]


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
    counts = {}
    cached_sets = {}
    facts = session.execute(
        select(activity_facts.c.activity_id, activity_facts.c.org_path, activity_facts.c.kind,
               activity_facts.c.held_on, activity_facts.c.present)
        .where(activity_facts.c.bureau_id == bureau_id)
        .execution_options(yield_per=CHUNK))
    for activity_id, org_path, kind, held_on, present in facts:
        fact = domain.ActivityFact(activity_id, ids_of(org_path), kind, held_on,
                                   tuple(present or ()))
        key = (held_on.year, held_on.month)
        if key not in cached_sets:
            cached_sets[key] = rule_sets_for(bureau_id, held_on)
        ancestors = ancestors_of(fact.org_path)
        branch = [o.id for o in ancestors if o.kind == "BRANCH"]
        has_groups = bool(branch) and branch[0] in with_groups
        for inc in domain.increments(cached_sets[key], fact, ancestors, has_groups):
            k = (inc.rule, inc.subject_id, inc.period.label)
            if k in counts:
                counts[k][1] += 1
            else:
                counts[k] = [inc, 1, _subject_path(inc, fact.org_path, member_paths)]
    closed = session.execute(select(quota_closures.c.rule, quota_closures.c.subject_id,
                                    quota_closures.c.period, quota_closures.c.required)
                             .where(quota_closures.c.bureau_id == bureau_id)).all()
    closed_keys = {(r, s, p) for r, s, p, _ in closed}
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
    return [domain.Member(r["id"], r["bureau_id"], ids_of(r["branch_path"]))
            for r in session.execute(select(members.c.id, members.c.bureau_id,
                                            members.c.branch_path)
                                     .where(under(members.c.branch_path, path))).mappings()]


def judged_subjects(session, path, period, created_by=None):
    """(bureau, rule, subject, subject path) for every quota of ``period``'s
    kind in the subtree at ``path``, each bureau by its own rule set. A
    bureau with no valid rule set has no quotas to judge until it has one
    (the loader has said which file and why); the others are judged."""
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
    wants_members = any(r.per_member for rs in rule_sets.values() for r in rs.active(period.kind))
    members_by_bureau = {}
    if wants_members:
        for m in scope_members(session, path):
            members_by_bureau.setdefault(m.bureau_id, []).append(m)
    out = []
    for bureau_id in sorted(by_bureau):
        for rule in rule_sets[bureau_id].active(period.kind):
            for subject in domain.subjects(rule, by_bureau[bureau_id],
                                           members_by_bureau.get(bureau_id, ())):
                spath = (path_of(subject.branch_path) + subject.id + "/"
                         if rule.per_member else path_of(subject.path))
                out.append((bureau_id, rule, subject.id, spath))
    return out


def stored_counts(session, path, period):
    rows = session.execute(
        select(quota_state.c.rule, quota_state.c.subject_id, quota_state.c.actual,
               quota_state.c.closed)
        .where(quota_state.c.period == period.label, under(quota_state.c.subject_path, path)))
    return {(r, s): (a, c) for r, s, a, c in rows}
