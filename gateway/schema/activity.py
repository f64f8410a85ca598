"""Section "activity" of the contract: what an organisation held, and who came."""
import graphene

from gateway.schema.context import names_members
from gateway.schema.organisation import Member, Organization
from gateway.schema.scalars import ActivityKind, AttendanceStatus, Date, value_of


class Attendance(graphene.ObjectType):
    member = graphene.Field(Member, required=True)
    status = graphene.Field(AttendanceStatus, required=True)
    reason = graphene.String()

    @staticmethod
    async def resolve_member(line, info):
        # seen as on the activity's day: a member since transferred is still
        # who came, and their branch is the one they came from
        return await info.context.member_on(line["member_id"], line["held_on"])


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
    def resolve_attendance(activity, info):
        return [{**line, "held_on": activity["held_on"]} for line in activity["attendance"]]

    @staticmethod
    async def resolve_speaker(activity, info):
        if not activity.get("speaker_id"):
            return None
        return await info.context.member_on(activity["speaker_id"], activity["held_on"])


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


def named_members(input, prefix=""):
    """(member id, day, field) of every member an ActivityInput names."""
    day = input.get("held_on")
    out = [(line["member_id"], day, f"{prefix}attendance[{i}].memberId")
           for i, line in enumerate(input.get("attendance") or ())]
    if input.get("speaker_id"):
        out.append((input["speaker_id"], day, f"{prefix}speakerId"))
    return out


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
    @names_members(lambda args: named_members(args["input"]))
    async def mutate(_root, info, input):
        ctx = info.context
        ctx.require_writer("recording an activity")
        await ctx.input_org(input["org_id"], "orgId")
        return ctx.call("activity", "record_activity", activity_data(input), ctx.principal.sub,
                        ctx.request_of(info), roles=ctx.roles)


class Mutations:
    record_activity = RecordActivity.Field()
