"""The activity service's read side: activities with their attendance,
guests and minutes, one by one, by a list of ids, or under an organisation
in a span of days."""
from sqlalchemy import select

from services.activity.domain.importing import key_of
from services.activity.models import activities, activity_guests, attendance, minutes
from shared.errors import NotFound
from shared.tree import ids_of, under

CHUNK = 1000


def minutes_dict(row):
    """The minutes (议事规则) of an activity, as recorded; None for none."""
    if row is None:
        return None
    return {"topic": row["topic"], "speaker_ids": list(row["speaker_ids"]),
            "decisions": list(row["decisions"])}


def activity_dict(row, lines, guest_ids=(), minutes_row=None):
    return {"id": row["id"], "org_id": row["org_id"], "kind": row["kind"],
            "theme": row["theme"], "held_on": row["held_on"].isoformat(),
            "bureau_id": row["bureau_id"], "speaker_id": row["speaker_id"],
            "guest_ids": list(guest_ids), "theme_source": row["theme_source"],
            # the holder's ancestors and its own id: whom the gateway shows it to
            "org_path": ids_of(row["org_path"]),
            "recorded_by": row["recorded_by"],
            "attendance": [{"member_id": a["member_id"], "status": a["status"],
                            "reason": a["reason"]} for a in lines],
            "minutes": minutes_dict(minutes_row)}


def _with_attendance(conn, rows):
    """Activity dicts for ``rows``, their attendance, guests and minutes read
    in three queries per chunk."""
    by_activity, guests_of, minutes_of = {}, {}, {}
    ids = [r["id"] for r in rows]
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        for line in conn.execute(select(attendance)
                                 .where(attendance.c.activity_id.in_(chunk))
                                 .order_by(attendance.c.activity_id, attendance.c.position)) \
                .mappings():
            by_activity.setdefault(line["activity_id"], []).append(line)
        for activity_id, member_id in conn.execute(
                select(activity_guests.c.activity_id, activity_guests.c.member_id)
                .where(activity_guests.c.activity_id.in_(chunk))
                .order_by(activity_guests.c.activity_id, activity_guests.c.position)):
            guests_of.setdefault(activity_id, []).append(member_id)
        for found in conn.execute(select(minutes).where(minutes.c.activity_id.in_(chunk))) \
                .mappings():
            minutes_of[found["activity_id"]] = found
    return [activity_dict(r, by_activity.get(r["id"], []), guests_of.get(r["id"], []),
                          minutes_of.get(r["id"])) for r in rows]


def get_activity(conn, activity_id):
    found = get_activities(conn, [activity_id])
    if not found:
        raise NotFound(f"there is no activity {activity_id}", "id")
    return found[0]


def get_activities(conn, activity_ids):
    """Activities in the order asked; unknown ids are skipped."""
    wanted = [i for i in dict.fromkeys(activity_ids) if isinstance(i, str)]
    rows = {}
    for start in range(0, len(wanted), CHUNK):
        for row in conn.execute(select(activities).where(
                activities.c.id.in_(wanted[start:start + CHUNK]))).mappings():
            rows[row["id"]] = row
    return _with_attendance(conn, [rows[i] for i in wanted if i in rows])


def activities_under(org_path, start, end):
    """The query for activities held at or below ``org_path`` from ``start``
    to ``end`` (inclusive), oldest first: served by the (org_path, held_on)
    index."""
    return (select(activities)
            .where(under(activities.c.org_path, org_path),
                   activities.c.held_on >= start, activities.c.held_on <= end)
            .order_by(activities.c.held_on, activities.c.recorded_at, activities.c.id))


def list_activities(conn, org_path, start, end):
    rows = conn.execute(activities_under(org_path, start, end)).mappings().all()
    return _with_attendance(conn, rows)


def recorded_keys(conn, org_path, start, end):
    """What identifies each activity under ``org_path`` held from ``start``
    to ``end``, as ``domain.importing.key_of`` makes it: how an import knows
    a row is already recorded."""
    rows = conn.execute(select(activities.c.org_id, activities.c.kind, activities.c.held_on,
                               activities.c.theme)
                        .where(under(activities.c.org_path, org_path),
                               activities.c.held_on >= start, activities.c.held_on <= end))
    return {key_of(*row) for row in rows}
