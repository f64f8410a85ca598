"""Section "pioneer" of the contract, the pioneer programme (时代先锋):
pioneers nominated and selected, reviewed every year by members and public
representatives, rectifying (限期整改) or withdrawn (摘牌) by rule; the
talent pool (党务人才库) and mentoring pairs (帮带). Writes are an admin's or
secretary's whose scope holds the organisation, committee, review or
pioneer; reads need the organisation visible. Below "*" a review or pioneer
that does not exist is FORBIDDEN in the same words as one outside the
scope. The pioneer service decides everything else (rules, states, CONFLICT)."""
import graphene
from gateway.auth import ALL, forbidden
from gateway.schema.organisation import Member, Organization
from gateway.schema.scalars import Date, value_of
from shared.vocabulary import PIONEER_CATEGORIES, PIONEER_RATINGS, PIONEER_STATES, RATER_KINDS

PioneerCategory = graphene.Enum("PioneerCategory", [(c, c) for c in PIONEER_CATEGORIES])
PioneerState = graphene.Enum("PioneerState", [(s, s) for s in PIONEER_STATES])
PioneerRating = graphene.Enum("PioneerRating", [(r, r) for r in PIONEER_RATINGS])
RaterKind = graphene.Enum("RaterKind", [(k, k) for k in RATER_KINDS])


class PioneerReviewResult(graphene.ObjectType):
    pioneer_id = graphene.ID(required=True)
    review_id = graphene.ID(required=True)
    year = graphene.Int(required=True)
    ratings = graphene.Int(required=True)
    average_or_worse = graphene.Int(required=True)
    share = graphene.Float(required=True)
    closed_on = Date()


class Pioneer(graphene.ObjectType):
    id = graphene.ID(required=True)
    category = graphene.Field(PioneerCategory, required=True)
    name = graphene.String(required=True)
    org = graphene.Field(Organization, required=True)
    holder = graphene.Field(Member)
    citation = graphene.String(required=True)
    year = graphene.Int(required=True)
    state = graphene.Field(PioneerState, required=True)
    rectify_by = Date()
    reviews = graphene.List(graphene.NonNull(PioneerReviewResult), required=True)

    @staticmethod
    async def resolve_org(pioneer, info):
        return await info.context.org(pioneer["org_id"])

    @staticmethod
    async def resolve_holder(pioneer, info):
        # the holder as they were when the title was given (a nominee: today)
        if not pioneer.get("holder_id"):
            return None
        return await info.context.member_on(pioneer["holder_id"], pioneer.get("selected_on"))


class PioneerReview(graphene.ObjectType):
    id = graphene.ID(required=True)
    committee = graphene.Field(Organization, required=True)
    year = graphene.Int(required=True)
    open = graphene.Boolean(required=True)
    results = graphene.List(graphene.NonNull(PioneerReviewResult), required=True)

    @staticmethod
    async def resolve_committee(review, info):
        return await info.context.org(review["committee_id"])


class TalentPoolEntry(graphene.ObjectType):
    member = graphene.Field(Member, required=True)
    pioneer = graphene.Field(Pioneer, required=True)
    since = graphene.Field(Date, required=True)

    @staticmethod
    async def resolve_member(entry, info):
        # as when the title was given, like Pioneer.holder
        return await info.context.member_on(entry["member_id"], entry["since"])


class MentoringPair(graphene.ObjectType):
    mentor = graphene.Field(Member, required=True)
    mentee = graphene.Field(Member, required=True)
    since = graphene.Field(Date, required=True)

    # both as they were when paired (in one bureau then), so that one who
    # has since moved away does not blank the bureau's whole list
    @staticmethod
    async def resolve_mentor(pair, info):
        return await info.context.member_on(pair["mentor_id"], pair["since"])

    @staticmethod
    async def resolve_mentee(pair, info):
        return await info.context.member_on(pair["mentee_id"], pair["since"])


def _outside(noun, key):
    return forbidden(f"{noun} {key} is outside what you may see")


def _review_in_scope(ctx, review_id):
    return ctx.named("pioneer", "get_review", review_id, "pioneer review", "committee_path")


def _pioneer_in_scope(ctx, pioneer_id):
    return ctx.named("pioneer", "get_pioneer", pioneer_id, "pioneer", "org_path")


