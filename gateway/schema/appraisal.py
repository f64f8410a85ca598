"""Section "scoring" of the contract, its democratic appraisal (民主评议党员):
a branch's appraisal of a year, opened, scored and finalized by an admin or
secretary in scope. SELF and PEER scores are "(self)": a member's own token
gives them as the rater (raterId = its subject) in its own branch's
appraisal; SELF only for itself. PUBLIC and ORG are the branch's to enter.
Who sees an appraisal is its branch's scope: the bureau above sees it,
OPEN as the scores stand or FINALIZED as reported. The scoring service
decides everything else (rules, branch membership, CONFLICT)."""
import graphene
from graphql import GraphQLError

from gateway.auth import forbidden
from gateway.schema.guard import membership_on
from gateway.schema.organisation import Member, Organization
from gateway.schema.scalars import value_of
from shared.vocabulary import APPRAISAL_PARTS, GRADES

Grade = graphene.Enum("Grade", [(g, g) for g in GRADES])                    # 优秀/合格/基本合格/不合格
AppraisalPart = graphene.Enum("AppraisalPart", [(p, p) for p in APPRAISAL_PARTS])
AppraisalState = graphene.Enum("AppraisalState", [("OPEN", "OPEN"), ("FINALIZED", "FINALIZED")])
BY_MEMBERS = ("SELF", "PEER")   # the parts a member's own token may give


class AppraisalPartScore(graphene.ObjectType):
    part = graphene.Field(AppraisalPart, required=True)
    score = graphene.Float(required=True)
    raters = graphene.Int(required=True)


class AppraisalResult(graphene.ObjectType):
    member = graphene.Field(Member, required=True)
    parts = graphene.List(graphene.NonNull(AppraisalPartScore), required=True)
    score = graphene.Float(required=True)
    grade = graphene.Field(Grade)
    needs_review = graphene.Boolean(required=True)

    @staticmethod
    async def resolve_member(result, info):
        # a finalized appraisal's members as they were on the day it was finalized
        return await info.context.member_on(result["member_id"], result.get("as_of"))


class Appraisal(graphene.ObjectType):
    id = graphene.ID(required=True)
    branch = graphene.Field(Organization, required=True)
    year = graphene.Int(required=True)
    state = graphene.Field(AppraisalState, required=True)
    results = graphene.List(graphene.NonNull(AppraisalResult), required=True)

    @staticmethod
    async def resolve_branch(appraisal, info):
        return await info.context.org(appraisal["branch_id"])

    @staticmethod
    def resolve_results(appraisal, info):
        return [{**r, "as_of": appraisal.get("as_of")} for r in appraisal["results"]]


class AppraisalScoreInput(graphene.InputObjectType):
    appraisal_id = graphene.ID(required=True)
    member_id = graphene.ID(required=True)
    part = graphene.Field(AppraisalPart, required=True)
    rater_id = graphene.ID()
    score = graphene.Float(required=True)


def _outside(appraisal_id):
    return forbidden(f"appraisal {appraisal_id} is outside what you may see")


def _appraisal(ctx, appraisal_id):
    """The appraisal's branch, year and state (who may act on it, the caller
    judges)."""
    return ctx.named("scoring", "get_appraisal", appraisal_id, "appraisal")


def _in_scope(ctx, appraisal_id, what):
    ctx.require_writer(what)
    return ctx.named("scoring", "get_appraisal", appraisal_id, "appraisal", "branch_path")


class Queries:
    appraisal = graphene.Field(Appraisal, branch_id=graphene.ID(required=True),
                               year=graphene.Int(required=True))

    @staticmethod
    async def resolve_appraisal(_root, info, branch_id, year):
        await info.context.visible_org(branch_id)
        return info.context.call("scoring", "appraisal", branch_id, year)


class OpenAppraisal(graphene.Mutation):
    class Arguments:
        branch_id = graphene.ID(required=True)
        year = graphene.Int(required=True)

    Output = graphene.NonNull(Appraisal)

    @staticmethod
    async def mutate(_root, info, branch_id, year):
        ctx = info.context
        ctx.require_writer("opening an appraisal")
        await ctx.input_org(branch_id, "branchId")
        return ctx.call("scoring", "open_appraisal", branch_id, year, ctx.principal.sub,
                        ctx.request_of(info))


async def _own_score(ctx, appraisal, data):
    """A member's own token giving its SELF or PEER score as the rater: in
    its own branch's appraisal, and SELF only of itself."""
    rater = data["rater_id"]
    try:
        me = await ctx.member(rater)
    except GraphQLError as exc:
        if (exc.extensions or {}).get("code") != "NOT_FOUND":
            raise
        raise _outside(appraisal["id"]) from None
    if membership_on(me)["branch_id"] != appraisal["branch_id"]:
        raise _outside(appraisal["id"])
    if data["part"] == "SELF" and data["member_id"] != rater:
        raise forbidden("a member's own token gives its own SELF score; another member's "
                        "is theirs to give")


class ScoreAppraisal(graphene.Mutation):
    class Arguments:
        input = AppraisalScoreInput(required=True)

    Output = graphene.NonNull(Appraisal)

    @staticmethod
    async def mutate(_root, info, input):
        ctx = info.context
        data = {"appraisal_id": input["appraisal_id"], "member_id": input["member_id"],
                "part": value_of(input["part"]), "rater_id": input.get("rater_id"),
                "score": input["score"]}
        acting = None
        if data["part"] in BY_MEMBERS and data["rater_id"] and ctx.is_self(data["rater_id"]):
            appraisal = _appraisal(ctx, data["appraisal_id"])
            await _own_score(ctx, appraisal, data)
            acting = data["rater_id"]
        else:
            _in_scope(ctx, data["appraisal_id"], "scoring an appraisal (other than one's own "
                      "SELF or PEER score)")
            await ctx.refuse_hidden_members(
                [(m, None, field) for m, field in ((data["member_id"], "memberId"),
                                                   (data["rater_id"], "raterId")) if m])
        answer = ctx.call("scoring", "score_appraisal", data, ctx.principal.sub,
                          ctx.request_of(info))
        # the member who scored sees the answer, whatever their token's scope
        return {**answer, "acting_member": acting}


class FinalizeAppraisal(graphene.Mutation):
    class Arguments:
        id = graphene.ID(required=True)

    Output = graphene.NonNull(Appraisal)

    @staticmethod
    async def mutate(_root, info, id):
        ctx = info.context
        _in_scope(ctx, id, "finalizing an appraisal")
        return ctx.call("scoring", "finalize_appraisal", id, ctx.principal.sub,
                        ctx.request_of(info))


class Mutations:
    open_appraisal = OpenAppraisal.Field()
    score_appraisal = ScoreAppraisal.Field()
    finalize_appraisal = FinalizeAppraisal.Field()
