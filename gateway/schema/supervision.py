"""Section "supervision" of the contract: quotas, closing a period, and the
items opened for quotas missed."""
import graphene

from gateway.schema.organisation import Organization
from gateway.schema.scalars import DateTime, QuotaStatus, SupervisionState, value_of


class QuotaResult(graphene.ObjectType):
    rule = graphene.String(required=True)
    subject_id = graphene.ID(required=True)
    period = graphene.String(required=True)
    required = graphene.Int(required=True)
    actual = graphene.Int(required=True)
    status = graphene.Field(QuotaStatus, required=True)


class Compliance(graphene.ObjectType):
    org_id = graphene.ID(required=True)
    period = graphene.String(required=True)
    results = graphene.List(graphene.NonNull(QuotaResult), required=True)


class SupervisionItem(graphene.ObjectType):
    id = graphene.ID(required=True)
    org = graphene.Field(Organization, required=True)
    rule = graphene.String(required=True)
    period = graphene.String(required=True)
    state = graphene.Field(SupervisionState, required=True)
    opened_at = graphene.Field(DateTime, required=True)

    @staticmethod
    async def resolve_org(item, info):
        return await info.context.org(item["org_id"])


class Queries:
    compliance = graphene.Field(Compliance, required=True, org_id=graphene.ID(required=True),
                                period=graphene.String(required=True))
    supervision_items = graphene.List(
        graphene.NonNull(SupervisionItem), required=True, org_id=graphene.ID(required=True),
        state=graphene.Argument(SupervisionState))

    @staticmethod
    async def resolve_compliance(_root, info, org_id, period):
        await info.context.visible_org(org_id)
        return info.context.call("supervision", "compliance", org_id, period)

    @staticmethod
    async def resolve_supervision_items(_root, info, org_id, state=None):
        await info.context.visible_org(org_id)
        return info.context.call("supervision", "supervision_items", org_id, value_of(state))


class ClosePeriod(graphene.Mutation):
    class Arguments:
        org_id = graphene.ID(required=True)
        period = graphene.String(required=True)

    Output = graphene.NonNull(Compliance)

    @staticmethod
    async def mutate(_root, info, org_id, period):
        ctx = info.context
        ctx.require_writer("closing a period")
        await ctx.visible_org(org_id)
        return ctx.call("supervision", "close_period", org_id, period, ctx.principal.sub,
                        ctx.principal.is_admin, ctx.request_of(info))


class Mutations:
    close_period = ClosePeriod.Field()
