"""Section "supervision" of the contract, its rectification lists (问题整改
清单, U3): items with a problem, measures, an owner and a due day; OVERDUE
by themselves; closed off (销号) with an outcome; a closed one's outcome
published (向群众公布). Every write is an admin's or secretary's whose scope
holds the item's organisation (making one: the organisation named, and the
owner must be a member the caller sees); reads need the organisation
visible. Below "*" an item that does not exist is FORBIDDEN in the same
words as one outside the scope. The supervision service decides the rest
(the organisation's kind, the owner's place, the states, CONFLICT)."""
import graphene

from gateway.schema.organisation import Member, Organization
from gateway.schema.scalars import Date, value_of
from shared.vocabulary import RECTIFICATION_STATES

RectificationState = graphene.Enum("RectificationState", [(s, s) for s in RECTIFICATION_STATES])


class RectificationItem(graphene.ObjectType):
    id = graphene.ID(required=True)
    org = graphene.Field(Organization, required=True)
    problem = graphene.String(required=True)
    measures = graphene.List(graphene.NonNull(graphene.String), required=True)
    owner = graphene.Field(Member, required=True)
    due = graphene.Field(Date, required=True)
    campaign = graphene.Boolean(required=True)
    state = graphene.Field(RectificationState, required=True)
    outcome = graphene.String()
    closed_on = Date()
    published = graphene.Boolean(required=True)

    @staticmethod
    async def resolve_org(item, info):
        return await info.context.org(item["org_id"])

    @staticmethod
    async def resolve_owner(item, info):
        # the owner as they were when the item was made (of the organisation
        # then), so that one who has since moved away does not blank the list
        return await info.context.member_on(item["owner_id"], item.get("made_on"))


class RectificationInput(graphene.InputObjectType):
    org_id = graphene.ID(required=True)
    problem = graphene.String(required=True)
    measures = graphene.List(graphene.NonNull(graphene.String), required=True)
    owner_id = graphene.ID(required=True)
    due = graphene.Field(Date, required=True)
    campaign = graphene.Boolean(default_value=False)


def _item_in_scope(ctx, item_id):
    """The item, once the caller's scope holds its organisation."""
    return ctx.named("supervision", "get_rectification", item_id, "rectification item",
                     "org_path")


class Queries:
    rectifications = graphene.List(graphene.NonNull(RectificationItem), required=True,
                                   org_id=graphene.ID(required=True),
                                   year=graphene.Int(required=True),
                                   state=RectificationState())

    @staticmethod
    async def resolve_rectifications(_root, info, org_id, year, state=None):
        org = await info.context.visible_org(org_id)
        return info.context.call("supervision", "rectifications", org["path"], year,
                                 value_of(state) if state else None)


class CreateRectification(graphene.Mutation):
    class Arguments:
        input = RectificationInput(required=True)

    Output = graphene.NonNull(RectificationItem)

    @staticmethod
    async def mutate(_root, info, input):
        ctx = info.context
        ctx.require_writer("making a rectification item")
        await ctx.input_org(input.org_id, "orgId")
        await ctx.input_member(input.owner_id, "ownerId")
        data = {"org_id": input.org_id, "problem": input.problem,
                "measures": list(input.measures), "owner_id": input.owner_id,
                "due": input.due, "campaign": bool(input.campaign)}
        return ctx.call("supervision", "create_rectification", data, ctx.principal.sub,
                        ctx.request_of(info))


class CloseRectification(graphene.Mutation):
    class Arguments:
        id = graphene.ID(required=True)
        outcome = graphene.String(required=True)

    Output = graphene.NonNull(RectificationItem)

    @staticmethod
    def mutate(_root, info, id, outcome):
        ctx = info.context
        ctx.require_writer("closing off a rectification item")
        _item_in_scope(ctx, id)
        return ctx.call("supervision", "close_rectification", id, outcome, ctx.principal.sub,
                        ctx.request_of(info))


class PublishRectification(graphene.Mutation):
    class Arguments:
        id = graphene.ID(required=True)

    Output = graphene.NonNull(RectificationItem)

    @staticmethod
    def mutate(_root, info, id):
        ctx = info.context
        ctx.require_writer("publishing a rectification item")
        _item_in_scope(ctx, id)
        return ctx.call("supervision", "publish_rectification", id, ctx.principal.sub,
                        ctx.request_of(info))


class Mutations:
    create_rectification = CreateRectification.Field()
    close_rectification = CloseRectification.Field()
    publish_rectification = PublishRectification.Field()
