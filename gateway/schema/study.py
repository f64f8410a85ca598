"""Section "study" of the contract: annual plans (S1, A2), theme proposals
(S7), self-study plans and logs (S4). A member's own token may write the
records marked "(self)" (context.require_self_or_writer) and read its own
self-study; everything else follows the usual scope rules."""
import graphene

from gateway.schema.organisation import Member, Organization
from gateway.schema.scalars import (ActivityKind, Date, PlanKind, SelfStudyKind, ThemeSource,
                                    value_of)


class PlanItem(graphene.ObjectType):
    month = graphene.Int(required=True)
    kind = graphene.Field(ActivityKind, required=True)
    theme = graphene.String(required=True)
    source = graphene.Field(ThemeSource, required=True)
    held = graphene.Boolean(required=True)


class AnnualPlan(graphene.ObjectType):
    id = graphene.ID(required=True)
    org = graphene.Field(Organization, required=True)
    year = graphene.Int(required=True)
    kind = graphene.Field(PlanKind, required=True)
    filed_on = graphene.Field(Date, required=True)
    items = graphene.List(graphene.NonNull(PlanItem), required=True)

    @staticmethod
    async def resolve_org(plan, info):
        return await info.context.org(plan["org_id"])


class ThemeProposal(graphene.ObjectType):
    id = graphene.ID(required=True)
    org = graphene.Field(Organization, required=True)
    proposer = graphene.Field(Member, required=True)
    theme = graphene.String(required=True)
    proposed_on = graphene.Field(Date, required=True)
    adopted = graphene.Boolean(required=True)

    @staticmethod
    async def resolve_org(proposal, info):
        return await info.context.org(proposal["org_id"])

    @staticmethod
    async def resolve_proposer(proposal, info):
        return await info.context.member_on(proposal["member_id"], proposal["proposed_on"])


class SelfStudyPlan(graphene.ObjectType):
    member = graphene.Field(Member, required=True)
    year = graphene.Int(required=True)
    goals = graphene.String(required=True)
    content = graphene.String(required=True)
    schedule = graphene.String(required=True)
    safeguards = graphene.String(required=True)
    filed_on = graphene.Field(Date, required=True)

    @staticmethod
    async def resolve_member(plan, info):
        return await info.context.member(plan["member_id"])


class SelfStudyEntry(graphene.ObjectType):
    id = graphene.ID(required=True)
    member = graphene.Field(Member, required=True)
    on = graphene.Field(Date, required=True)
    kind = graphene.Field(SelfStudyKind, required=True)
    title = graphene.String(required=True)
    minutes = graphene.Int(required=True)
    evidence = graphene.String()

    @staticmethod
    async def resolve_member(entry, info):
        return await info.context.member_on(entry["member_id"], entry["on"])


class PlanItemInput(graphene.InputObjectType):
    month = graphene.Int(required=True)
    kind = graphene.Field(ActivityKind, required=True)
    theme = graphene.String(required=True)
    source = graphene.Field(ThemeSource, default_value=ThemeSource.SUPERIOR.value)


class AnnualPlanInput(graphene.InputObjectType):
    org_id = graphene.ID(required=True)
    year = graphene.Int(required=True)
    kind = graphene.Field(PlanKind, required=True)
    items = graphene.List(graphene.NonNull(PlanItemInput), required=True)


class SelfStudyPlanInput(graphene.InputObjectType):
    member_id = graphene.ID(required=True)
    year = graphene.Int(required=True)
    goals = graphene.String(required=True)
    content = graphene.String(required=True)
    schedule = graphene.String(required=True)
    safeguards = graphene.String(required=True)


class SelfStudyEntryInput(graphene.InputObjectType):
    member_id = graphene.ID(required=True)
    on = graphene.Field(Date, required=True)
    kind = graphene.Field(SelfStudyKind, required=True)
    title = graphene.String(required=True)
    minutes = graphene.Int(required=True)
    evidence = graphene.String()


