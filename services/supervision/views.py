"""The supervision service's read side: compliance, supervision items, the
pioneer titles withdrawn and the quota gauge, read by indexed queries (a
subtree's by its path prefix)."""
import datetime as dt

from sqlalchemy import func, select

from services.supervision import domain, item_history
from services.supervision.quota_state import (fingerprint, judged_required, judged_subjects,
                                              stored_counts)
from services.supervision.models import (member_roles, members, orgs, pioneer_withdrawals,
                                         quota_state, supervision_items)
from shared import clock
from shared.config import timezone
from shared.periods import Period
from shared.tree import ids_of, remembered, under
from shared.vocabulary import MET, MISSED, PENDING


def org_path(session, org_id):
    return session.execute(select(orgs.c.path).where(orgs.c.id == org_id)).scalar()


def compliance(session, org_id, period):
    """The quotas of ``period``'s kind for the organisation and every subject
    below it: the stored counts, judged by each bureau's rule set in force on
    the period's first day (so a rule-set change shows at once)."""
    path = org_path(session, org_id)
    if path is None:
        return []
    stored = stored_counts(session, path, period)
    results = []
    for _bureau, rule, subject_id, spath, required in judged_subjects(session, path, period):
        found = stored.get((rule.key, subject_id))
        actual, closed, _ = found or (0, False, None)
        required = judged_required(rule, required, found)
        results.append((domain.QuotaResult(rule.key, subject_id, period.label, required,
                                           actual, domain.status(required, actual, closed)),
                        spath))
    results.sort(key=lambda pair: (pair[0].subject_id, pair[0].rule))
    return results


def result_dicts(results):
    """The answer's results from ``compliance``'s (result, subject path)
    pairs. The subject's path (a member's: their branch's, then their id)
    lets the gateway check each result against the caller's subtree; a
    subject's several results share one."""
    ids = remembered(ids_of)
    return [{"rule": r.rule, "subject_id": r.subject_id, "period": r.period,
             "required": r.required, "actual": r.actual, "status": r.status,
             "subject_path": ids(subject_path)} for r, subject_path in results]


def item_dict(row):
    # shown in the bureaus' time zone, as a secretary reads a clock
    opened_at = clock.as_utc(row["opened_at"]).astimezone(timezone())
    return {"id": row["id"], "org_id": row["org_id"], "rule": row["rule"],
            "period": row["period"], "state": row["state"], "opened_at": opened_at.isoformat(),
            "org_path": ids_of(row["org_path"]), "note": row["note"],
            "due_on": row["due_on"].isoformat(), "report": row["report"]}


def items(session, org_id, state=None):
    path = org_path(session, org_id)
    if path is None:
        return []
    query = (select(supervision_items, orgs.c.path.label("org_path"))
             .join(orgs, orgs.c.id == supervision_items.c.org_id)
             .where(under(orgs.c.path, path)))
    if state:
        query = query.where(supervision_items.c.state == state)
    rows = session.execute(query.order_by(supervision_items.c.period, supervision_items.c.rule,
                                          supervision_items.c.org_id)).mappings().all()
    # each with its history (item_history.py), one statement more per chunk
    return item_history.with_history(session, [item_dict(r) for r in rows],
                                     {r["id"]: r["opened_at"] for r in rows})


def withdrawn_count(session, bureau_id, year):
    """How many of the bureau's pioneer titles were withdrawn in ``year``."""
    t = pioneer_withdrawals.c
    return session.execute(select(func.count()).select_from(pioneer_withdrawals)
                           .where(t.bureau_id == bureau_id, t.year == year)).scalar()


class QuotaGauge:
    """Counts for ``xianfeng_quotas{bureau,status}``: the quotas of the
    current month, quarter and year by status, and the missed quotas of the
    periods that ended last (the previous month, quarter and year).

    Stored rows are counted with one indexed GROUP BY over those six
    periods; quotas with no row yet are PENDING, found as the number of
    subjects less the rows, except those requiring nothing (a branch with
    no member but its secretary, A6): MET. The subject count is derived
    from the tree and kept until the tree or a rule set changes."""

    def __init__(self):
        self._subjects = {}

    def _expected(self, session, today):
        """{(bureau, period label): number of quotas} for the current periods."""
        # members and their roles count too (member and role quotas)
        key = (session.execute(select(func.count()).select_from(orgs)).scalar(),
               session.execute(select(func.count()).select_from(members)).scalar(),
               session.execute(select(func.count()).select_from(member_roles)).scalar(),
               tuple(domain.current_periods(today)))
        bureaus = session.execute(select(orgs.c.bureau_id).distinct()).scalars().all()
        key = key + tuple(fingerprint(b) for b in sorted(bureaus))
        if key not in self._subjects:
            expected, free = {}, {}
            for top in session.execute(select(orgs.c.path)
                                       .where(orgs.c.parent_id.is_(None))).scalars():
                for period in domain.current_periods(today):
                    for bureau_id, rule, subject_id, _, required in judged_subjects(
                            session, top, period, today=today):
                        k = (bureau_id, period.label)
                        expected[k] = expected.get(k, 0) + 1
                        if required <= 0:
                            free.setdefault(k, set()).add((rule.key, subject_id))
            self._subjects = {key: (expected, free)}
        return self._subjects[key]

    @staticmethod
    def _stored(session, free):
        """Which of the quotas requiring nothing have a row (it says MET)."""
        found = set()
        wanted = sorted({(label, rule, subject) for (_, label), keys in free.items()
                         for rule, subject in keys})
        for i in range(0, len(wanted), 2000):
            chunk = wanted[i:i + 2000]
            found |= set(session.execute(
                select(quota_state.c.period, quota_state.c.rule, quota_state.c.subject_id)
                .where(quota_state.c.period.in_(sorted({c[0] for c in chunk})),
                       quota_state.c.subject_id.in_(sorted({c[2] for c in chunk})))).all())
        return found

    def counts(self, session, today):
        current = [p.label for p in domain.current_periods(today)]
        previous = [Period.containing(p.start - dt.timedelta(days=1), p.kind).label
                    for p in domain.current_periods(today)]
        rows = session.execute(
            select(quota_state.c.bureau_id, quota_state.c.period, quota_state.c.status,
                   func.count())
            .where(quota_state.c.period.in_(current + previous))
            .group_by(quota_state.c.bureau_id, quota_state.c.period,
                      quota_state.c.status)).all()
        counts = {}
        stored = {}
        for bureau_id, label, status, n in rows:
            if label in current:
                if status in (MET, MISSED):
                    counts[(bureau_id, status)] = counts.get((bureau_id, status), 0) + n
                    stored[(bureau_id, label)] = stored.get((bureau_id, label), 0) + n
            elif status == MISSED:
                counts[(bureau_id, MISSED)] = counts.get((bureau_id, MISSED), 0) + n
        expected, free = self._expected(session, today)
        with_rows = self._stored(session, free) if free else set()
        for (bureau_id, label), n in expected.items():
            met = sum(1 for rule, subject in free.get((bureau_id, label), ())
                      if (label, rule, subject) not in with_rows)
            if met:
                counts[(bureau_id, MET)] = counts.get((bureau_id, MET), 0) + met
            pending = max(0, n - stored.get((bureau_id, label), 0) - met)
            counts[(bureau_id, PENDING)] = counts.get((bureau_id, PENDING), 0) + pending
        return counts

