"""Section "members' practice" of the contract, its households and pledges:
households a member contacts (联户) with their pairing (结对帮扶) and visits,
and members' pledges (亮身份亮承诺). A member's own token writes the records
marked "(self)" (context.require_self_or_writer); settling a pledge is for a
secretary or admin in scope. The activity service decides the rest.

Household.phone is an extra (the contract's Household has none): the number
is shown only inside the member's branch — the member's own token, or a
token scoped to that branch or one of its party groups; to anyone else
(a committee's or the bureau's token, "*") it is null, without an error."""
import graphene
from graphql import GraphQLError

from gateway.auth import ALL, forbidden
from gateway.schema.guard import is_own
from gateway.schema.organisation import Member
from gateway.schema.scalars import Date, PledgeArea, PledgeState, value_of


async def phone_shown(info, household):
    """The caller is inside the household's member's branch."""
    principal = info.context.principal
    if is_own(principal, household["member_id"]):
        return True
    if principal.scope == ALL:
        return False
    if principal.scope == household["branch_id"]:
        return True
    try:
        scope_org = await info.context.org(principal.scope)
    except GraphQLError:
        return False
    return household["branch_id"] in scope_org["path"]


class Household(graphene.ObjectType):
    id = graphene.ID(required=True)
    member = graphene.Field(Member, required=True)
    name = graphene.String(required=True)
    address = graphene.String(required=True)
    in_difficulty = graphene.Boolean(required=True)
    paired_cadre = graphene.Field(Member)
    phone = graphene.String(description="Extra: only inside the member's branch; else null")

    @staticmethod
    async def resolve_member(household, info):
        return await info.context.member_on(household["member_id"], household["registered_on"])

    @staticmethod
    async def resolve_paired_cadre(household, info):
        if not household.get("paired_cadre_id"):
            return None
        return await info.context.member(household["paired_cadre_id"])

    @staticmethod
    async def resolve_phone(household, info):
        return household.get("phone") if await phone_shown(info, household) else None


class HouseholdVisit(graphene.ObjectType):
    id = graphene.ID(required=True)
    household = graphene.Field(Household, required=True)
    member = graphene.Field(Member, required=True)
    on = graphene.Field(Date, required=True)
    note = graphene.String(required=True)

    @staticmethod
    async def resolve_member(visit, info):
        return await info.context.member_on(visit["member_id"], visit["on"])


class Pledge(graphene.ObjectType):
    id = graphene.ID(required=True)
    member = graphene.Field(Member, required=True)
    year = graphene.Int(required=True)
    area = graphene.Field(PledgeArea, required=True)
    content = graphene.String(required=True)
    due = graphene.Field(Date, required=True)
    state = graphene.Field(PledgeState, required=True)
    settled_on = graphene.Field(Date)
    note = graphene.String()

    @staticmethod
    async def resolve_member(pledge, info):
        return await info.context.member_on(pledge["member_id"], pledge["made_on"])


class HouseholdInput(graphene.InputObjectType):
    member_id = graphene.ID(required=True)
    name = graphene.String(required=True)
    address = graphene.String(required=True)
    phone = graphene.String()
    in_difficulty = graphene.Boolean(default_value=False)
    paired_cadre_id = graphene.ID()


class PledgeInput(graphene.InputObjectType):
    member_id = graphene.ID(required=True)
    year = graphene.Int(required=True)
    area = graphene.Field(PledgeArea, required=True)
    content = graphene.String(required=True)
    due = graphene.Field(Date, required=True)


class Queries:
    households = graphene.List(graphene.NonNull(Household), required=True,
                               member_id=graphene.ID(required=True))
    household_visits = graphene.List(graphene.NonNull(HouseholdVisit), required=True,
                                     member_id=graphene.ID(required=True),
                                     year=graphene.Int(required=True))
    pledges = graphene.List(graphene.NonNull(Pledge), required=True,
                            org_id=graphene.ID(required=True), year=graphene.Int(required=True))

    @staticmethod
    async def resolve_households(_root, info, member_id):
        await info.context.readable_member(member_id)
        return info.context.call("activity", "households_of", member_id)

    @staticmethod
    async def resolve_household_visits(_root, info, member_id, year):
        await info.context.readable_member(member_id)
        return info.context.call("activity", "household_visits", member_id, year)

    @staticmethod
    async def resolve_pledges(_root, info, org_id, year):
        await info.context.visible_org(org_id)
        return info.context.call("activity", "list_pledges", org_id, year)