class Queries:
    annual_plan = graphene.Field(AnnualPlan, org_id=graphene.ID(required=True),
                                 year=graphene.Int(required=True),
                                 kind=graphene.Argument(PlanKind, required=True))
    theme_proposals = graphene.List(graphene.NonNull(ThemeProposal), required=True,
                                    org_id=graphene.ID(required=True),
                                    year=graphene.Int(required=True))
    self_study_plan = graphene.Field(SelfStudyPlan, member_id=graphene.ID(required=True),
                                     year=graphene.Int(required=True))
    self_study_log = graphene.List(
        graphene.NonNull(SelfStudyEntry), required=True, member_id=graphene.ID(required=True),
        date_from=graphene.Argument(Date, required=True, name="from"),
        to=graphene.Argument(Date, required=True))

    @staticmethod
    async def resolve_annual_plan(_root, info, org_id, year, kind):
        await info.context.visible_org(org_id)
        return info.context.call("study", "annual_plan", org_id, year, value_of(kind))

    @staticmethod
    async def resolve_theme_proposals(_root, info, org_id, year):
        await info.context.visible_org(org_id)
        return info.context.call("study", "theme_proposals", org_id, year)

    @staticmethod
    async def resolve_self_study_plan(_root, info, member_id, year):
        await info.context.readable_member(member_id)
        return info.context.call("study", "self_study_plan", member_id, year)

    @staticmethod
    async def resolve_self_study_log(_root, info, member_id, date_from, to):
        await info.context.readable_member(member_id)
        return info.context.call("study", "self_study_log", member_id, date_from, to)


class FileAnnualPlan(graphene.Mutation):
    class Arguments:
        input = AnnualPlanInput(required=True)

    Output = graphene.NonNull(AnnualPlan)

    @staticmethod
    async def mutate(_root, info, input):
        ctx = info.context
        ctx.require_writer("filing an annual plan")
        await ctx.input_org(input["org_id"], "orgId")
        data = {"org_id": input["org_id"], "year": input["year"], "kind": value_of(input["kind"]),
                "items": [{"month": i["month"], "kind": value_of(i["kind"]), "theme": i["theme"],
                           "source": value_of(i.get("source"))} for i in input["items"]]}
        return ctx.call("study", "file_annual_plan", data, ctx.principal.sub,
                        ctx.request_of(info), roles=ctx.roles)


class ProposeTheme(graphene.Mutation):
    class Arguments:
        org_id = graphene.ID(required=True)
        member_id = graphene.ID(required=True)
        theme = graphene.String(required=True)

    Output = graphene.NonNull(ThemeProposal)

    @staticmethod
    async def mutate(_root, info, org_id, member_id, theme):
        ctx = info.context
        member = await ctx.require_self_or_writer(member_id, "proposing a theme")
        if ctx.is_self(member_id):
            await ctx.org_of_member(org_id, member)
        else:
            await ctx.input_org(org_id, "orgId")
        return ctx.call("study", "propose_theme", org_id, member_id, theme, ctx.principal.sub,
                        ctx.request_of(info), roles=ctx.roles)


class FileSelfStudyPlan(graphene.Mutation):
    class Arguments:
        input = SelfStudyPlanInput(required=True)

    Output = graphene.NonNull(SelfStudyPlan)

    @staticmethod
    async def mutate(_root, info, input):
        ctx = info.context
        await ctx.require_self_or_writer(input["member_id"], "filing a self-study plan")
        data = {k: input[k] for k in ("member_id", "year", "goals", "content", "schedule",
                                      "safeguards")}
        return ctx.call("study", "file_self_study_plan", data, ctx.principal.sub,
                        ctx.request_of(info), roles=ctx.roles)


class LogSelfStudy(graphene.Mutation):
    class Arguments:
        input = SelfStudyEntryInput(required=True)

    Output = graphene.NonNull(SelfStudyEntry)

    @staticmethod
    async def mutate(_root, info, input):
        ctx = info.context
        await ctx.require_self_or_writer(input["member_id"], "logging self-study")
        data = {"member_id": input["member_id"], "on": input["on"],
                "kind": value_of(input["kind"]), "title": input["title"],
                "minutes": input["minutes"], "evidence": input.get("evidence")}
        return ctx.call("study", "log_self_study", data, ctx.principal.sub,
                        ctx.request_of(info), roles=ctx.roles)


class Mutations:
    file_annual_plan = FileAnnualPlan.Field()
    propose_theme = ProposeTheme.Field()
    file_self_study_plan = FileSelfStudyPlan.Field()
    log_self_study = LogSelfStudy.Field()
