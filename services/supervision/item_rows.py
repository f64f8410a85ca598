"""A new supervision item's row, as every opener writes it (a missed quota's
at closing, handlers.close; a committee's pioneer withdrawals,
pioneer_handlers.py): opened now, due the rule set's days after the
platform's today (domain/items.py)."""
import uuid

from services.supervision.domain.items import due_on
from services.supervision.domain.supervision_rules import SUPERVISION_RULES
from shared import clock
from shared.vocabulary import ASSIGNED


def due_for(bureau_id, today):
    """The due day of an item of the bureau opened ``today``: by the
    supervision rule set in force that day."""
    return due_on(today, SUPERVISION_RULES.for_day(bureau_id, today).escalate_after_days)


def new_item(bureau_id, org_id, rule, period, opened_at=None, today=None, due=None):
    today = today or clock.today()
    return {"id": uuid.uuid4().hex, "org_id": org_id, "bureau_id": bureau_id, "rule": rule,
            "period": period, "state": ASSIGNED, "opened_at": opened_at or clock.now(),
            "due_on": due or due_for(bureau_id, today)}


def opened_rows(items, period):
    """The rows of ``items`` ((bureau, rule, org id) each) of ``period`` (a
    label), opened at one moment: the due day looked up once per bureau."""
    opened_at, today = clock.now(), clock.today()
    dues = {b: due_for(b, today) for b in {b for b, _, _ in items}}
    return [new_item(b, org_id, rule, period, opened_at, today, dues[b])
            for b, rule, org_id in items]
