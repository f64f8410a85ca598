"""Section "members' practice" of the contract, its talks, minutes and
wishes: heart-to-heart talks (谈心谈话), the minutes of a meeting (议事规则)
and micro-wishes / proxy service (微心愿 / 双代). A member's own token may
claim a wish for themself ("(self)"), any wish of their bureau's branches;
everything else is written by a secretary or admin in scope. A wish's
contact is stored by the service and never returned: the type has no field
for it."""
import asyncio

import graphene
from gateway.auth import forbidden
from gateway.schema.activity import Activity
from gateway.schema.organisation import Member, Organization
from gateway.schema.scalars import Date, TalkKind, WishKind, WishState, value_of


class Talk(graphene.ObjectType):
    id = graphene.ID(required=True)
    org = graphene.Field(Organization, required=True)
    kind = graphene.Field(TalkKind, required=True)
    held_on = graphene.Field(Date, required=True)
    participants = graphene.List(graphene.NonNull(Member), required=True)
    notes = graphene.String()

    @staticmethod
    async def resolve_org(talk, info):
        return await info.context.org(talk["org_id"])

    @staticmethod
    async def resolve_participants(talk, info):
        # the initiator first, each seen as on the day of the talk
        return await asyncio.gather(*(info.context.member_on(m, talk["held_on"])
                                      for m in talk["participant_ids"]))


class Wish(graphene.ObjectType):
    id = graphene.ID(required=True)
    kind = graphene.Field(WishKind, required=True)
    branch = graphene.Field(Organization, required=True)
    title = graphene.String(required=True)
    requester = graphene.String(required=True)
    posted_on = graphene.Field(Date, required=True)
    state = graphene.Field(WishState, required=True)
    claimed_by = graphene.Field(Member)
    fulfilled_on = graphene.Field(Date)
    note = graphene.String()

    @staticmethod
    async def resolve_branch(wish, info):
        return await info.context.org(wish["branch_id"])

    @staticmethod
    async def resolve_claimed_by(wish, info):
        if not wish.get("claimed_by"):
            return None
        return await info.context.member_on(wish["claimed_by"], wish["claimed_on"])


class TalkInput(graphene.InputObjectType):
    org_id = graphene.ID(required=True)
    kind = graphene.Field(TalkKind, required=True)
    held_on = graphene.Field(Date, required=True)
    participant_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)
    notes = graphene.String()


class WishInput(graphene.InputObjectType):
    branch_id = graphene.ID(required=True)
    kind = graphene.Field(WishKind, required=True)
    title = graphene.String(required=True)
    requester = graphene.String(required=True)
    contact = graphene.String()


class MinutesInput(graphene.InputObjectType):
    topic = graphene.String(required=True)
    speaker_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)
    decisions = graphene.List(graphene.NonNull(graphene.String), required=True)


def _fetch(ctx, method, object_id, noun):
    """The object the mutation acts on (its scope the caller judges)."""
    return ctx.named("activity", method, object_id, noun)


def visible_wish(ctx, wish_id, member=None):
    """The wish, if the caller sees its branch, or (a member's own token,
    ``member``) it was posted by a branch of the member's bureau."""
    wish = _fetch(ctx, "get_wish", wish_id, "wish")
    if ctx.principal.sees(wish["branch_path"]) or \
            (member is not None and member.get("bureau_id") == wish["bureau_id"]):
        return wish
    raise forbidden(f"wish {wish_id} is outside what you may see")


class Queries:
    talks = graphene.List(graphene.NonNull(Talk), required=True,
                          org_id=graphene.ID(required=True), year=graphene.Int(required=True))
    wishes = graphene.List(graphene.NonNull(Wish), required=True,
                           org_id=graphene.ID(required=True),
                           state=graphene.Argument(WishState))

    @staticmethod
    async def resolve_talks(_root, info, org_id, year):
        await info.context.visible_org(org_id)
        return info.context.call("activity", "list_talks", org_id, year)

    @staticmethod
    async def resolve_wishes(_root, info, org_id, state=None):
        await info.context.visible_org(org_id)
        return info.context.call("activity", "list_wishes", org_id,
                                 value_of(state) if state is not None else None)


