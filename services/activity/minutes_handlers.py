"""Recording the minutes of an activity (议事规则, A10): the speakers took
part; in a branch decision the committee members present all speak and the
secretary speaks last, judged by the roles held on the meeting's day (the
organisation service's ``roles_of_members``, asked once). Recording again
replaces the minutes; each recording tells minutes_recorded."""
from services.activity import views
from services.activity.domain import minutes as rules
from services.activity.models import minutes
from shared import clock
from shared.db import conflict_insert
from shared.errors import BadInput
from shared.vocabulary import PRESENT


def record_minutes(db, activity_id, data, actor, roles_of, names_of, request=None):
    """The activity with its minutes. ``roles_of(member ids, day)``: the roles
    each held that day; ``names_of(member ids)``: their names, asked only to
    say who is missing from a refused branch decision."""
    draft = rules.validate_input(data)
    if not isinstance(activity_id, str) or not activity_id:
        raise BadInput("say which activity the minutes are of", "activityId")
    with db.connect() as conn:
        activity = views.get_activity(conn, activity_id)
    rules.check_speakers(draft, activity)
    if rules.is_branch_decision(draft, activity):
        present = [line["member_id"] for line in activity["attendance"]
                   if line["status"] == PRESENT]
        problem = rules.speaking_order(draft, activity, roles_of(present, activity["held_on"])
                                       if present else {})
        if problem:
            names = names_of(rules.named_members(problem))
            raise rules.explain(problem, lambda m: names.get(m) or m)
    row = {"activity_id": activity["id"], "topic": draft.topic,
           "speaker_ids": list(draft.speaker_ids), "decisions": list(draft.decisions),
           "recorded_by": str(actor), "recorded_at": clock.now()}
    with db.uow(request) as uow:
        statement = conflict_insert(uow.session, minutes).values(**row)
        uow.session.execute(statement.on_conflict_do_update(
            index_elements=[minutes.c.activity_id],
            set_={c: statement.excluded[c] for c in row if c != "activity_id"}))
        uow.emit("minutes_recorded", activity["bureau_id"], {
            "activity_id": activity["id"], "org_id": activity["org_id"], "topic": draft.topic,
            "speaker_ids": list(draft.speaker_ids), "decisions": list(draft.decisions)})
        return uow.answer({**activity, "minutes": views.minutes_dict(row)})