class Queries:
    pioneers = graphene.List(graphene.NonNull(Pioneer), required=True,
                             org_id=graphene.ID(required=True), year=graphene.Int(),
                             state=PioneerState())
    pioneer_review = graphene.Field(PioneerReview, id=graphene.ID(required=True))
    talent_pool = graphene.List(graphene.NonNull(TalentPoolEntry), required=True,
                                org_id=graphene.ID(required=True))
    mentoring_pairs = graphene.List(graphene.NonNull(MentoringPair), required=True,
                                    org_id=graphene.ID(required=True))

    @staticmethod
    async def resolve_pioneers(_root, info, org_id, year=None, state=None):
        org = await info.context.visible_org(org_id)
        return info.context.call("pioneer", "pioneers", org["path"], year,
                                 value_of(state) if state else None)

    @staticmethod
    def resolve_pioneer_review(_root, info, id):
        ctx = info.context
        review = ctx.call("pioneer", "review", id)
        if review is None:
            if ctx.principal.scope != ALL:
                raise _outside("pioneer review", id)
            return None
        if not ctx.principal.sees(review["committee_path"]):
            raise _outside("pioneer review", id)
        return review

    @staticmethod
    async def resolve_talent_pool(_root, info, org_id):
        org = await info.context.visible_org(org_id)
        return info.context.call("pioneer", "talent_pool", org["path"])

    @staticmethod
    async def resolve_mentoring_pairs(_root, info, org_id):
        org = await info.context.visible_org(org_id)
        return info.context.call("pioneer", "mentoring_pairs", org["path"])


class NominatePioneer(graphene.Mutation):
    class Arguments:
        category = PioneerCategory(required=True)
        name = graphene.String(required=True)
        org_id = graphene.ID(required=True)
        holder_id = graphene.ID()
        citation = graphene.String(required=True)
        year = graphene.Int(required=True)

    Output = graphene.NonNull(Pioneer)

    @staticmethod
    async def mutate(_root, info, category, name, org_id, citation, year, holder_id=None):
        ctx = info.context
        ctx.require_writer("nominating a pioneer")
        await ctx.input_org(org_id, "orgId")
        if holder_id:
            await ctx.input_member(holder_id, "holderId")
        data = {"category": value_of(category), "name": name, "org_id": org_id,
                "holder_id": holder_id, "citation": citation, "year": year}
        return ctx.call("pioneer", "nominate", data, ctx.principal.sub, ctx.request_of(info))


class DecidePioneer(graphene.Mutation):
    class Arguments:
        id = graphene.ID(required=True)
        selected = graphene.Boolean(required=True)

    Output = graphene.NonNull(Pioneer)

    @staticmethod
    def mutate(_root, info, id, selected):
        ctx = info.context
        ctx.require_writer("deciding on a pioneer")
        _pioneer_in_scope(ctx, id)
        return ctx.call("pioneer", "decide", id, selected, ctx.principal.sub,
                        ctx.request_of(info))


class OpenPioneerReview(graphene.Mutation):
    class Arguments:
        committee_id = graphene.ID(required=True)
        year = graphene.Int(required=True)

    Output = graphene.NonNull(PioneerReview)

    @staticmethod
    async def mutate(_root, info, committee_id, year):
        ctx = info.context
        ctx.require_writer("opening a pioneer review")
        await ctx.input_org(committee_id, "committeeId")
        return ctx.call("pioneer", "open_review", committee_id, year, ctx.principal.sub,
                        ctx.request_of(info))


class RatePioneer(graphene.Mutation):
    class Arguments:
        review_id = graphene.ID(required=True)
        pioneer_id = graphene.ID(required=True)
        rater_kind = RaterKind(required=True)
        rating = PioneerRating(required=True)

    Output = graphene.NonNull(PioneerReview)

    @staticmethod
    def mutate(_root, info, review_id, pioneer_id, rater_kind, rating):
        ctx = info.context
        ctx.require_writer("entering a pioneer's rating")
        _review_in_scope(ctx, review_id)
        if ctx.principal.scope != ALL:   # the operator's: the service says what is wrong
            _pioneer_in_scope(ctx, pioneer_id)
        data = {"review_id": review_id, "pioneer_id": pioneer_id,
                "rater_kind": value_of(rater_kind), "rating": value_of(rating)}
        return ctx.call("pioneer", "rate", data, ctx.principal.sub, ctx.request_of(info))


class ClosePioneerReview(graphene.Mutation):
    class Arguments:
        id = graphene.ID(required=True)

    Output = graphene.NonNull(PioneerReview)

    @staticmethod
    def mutate(_root, info, id):
        ctx = info.context
        ctx.require_writer("closing a pioneer review")
        _review_in_scope(ctx, id)
        return ctx.call("pioneer", "close_review", id, ctx.principal.sub, ctx.request_of(info))


class PairMentor(graphene.Mutation):
    class Arguments:
        mentor_id = graphene.ID(required=True)
        mentee_id = graphene.ID(required=True)

    Output = graphene.NonNull(MentoringPair)

    @staticmethod
    async def mutate(_root, info, mentor_id, mentee_id):
        ctx = info.context
        ctx.require_writer("pairing a mentor")
        await ctx.input_member(mentor_id, "mentorId")
        await ctx.input_member(mentee_id, "menteeId")
        return ctx.call("pioneer", "pair_mentor", mentor_id, mentee_id, ctx.principal.sub,
                        ctx.request_of(info))


class Mutations:
    nominate_pioneer = NominatePioneer.Field()
    decide_pioneer = DecidePioneer.Field()
    open_pioneer_review = OpenPioneerReview.Field()
    rate_pioneer = RatePioneer.Field()
    close_pioneer_review = ClosePioneerReview.Field()
    pair_mentor = PairMentor.Field()
