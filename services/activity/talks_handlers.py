"""Recording a heart-to-heart talk (谈心谈话, A6): checked by the pure rules
of ``domain.talks`` against what the organisation service says of the
filing organisation and of the two participants on the day, then written
with its talk_recorded event in one unit of work."""
import uuid

from sqlalchemy import insert

from services.activity.domain import talks as rules
from services.activity.models import talks
from services.activity.talks_views import talk_dict
from shared import backdating, clock
from shared.errors import BadInput, NotFound
from shared.tree import ids_of, path_of


def record_talk(db, data, actor, describe, request=None, roles=None):
    """The talk as recorded. ``describe``: the organisation service's
    ``describe_for_activities``, asked once for the organisation and where
    the participants belonged on the day."""
    today = clock.today()
    draft = rules.validate_input(data, today)
    answer = describe([{"org_id": draft.org_id, "day": draft.held_on.isoformat(),
                        "extra_member_ids": list(draft.participant_ids)}])[0]
    if "error" in answer:
        if answer["error"]["code"] == NotFound.code:
            raise BadInput(f"there is no branch or committee {draft.org_id}", "orgId")
        raise BadInput(answer["error"]["message"], "heldOn")
    org = answer["org"]
    rules.validate_against_org(draft, org, answer.get("extra_members"))
    backdating.check_backdating(draft.held_on, today,
                                backdating.limit_for(org["bureau_id"], today), roles)
    initiator, other = draft.participant_ids
    row = {"id": uuid.uuid4().hex, "org_id": org["id"], "org_path": path_of(org["path"]),
           "bureau_id": org["bureau_id"], "kind": draft.kind, "held_on": draft.held_on,
           "initiator_id": initiator, "other_id": other, "notes": draft.notes,
           "recorded_by": str(actor), "recorded_at": clock.now()}
    with db.uow(request) as uow:
        uow.session.execute(insert(talks).values(**row))
        uow.emit("talk_recorded", org["bureau_id"], {
            "talk_id": row["id"], "org_id": org["id"], "org_path": list(ids_of(row["org_path"])),
            "kind": draft.kind, "held_on": draft.held_on.isoformat(),
            "participant_ids": [initiator, other]})
        return uow.answer(talk_dict(row))
