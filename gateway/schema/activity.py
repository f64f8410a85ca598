"""Section "activity" of the contract: what an organisation held, and who came."""
import graphene

from gateway.schema.organisation import Member, Organization
from gateway.schema.scalars import ActivityKind, AttendanceStatus, Date, value_of


class Attendance(graphene.ObjectType):
    member = graphene.Field(Member, required=True)
    status = graphene.Field(AttendanceStatus, required=True)
    reason = graphene.String()

    @staticmethod
    async def resolve_member(line, info):
        return await info.context.member(line["member_id"])


class Activity(graphene.ObjectType):
    id = graphene.ID(required=True)
    org = graphene.Field(Organization, required=True)
    kind = graphene.Field(ActivityKind, required=True)
    theme = graphene.String(required=True)
    held_on = graphene.Field(Date, required=True)
    attendance = graphene.List(graphene.NonNull(Attendance), required=True)
    speaker = graphene.Field(Member, description="Extra: who gave the lecture or keynote.")

    @staticmethod
    async def resolve_org(activity, info):
        return await info.context.org(activity["org_id"])

    @staticmethod
    async def resolve_speaker(activity, info):
        if not activity.get("speaker_id"):
            return None
        return await info.context.member(activity["speaker_id"])


class AttendanceInput(graphene.InputObjectType):
    member_id = graphene.ID(required=True)
    status = graphene.Field(AttendanceStatus, required=True)
    reason = graphene.String()


class ActivityInput(graphene.InputObjectType):
    org_id = graphene.ID(required=True)
    kind = graphene.Field(ActivityKind, required=True)
    theme = graphene.String(required=True)
    held_on = graphene.Field(Date, required=True)
    attendance = graphene.List(graphene.NonNull(AttendanceInput), required=True)
    speaker_id = graphene.ID(description="Extra: the member who gave the lecture or keynote.")


def activity_data(input):
    """An ActivityInput as the activity service takes it."""
    return {
        "org_id": input["org_id"], "kind": value_of(input["kind"]),
        "theme": input["theme"], "held_on": input["held_on"],
        "speaker_id": input.get("speaker_id"),
        "attendance": [{"member_id": a["member_id"], "status": value_of(a["status"]),
                        "reason": a.get("reason")} for a in input["attendance"]],
    }


class Queries:
    activities = graphene.List(
        graphene.NonNull(Activity), required=True, org_id=graphene.ID(required=True),
        date_from=graphene.Argument(Date, required=True, name="from"),
        to=graphene.Argument(Date, required=True))

    @staticmethod
    async def resolve_activities(_root, info, org_id, date_from, to):
        await info.context.visible_org(org_id)
        return info.context.call("activity", "list_activities", org_id, date_from, to)


class RecordActivity(graphene.Mutation):
    class Arguments:
        input = ActivityInput(required=True)

    Output = graphene.NonNull(Activity)

    @staticmethod
    async def mutate(_root, info, input):
        ctx = info.context
        ctx.require_writer("recording an activity")
        await ctx.input_org(input["org_id"], "orgId")
        return ctx.call("activity", "record_activity", activity_data(input), ctx.principal.sub,
                        ctx.request_of(info))


class Mutations:
    record_activity = RecordActivity.Field()
