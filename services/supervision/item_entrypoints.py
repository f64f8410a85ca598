"""The supervision item lifecycle's entrypoints (督办: 交办、报告、销号、责任追究),
a mixin of SupervisionService: one item as the gateway judges who may move
it; a report, a close and an escalation, each carried out once per request;
and the sweep that escalates the items left unreported past their due day
(item_handlers.py, domain/items.py)."""
from nameko.rpc import rpc

from services.supervision import item_handlers, item_history, views
from services.supervision.domain import items as domain_items
from shared import clock
from shared.config import env
from shared.errors import ALL_ERRORS, BadInput
from shared.idempotency import once
from shared.sweep import sweep

# the supervision service's periodic rounds run at one interval (README)
ESCALATE_INTERVAL = float(env("XF_AUTO_CLOSE_INTERVAL", "60"))
# the overdue items escalated per transaction
ESCALATE_BATCH = 500


def _item_id(item_id):
    if not isinstance(item_id, str) or not item_id.strip():
        raise BadInput(f"{item_id!r} is not a supervision item id", "id")
    return item_id


class ItemEntrypoints:
    """Uses the service's ``db``."""

    @rpc(expected_exceptions=ALL_ERRORS)
    def supervision_item(self, item_id):
        """The item with its organisation's path and its history; NOT_FOUND."""
        with self.db.read() as session:
            return self._item(session, _item_id(item_id))

    @staticmethod
    def _item(session, item_id):
        row = item_handlers.item(session, item_id)
        return item_history.with_history(session, [views.item_dict(row)],
                                         {row["id"]: row["opened_at"]})[0]

    def _move(self, item_id, action, text, actor, request):
        def command(req):
            with self.db.uow(req) as uow:
                item_handlers.move(uow, item_id, action, text, actor)
                return uow.answer(self._item(uow.session, item_id))
        return once(self.db, request, [item_id, action, text, actor], command)

    @rpc(expected_exceptions=ALL_ERRORS)
    def report_supervision_item(self, item_id, report, actor="unknown", request=None):
        """ASSIGNED → REPORTED (报告) with a report that is not blank."""
        text = domain_items.text_of(report, "report", required=True)
        return self._move(_item_id(item_id), domain_items.REPORT, text, actor, request)

    @rpc(expected_exceptions=ALL_ERRORS)
    def close_supervision_item(self, item_id, note=None, actor="unknown", request=None):
        """REPORTED → CLOSED (销号), with a note or none."""
        text = domain_items.text_of(note, "note", required=False)
        return self._move(_item_id(item_id), domain_items.CLOSE, text, actor, request)

    @rpc(expected_exceptions=ALL_ERRORS)
    def escalate_supervision_item(self, item_id, note, actor="unknown", request=None):
        """ASSIGNED or REPORTED → ESCALATED (责任追究), with a note saying why."""
        text = domain_items.text_of(note, "note", required=True)
        return self._move(_item_id(item_id), domain_items.ESCALATE, text, actor, request)

    @sweep("escalate", ESCALATE_INTERVAL, eager=True)
    def escalate_overdue(self):
        """Every ASSIGNED item whose due day has passed turns ESCALATED, by
        the platform, read through the (state, due_on) index a batch at a
        time; each told once (the move is guarded by its state, so a second
        replica's round finds nothing to do)."""
        today, escalated = clock.today(), 0
        while True:
            with self.db.uow() as uow:
                ids = item_handlers.overdue_ids(uow.session, today, ESCALATE_BATCH)
                if ids:
                    escalated += item_handlers.escalate(uow, ids)
            if len(ids) < ESCALATE_BATCH:
                return escalated
