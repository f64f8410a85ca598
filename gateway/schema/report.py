"""Section "supervision" of the contract, reports (U5: 月调度 / 季督查 / 年中观摩 /
年底述职): ``report`` of an organisation for a kind and period, one row per
branch, as the supervision service counts them (report_views.py). The same
report as a workbook is gateway/reports.py's. Each row's branch is shown as
an Organization, checked against the caller's subtree like any."""
import graphene

from gateway.schema.organisation import Organization
from gateway.schema.scalars import value_of
from shared.vocabulary import REPORT_KINDS

# A city's report reads seventeen periods of 2,000 branches and asks scoring
# for 60,000 members' totals: more than a look-up's time.
REPORT_RPC_TIMEOUT = 30

ReportKind = graphene.Enum("ReportKind", [(k, k) for k in REPORT_KINDS])


class ReportRow(graphene.ObjectType):
    org = graphene.Field(Organization, required=True)
    quotas_met = graphene.Int(required=True)
    quotas_missed = graphene.Int(required=True)
    quotas_pending = graphene.Int(required=True)
    items_open = graphene.Int(required=True)
    items_closed = graphene.Int(required=True)
    items_escalated = graphene.Int(required=True)
    average_points = graphene.Float(required=True)

    @staticmethod
    async def resolve_org(row, info):
        return await info.context.org(row["org_id"])


class Report(graphene.ObjectType):
    org = graphene.Field(Organization, required=True)
    kind = graphene.Field(ReportKind, required=True)
    period = graphene.String(required=True)
    rows = graphene.List(graphene.NonNull(ReportRow), required=True)
    # extra (not in the contract): pioneer titles of the subtree's committees
    # withdrawn (摘牌, V3) within the period, which the bureau's yearly report counts
    titles_withdrawn = graphene.Int(required=True)

    @staticmethod
    async def resolve_org(report, info):
        return await info.context.org(report["org_id"])


async def fetch(ctx, org_id, kind, period, details=False):
    """The report as the service counts it, once the caller may see the
    organisation: {"org_id", "org_path", "kind", "period", "rows"} (and
    "results" and "items" with ``details``)."""
    org = await ctx.visible_org(org_id)
    answer = ctx.call_patiently(REPORT_RPC_TIMEOUT, "supervision", "report", org_id, kind,
                                period, details)
    return {**answer, "org_id": org_id, "org_path": org["path"], "org_name": org["name"],
            "kind": kind}


class Queries:
    report = graphene.Field(Report, required=True, org_id=graphene.ID(required=True),
                            kind=graphene.Argument(ReportKind, required=True),
                            period=graphene.String(required=True))

    @staticmethod
    async def resolve_report(_root, info, org_id, kind, period):
        return await fetch(info.context, org_id, value_of(kind), period)