class RecordTalk(graphene.Mutation):
    class Arguments:
        input = TalkInput(required=True)

    Output = graphene.NonNull(Talk)

    @staticmethod
    async def mutate(_root, info, input):
        ctx = info.context
        ctx.require_writer("recording a talk")
        day = input["held_on"]
        outcomes = await asyncio.gather(
            ctx.input_org(input["org_id"], "orgId"),
            ctx.refuse_hidden_members([(m, day, f"participantIds[{i}]")
                                       for i, m in enumerate(input["participant_ids"])]),
            return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        data = {"org_id": input["org_id"], "kind": value_of(input["kind"]), "held_on": day,
                "participant_ids": list(input["participant_ids"]),
                "notes": input.get("notes")}
        return ctx.call("activity", "record_talk", data, ctx.principal.sub,
                        ctx.request_of(info), roles=ctx.roles)


class RecordMinutes(graphene.Mutation):
    class Arguments:
        activity_id = graphene.ID(required=True)
        input = MinutesInput(required=True)

    Output = graphene.NonNull(Activity)

    @staticmethod
    async def mutate(_root, info, activity_id, input):
        ctx = info.context
        ctx.require_writer("recording minutes")
        activity = _fetch(ctx, "get_activity", activity_id, "activity")
        if not ctx.principal.sees(activity["org_path"]):
            raise forbidden(f"activity {activity_id} is outside what you may see")
        await ctx.refuse_hidden_members([(m, activity["held_on"], f"speakerIds[{i}]")
                                         for i, m in enumerate(input["speaker_ids"])])
        data = {"topic": input["topic"], "speaker_ids": list(input["speaker_ids"]),
                "decisions": list(input["decisions"])}
        return ctx.call("activity", "record_minutes", activity_id, data, ctx.principal.sub,
                        ctx.request_of(info), roles=ctx.roles)


class PostWish(graphene.Mutation):
    class Arguments:
        input = WishInput(required=True)

    Output = graphene.NonNull(Wish)

    @staticmethod
    async def mutate(_root, info, input):
        ctx = info.context
        ctx.require_writer("posting a wish")
        await ctx.input_org(input["branch_id"], "branchId")
        data = {"branch_id": input["branch_id"], "kind": value_of(input["kind"]),
                "title": input["title"], "requester": input["requester"],
                "contact": input.get("contact")}
        return ctx.call("activity", "post_wish", data, ctx.principal.sub,
                        ctx.request_of(info), roles=ctx.roles)


class ClaimWish(graphene.Mutation):
    class Arguments:
        id = graphene.ID(required=True)
        member_id = graphene.ID(required=True)

    Output = graphene.NonNull(Wish)

    @staticmethod
    async def mutate(_root, info, id, member_id):
        ctx = info.context
        member = await ctx.require_self_or_writer(member_id, "claiming a wish")
        visible_wish(ctx, id, member if ctx.is_self(member_id) else None)
        return ctx.call("activity", "claim_wish", id, member_id, ctx.principal.sub,
                        ctx.request_of(info), roles=ctx.roles)


class FulfilWish(graphene.Mutation):
    class Arguments:
        id = graphene.ID(required=True)
        on = graphene.Argument(Date, required=True)
        note = graphene.String()

    Output = graphene.NonNull(Wish)

    @staticmethod
    async def mutate(_root, info, id, on, note=None):
        ctx = info.context
        ctx.require_writer("recording a wish fulfilled")
        visible_wish(ctx, id)
        return ctx.call("activity", "fulfil_wish", id, on, note, ctx.principal.sub,
                        ctx.request_of(info), roles=ctx.roles)


class CancelWish(graphene.Mutation):
    class Arguments:
        id = graphene.ID(required=True)
        reason = graphene.String(required=True)

    Output = graphene.NonNull(Wish)

    @staticmethod
    async def mutate(_root, info, id, reason):
        ctx = info.context
        ctx.require_writer("cancelling a wish")
        visible_wish(ctx, id)
        return ctx.call("activity", "cancel_wish", id, reason, ctx.principal.sub,
                        ctx.request_of(info), roles=ctx.roles)


class Mutations:
    record_talk = RecordTalk.Field()
    post_wish = PostWish.Field()
    claim_wish = ClaimWish.Field()
    fulfil_wish = FulfilWish.Field()
    cancel_wish = CancelWish.Field()
    record_minutes = RecordMinutes.Field()
