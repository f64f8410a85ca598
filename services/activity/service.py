"""The activity service: records meetings, activity days, lectures and the
rest with their attendance, and tells the platform (activity_recorded)."""
import uuid
from pathlib import Path

import eventlet
from nameko.exceptions import UnknownService
from nameko.rpc import RpcProxy, rpc
from sqlalchemy import insert, select

from services.activity import domain
from services.activity.models import activities, attendance, metadata
from shared import clock
from shared.db import Database
from shared.errors import ALL_ERRORS, BadInput, NotFound, Unavailable
from shared.periods import parse_date
from shared.service import BaseService

MIGRATIONS = Path(__file__).parent / "migrations"
# An unanswered request expires in the broker, so a lookup never runs late.
LOOKUP_TIMEOUT = 5


def activity_dict(row, lines):
    return {"id": row["id"], "org_id": row["org_id"], "kind": row["kind"],
            "theme": row["theme"], "held_on": row["held_on"].isoformat(),
            "bureau_id": row["bureau_id"], "speaker_id": row["speaker_id"],
            "recorded_by": row["recorded_by"],
            "attendance": [{"member_id": a["member_id"], "status": a["status"],
                            "reason": a["reason"]} for a in lines]}


class ActivityService(BaseService):
    name = "activity"
    db = Database("activity", metadata, MIGRATIONS)
    organization = RpcProxy("organization", expiration=LOOKUP_TIMEOUT)

    @rpc(expected_exceptions=ALL_ERRORS)
    def record_activity(self, data, actor="unknown"):
        draft = domain.validate_input(data, clock.today())
        try:
            with eventlet.Timeout(LOOKUP_TIMEOUT):
                described = self.organization.describe_for_activity(
                    draft.org_id, draft.held_on.isoformat())
        except NotFound:
            raise BadInput(f"there is no branch, party group or committee {draft.org_id}",
                           "orgId") from None
        except (UnknownService, eventlet.Timeout):
            raise Unavailable("the organisation register is not answering; try again "
                              "in a minute") from None
        org = described["org"]
        domain.validate_against_org(draft, org, set(described["member_ids"]))

        activity_id = uuid.uuid4().hex
        org_path = "/" + "/".join(org["path"]) + "/"
        with self.db.uow() as uow:
            uow.session.execute(insert(activities).values(
                id=activity_id, org_id=org["id"], org_path=org_path,
                bureau_id=org["bureau_id"], kind=draft.kind, theme=draft.theme,
                held_on=draft.held_on, speaker_id=draft.speaker_id,
                recorded_by=str(actor), recorded_at=clock.now()))
            if draft.attendance:
                uow.session.execute(insert(attendance), [
                    {"activity_id": activity_id, "member_id": line.member_id, "position": i,
                     "status": line.status, "reason": line.reason}
                    for i, line in enumerate(draft.attendance)])
            uow.emit("activity_recorded", org["bureau_id"], {
                "activity_id": activity_id, "org_id": org["id"], "org_path": org["path"],
                "kind": draft.kind, "theme": draft.theme,
                "held_on": draft.held_on.isoformat(), "speaker_id": draft.speaker_id,
                "attendance": [{"member_id": line.member_id, "status": line.status}
                               for line in draft.attendance]})
        return self.get_activity(activity_id)

    @rpc(expected_exceptions=ALL_ERRORS)
    def get_activity(self, activity_id):
        with self.db.connect() as conn:
            row = conn.execute(select(activities).where(activities.c.id == activity_id)) \
                .mappings().first()
            if row is None:
                raise NotFound(f"there is no activity {activity_id}", "id")
            lines = conn.execute(select(attendance).where(
                attendance.c.activity_id == activity_id)
                .order_by(attendance.c.position)).mappings().all()
        return activity_dict(row, lines)

    @rpc(expected_exceptions=ALL_ERRORS)
    def list_activities(self, org_id, date_from, date_to):
        """Activities held by the organisation or inside it, oldest first."""
        start = parse_date(date_from, "from")
        end = parse_date(date_to, "to")
        if end < start:
            raise BadInput(f"'to' ({end}) is before 'from' ({start})", "to")
        with self.db.connect() as conn:
            rows = conn.execute(
                select(activities)
                .where(activities.c.org_path.like(f"%/{org_id}/%"),
                       activities.c.held_on >= start, activities.c.held_on <= end)
                .order_by(activities.c.held_on, activities.c.recorded_at)).mappings().all()
            ids = [r["id"] for r in rows]
            lines = conn.execute(select(attendance).where(
                attendance.c.activity_id.in_(ids))
                .order_by(attendance.c.position)).mappings().all() if ids else []
        by_activity = {}
        for line in lines:
            by_activity.setdefault(line["activity_id"], []).append(line)
        return [activity_dict(r, by_activity.get(r["id"], [])) for r in rows]
