"""Section "scoring" of the contract, branch ratings (星级评定, 晋位升级):
every branch of a subtree rated for a year, best first. The supervision
service rates them (services/supervision/rating_views.py); each branch is
shown as an Organization, checked against the caller's subtree like any."""
import graphene

from gateway.schema.organisation import Organization

# A city's ratings read its whole year and ask scoring for 60,000 members'
# totals: more than a look-up's time.
RATINGS_RPC_TIMEOUT = 30


class BranchRating(graphene.ObjectType):
    branch = graphene.Field(Organization, required=True)
    year = graphene.Int(required=True)
    score = graphene.Float(required=True)
    stars = graphene.Int(required=True)
    change = graphene.Int(required=True)
    compliance = graphene.Float(required=True)
    points = graphene.Float(required=True)
    supervision = graphene.Float(required=True)

    @staticmethod
    async def resolve_branch(rating, info):
        return await info.context.org(rating["branch_id"])


class Queries:
    branch_ratings = graphene.List(graphene.NonNull(BranchRating), required=True,
                                   org_id=graphene.ID(required=True),
                                   year=graphene.Int(required=True))

    @staticmethod
    async def resolve_branch_ratings(_root, info, org_id, year):
        ctx = info.context
        await ctx.visible_org(org_id)
        return ctx.call_patiently(RATINGS_RPC_TIMEOUT, "supervision", "branch_ratings",
                                  org_id, year)
