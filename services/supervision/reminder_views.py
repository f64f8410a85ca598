"""The read side of reminder talks (约谈提醒): the quota results MISSED in a
subtree and a set of periods, one indexed read of quota_state (its
(period, subject_path) index: a few periods, a path prefix), and the talks
recorded, one indexed read of reminder_talks; the rules are
domain/reminders.py."""
from sqlalchemy import select

from services.supervision.domain.reminders import Miss, labels_within, proposals
from services.supervision.domain.supervision_rules import SUPERVISION_RULES
from services.supervision.models import quota_state, reminder_talks
from shared.errors import Unavailable
from shared.rules import NoValidRuleSet
from shared.tree import ids_of, under
from shared.vocabulary import MISSED


def misses(session, path, labels):
    """reminders.Miss of every quota result MISSED whose subject lies under
    ``path`` and whose period is one of ``labels``."""
    q = quota_state.c
    rows = session.execute(
        select(q.rule, q.subject_id, q.period, q.member, q.bureau_id, q.subject_path,
               q.required, q.actual)
        .where(q.period.in_(sorted(labels)), under(q.subject_path, path), q.status == MISSED))
    return [Miss(rule, subject, period, bool(member), bureau, ids_of(spath), required, actual)
            for rule, subject, period, member, bureau, spath, required, actual in rows]


def rules_on(day):
    """bureau id -> the bureau's supervision rules in force on ``day``."""
    found = {}

    def rules_of(bureau_id):
        if bureau_id not in found:
            try:
                found[bureau_id] = SUPERVISION_RULES.for_day(bureau_id, day)
            except NoValidRuleSet:
                raise Unavailable(f"bureau {bureau_id} has no valid supervision rule set; "
                                  "its reminders and negative list are shown once its file "
                                  "is fixed") from None
        return found[bureau_id]
    return rules_of


def miss_dict(miss):
    """A miss as the gateway shows a QuotaResult (with its subject's path, by
    which the caller's scope is checked)."""
    return {"rule": miss.rule, "subject_id": miss.subject_id, "period": miss.period,
            "required": miss.required, "actual": miss.actual, "status": MISSED,
            "subject_path": list(miss.subject_path)}


def talks(session, path, quarter):
    """{org id: day held} of the talks about ``quarter`` under ``path``."""
    t = reminder_talks.c
    return dict(session.execute(select(t.org_id, t.held_on)
                                .where(t.quarter == quarter.label, under(t.org_path, path))).all())


def proposal_dicts(session, path, quarter, only=None):
    """The proposals of ``quarter`` (a Period) under ``path``, as the gateway
    shows them: every organisation of the subtree, or ``only`` that one."""
    found = proposals(misses(session, path, labels_within(quarter)), quarter,
                      rules_on(quarter.start))
    if only is not None:
        found = [p for p in found if p.org_id == only]
    held = talks(session, path, quarter) if found else {}
    return [{"org_id": p.org_id, "org_path": list(p.org_path), "quarter": p.quarter,
             "missed": [miss_dict(m) for m in p.missed],
             "talk_held_on": held[p.org_id].isoformat() if p.org_id in held else None}
            for p in found]