def _one(ctx, method, object_id, noun, field):
    """The household or pledge ``object_id`` a mutation acts on, if the
    caller may see it (its member's own token, or a token whose subtree
    holds the member's branch). Below "*", one that does not exist gets the
    same FORBIDDEN as one outside the scope."""
    found = ctx.call("activity", method, [object_id])
    thing = found[0] if found else None
    if thing is None and ctx.principal.scope == ALL:
        raise GraphQLError(f"{field}: there is no {noun} {object_id}",
                           extensions={"code": "NOT_FOUND", "field": field})
    if thing is None or not (ctx.principal.sees(thing["branch_path"])
                             or is_own(ctx.principal, thing["member_id"])):
        raise forbidden(f"{noun} {object_id} is outside what you may see")
    return thing


class RegisterHousehold(graphene.Mutation):
    class Arguments:
        input = HouseholdInput(required=True)

    Output = graphene.NonNull(Household)

    @staticmethod
    async def mutate(_root, info, input):
        ctx = info.context
        await ctx.require_self_or_writer(input["member_id"], "registering a household")
        data = {"member_id": input["member_id"], "name": input["name"],
                "address": input["address"], "phone": input.get("phone"),
                "in_difficulty": bool(input.get("in_difficulty")),
                "paired_cadre_id": input.get("paired_cadre_id")}
        return ctx.call("activity", "register_household", data, ctx.principal.sub,
                        ctx.request_of(info), roles=ctx.roles)


class LogHouseholdVisit(graphene.Mutation):
    class Arguments:
        household_id = graphene.ID(required=True)
        on = graphene.Argument(Date, required=True)
        note = graphene.String(required=True)

    Output = graphene.NonNull(HouseholdVisit)

    @staticmethod
    async def mutate(_root, info, household_id, on, note):
        ctx = info.context
        household = _one(ctx, "get_households", household_id, "household", "householdId")
        if not ctx.is_self(household["member_id"]):
            if not ctx.principal.may_write:
                raise forbidden("logging a visit needs the admin or secretary role, or the "
                                "member's own token; viewers and members cannot change "
                                "others' records")
            if not ctx.principal.sees(household["branch_path"]):
                raise forbidden(f"household {household_id} is outside what you may see")
        return ctx.call("activity", "log_household_visit", household_id, on, note,
                        ctx.principal.sub, ctx.request_of(info), roles=ctx.roles)


class MakePledge(graphene.Mutation):
    class Arguments:
        input = PledgeInput(required=True)

    Output = graphene.NonNull(Pledge)

    @staticmethod
    async def mutate(_root, info, input):
        ctx = info.context
        await ctx.require_self_or_writer(input["member_id"], "making a pledge")
        data = {"member_id": input["member_id"], "year": input["year"],
                "area": value_of(input["area"]), "content": input["content"],
                "due": input["due"]}
        return ctx.call("activity", "make_pledge", data, ctx.principal.sub,
                        ctx.request_of(info), roles=ctx.roles)


class SettlePledge(graphene.Mutation):
    class Arguments:
        id = graphene.ID(required=True)
        fulfilled = graphene.Boolean(required=True)
        on = graphene.Argument(Date, required=True)
        note = graphene.String()

    Output = graphene.NonNull(Pledge)

    @staticmethod
    async def mutate(_root, info, id, fulfilled, on, note=None):
        ctx = info.context
        ctx.require_writer("settling a pledge")
        pledge = _one(ctx, "get_pledges", id, "pledge", "id")
        if not ctx.principal.sees(pledge["branch_path"]):
            raise forbidden(f"pledge {id} is outside what you may see")
        return ctx.call("activity", "settle_pledge", id, fulfilled, on, note,
                        ctx.principal.sub, ctx.request_of(info), roles=ctx.roles)


class Mutations:
    register_household = RegisterHousehold.Field()
    log_household_visit = LogHouseholdVisit.Field()
    make_pledge = MakePledge.Field()
    settle_pledge = SettlePledge.Field()
