"""Section "scoring" of the contract, its party-spirit check-up (党性教育体检):
the indicators of a member's post type, a member's check-up of a year, and
recording one (an admin or secretary with the member in scope; a second
check-up of the member's year replaces the first). The scoring service
decides the post type, checks the scores and computes total and health."""
import graphene

from gateway.schema.organisation import Member
from gateway.schema.scalars import Dimension, Health
from gateway.schema.scoring import DimensionScore


class CheckupIndicator(graphene.ObjectType):
    key = graphene.String(required=True)
    dimension = graphene.Field(Dimension, required=True)
    weight = graphene.Float(required=True)
    negative = graphene.Boolean(required=True)


class CheckupScore(graphene.ObjectType):
    indicator = graphene.String(required=True)
    score = graphene.Float(required=True)


class Checkup(graphene.ObjectType):
    member = graphene.Field(Member, required=True)
    year = graphene.Int(required=True)
    post_type = graphene.String(required=True)
    scores = graphene.List(graphene.NonNull(CheckupScore), required=True)
    total = graphene.Float(required=True)
    health = graphene.Field(Health, required=True)
    by_dimension = graphene.List(graphene.NonNull(DimensionScore), required=True)

    @staticmethod
    async def resolve_member(checkup, info):
        return await info.context.member(checkup["member_id"])


class CheckupScoreInput(graphene.InputObjectType):
    indicator = graphene.String(required=True)
    score = graphene.Float(required=True)


class CheckupInput(graphene.InputObjectType):
    member_id = graphene.ID(required=True)
    year = graphene.Int(required=True)
    scores = graphene.List(graphene.NonNull(CheckupScoreInput), required=True)


class Queries:
    checkup_indicators = graphene.List(graphene.NonNull(CheckupIndicator), required=True,
                                       member_id=graphene.ID(required=True),
                                       year=graphene.Int(required=True))
    checkup = graphene.Field(Checkup, member_id=graphene.ID(required=True),
                             year=graphene.Int(required=True))

    @staticmethod
    async def resolve_checkup_indicators(_root, info, member_id, year):
        await info.context.visible_member(member_id)
        found = info.context.call("scoring", "checkup_indicators", member_id, year)
        return found["indicators"]

    @staticmethod
    async def resolve_checkup(_root, info, member_id, year):
        await info.context.visible_member(member_id)
        return info.context.call("scoring", "checkup", member_id, year)


class RecordCheckup(graphene.Mutation):
    class Arguments:
        input = CheckupInput(required=True)

    Output = graphene.NonNull(Checkup)

    @staticmethod
    async def mutate(_root, info, input):
        ctx = info.context
        ctx.require_writer("recording a check-up")
        await ctx.input_member(input["member_id"], "memberId")
        data = {"member_id": input["member_id"], "year": input["year"],
                "scores": [{"indicator": s["indicator"], "score": s["score"]}
                           for s in input["scores"]]}
        return ctx.call("scoring", "record_checkup", data, ctx.principal.sub,
                        ctx.request_of(info), roles=ctx.roles)


class Mutations:
    record_checkup = RecordCheckup.Field()
