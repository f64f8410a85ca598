"""Section "supervision" of the contract: quotas, closing a period, and the
items opened for quotas missed, with their lifecycle (督办: 交办、报告、销号、
责任追究). Who may move an item is judged here on the item's organisation: a
writer whose scope contains it reports (the branch itself, or anyone above);
only a writer whose scope is strictly above it closes or escalates, so a
branch never closes its own item. The supervision service judges the move
itself (CONFLICT, a blank report or note)."""
import graphene
from gateway.auth import ALL, forbidden
from gateway.schema.organisation import Organization
from gateway.schema.scalars import Date, DateTime, QuotaStatus, SupervisionState, value_of


# A city-year compliance is 336,000 results (the member quotas of 60,000
# members): seconds of supervision's work, and tens of MB to send; more than
# a look-up's time.
COMPLIANCE_RPC_TIMEOUT = 30


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


class ItemTransition(graphene.ObjectType):
    state = graphene.Field(SupervisionState, required=True)
    at = graphene.Field(DateTime, required=True)
    by = graphene.String(required=True)
    note = graphene.String()


class SupervisionItem(graphene.ObjectType):
    id = graphene.ID(required=True)
    org = graphene.Field(Organization, required=True)
    rule = graphene.String(required=True)
    period = graphene.String(required=True)
    state = graphene.Field(SupervisionState, required=True)
    opened_at = graphene.Field(DateTime, required=True)
    due_on = graphene.Field(Date, required=True)
    report = graphene.String()
    history = graphene.List(graphene.NonNull(ItemTransition), required=True)

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
        return info.context.call_patiently(COMPLIANCE_RPC_TIMEOUT, "supervision", "compliance",
                                           org_id, period)

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


def strictly_above(principal, item):
    """The caller's scope holds the item's organisation and is not that
    organisation itself: the committee or bureau above a branch, "*"."""
    return principal.scope == ALL or (principal.sees(item["org_path"])
                                      and principal.scope != item["org_id"])


def _item_in_scope(ctx, item_id, what, above=None):
    """The item, once the caller may make ``what`` on it: a writer who sees
    it, and for a move named ``above`` ("close", "escalate") one whose scope
    is strictly above its organisation. Below "*", an item that does not
    exist is FORBIDDEN in the same words as one outside the scope."""
    ctx.require_writer(what)
    item = ctx.named("supervision", "supervision_item", item_id, "supervision item",
                     "org_path")
    if above and not strictly_above(ctx.principal, item):
        raise forbidden(f"{what} needs a scope strictly above the item's organisation (the "
                        f"committee or bureau above it); an organisation does not {above} "
                        "its own item")
    return item


class ReportSupervisionItem(graphene.Mutation):
    class Arguments:
        id = graphene.ID(required=True)
        report = graphene.String(required=True)

    Output = graphene.NonNull(SupervisionItem)

    @staticmethod
    def mutate(_root, info, id, report):
        ctx = info.context
        _item_in_scope(ctx, id, "reporting on a supervision item")
        return ctx.call("supervision", "report_supervision_item", id, report,
                        ctx.principal.sub, ctx.request_of(info))


class CloseSupervisionItem(graphene.Mutation):
    class Arguments:
        id = graphene.ID(required=True)
        note = graphene.String()

    Output = graphene.NonNull(SupervisionItem)

    @staticmethod
    def mutate(_root, info, id, note=None):
        ctx = info.context
        _item_in_scope(ctx, id, "closing a supervision item (销号)", above="close")
        return ctx.call("supervision", "close_supervision_item", id, note,
                        ctx.principal.sub, ctx.request_of(info))


class EscalateSupervisionItem(graphene.Mutation):
    class Arguments:
        id = graphene.ID(required=True)
        note = graphene.String(required=True)

    Output = graphene.NonNull(SupervisionItem)

    @staticmethod
    def mutate(_root, info, id, note):
        ctx = info.context
        _item_in_scope(ctx, id, "escalating a supervision item (责任追究)",
                       above="escalate")
        return ctx.call("supervision", "escalate_supervision_item", id, note,
                        ctx.principal.sub, ctx.request_of(info))


class Mutations:
    close_period = ClosePeriod.Field()
    report_supervision_item = ReportSupervisionItem.Field()
    close_supervision_item = CloseSupervisionItem.Field()
    escalate_supervision_item = EscalateSupervisionItem.Field()
