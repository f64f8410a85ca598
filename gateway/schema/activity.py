"""Section "activity" of the contract: what an organisation held, and who
came; with the programme's extensions (section "organisation"): the
speaker, the guests (双重组织生活) and where the theme came from."""
import asyncio

import graphene

from gateway.schema.context import names_members
from gateway.schema.organisation import Member, Organization
from gateway.schema.scalars import ActivityKind, AttendanceStatus, Date, ThemeSource, value_of


class Attendance(graphene.ObjectType):
    member = graphene.Field(Member, required=True)
    status = graphene.Field(AttendanceStatus, required=True)
    reason = graphene.String()

    @staticmethod
    async def resolve_member(line, info):
        # seen as on the activity's day: a member since transferred is still
        # who came, and their branch is the one they came from
        return await info.context.member_on(line["member_id"], line["held_on"])


class Minutes(graphene.ObjectType):
    """Minutes of a meeting (A10, contract section "members' practice")."""
    topic = graphene.String(required=True)
    speakers = graphene.List(graphene.NonNull(Member), required=True)  # in the order they spoke
    decisions = graphene.List(graphene.NonNull(graphene.String), required=True)

    @staticmethod
    async def resolve_speakers(minutes, info):
        # in the order they spoke, each seen as on the meeting's day
        return await asyncio.gather(*(info.context.member_on(m, minutes["held_on"])
                                      for m in minutes["speaker_ids"]))


class Activity(graphene.ObjectType):
    id = graphene.ID(required=True)
    org = graphene.Field(Organization, required=True)
    kind = graphene.Field(ActivityKind, required=True)
    theme = graphene.String(required=True)
    held_on = graphene.Field(Date, required=True)
    attendance = graphene.List(graphene.NonNull(Attendance), required=True)
    speaker = graphene.Field(Member)
    guests = graphene.List(graphene.NonNull(Member), required=True)
    theme_source = graphene.Field(ThemeSource, required=True)
    minutes = graphene.Field(Minutes)

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

    @staticmethod
    async def resolve_guests(activity, info):
        # as on the activity's day, like the attendees; one look-up per level
        return await asyncio.gather(*(info.context.member_on(m, activity["held_on"])
                                      for m in activity.get("guest_ids") or ()))

    @staticmethod
    def resolve_theme_source(activity, _info):
        return activity.get("theme_source") or "SUPERIOR"

    @staticmethod
    def resolve_minutes(activity, _info):
        # recorded by recordMinutes (gateway/schema/practice_talks.py)
        if not activity.get("minutes"):
            return None
        return {**activity["minutes"], "held_on": activity["held_on"]}


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
    # who gave the party lecture or the centre-group keynote; any member in scope
    speaker_id = graphene.ID()
    # members from outside the holding organisation who took part (双重组织生活)
    guest_ids = graphene.List(graphene.NonNull(graphene.ID))
    theme_source = graphene.Field(ThemeSource, default_value="SUPERIOR")


def named_members(input, prefix=""):
    """(member id, day, field) of every member an ActivityInput names."""
    day = input.get("held_on")
    out = [(line["member_id"], day, f"{prefix}attendance[{i}].memberId")
           for i, line in enumerate(input.get("attendance") or ())]
    if input.get("speaker_id"):
        out.append((input["speaker_id"], day, f"{prefix}speakerId"))
    return out


def named_guests(input, prefix=""):
    """(member id, day, field) of every guest an ActivityInput names."""
    day = input.get("held_on")
    return [(member_id, day, f"{prefix}guestIds[{i}]")
            for i, member_id in enumerate(input.get("guest_ids") or ())]


async def check_input_scope(ctx, input, prefix=""):
    """What an ActivityInput names, judged against the caller's scope in one
    look-up (with those of the other inputs of the request): the holding
    organisation and the speaker are FORBIDDEN outside it, a guest outside
    it is a bad guest (BAD_INPUT). The service checks the rest."""
    speaker = [(input["speaker_id"], input.get("held_on"), f"{prefix}speakerId")] \
        if input.get("speaker_id") else []
    outcomes = await asyncio.gather(
        ctx.input_org(input["org_id"], f"{prefix}orgId"),
        ctx.refuse_hidden_members(speaker),
        ctx.refuse_unseen_guests(named_guests(input, prefix)), return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome


def activity_data(input):
    """An ActivityInput as the activity service takes it."""
    return {
        "org_id": input["org_id"], "kind": value_of(input["kind"]),
        "theme": input["theme"], "held_on": input["held_on"],
        "speaker_id": input.get("speaker_id"),
        "guest_ids": list(input.get("guest_ids") or ()),
        "theme_source": value_of(input.get("theme_source") or "SUPERIOR"),
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
        await check_input_scope(ctx, input)
        return ctx.call("activity", "record_activity", activity_data(input), ctx.principal.sub,
                        ctx.request_of(info), roles=ctx.roles)


class Mutations:
    record_activity = RecordActivity.Field()
