"""Section "scoring" of the contract: a member's points, manual adjustments
(手工调整) and dues (缴纳党费), points by four-qualified dimension (四个合格)
and dual records (双记实).

Writes are an admin's or secretary's, for a member in their subtree on the
day the posting counts for (a member's own token adjusts nothing). What a
reader sees of a member's year follows the points summary: a caller who
did not see the member all year (a transfer across bureaus) is shown the
dimensions of the entries they see only."""
import datetime as dt

import graphene

from gateway.auth import ALL, forbidden
from gateway.schema.guard import ON_DAY, membership_on, sees_member, sees_membership
from gateway.schema.scalars import Date, Dimension
from shared import clock
from shared.vocabulary import CADRE_ROLES, DIMENSIONS

MEMBER = "gateway.schema.organisation.Member"


class CategoryPoints(graphene.ObjectType):
    category = graphene.String(required=True)
    points = graphene.Float(required=True)


class PointEntry(graphene.ObjectType):
    id = graphene.ID(required=True)
    rule = graphene.String(required=True)
    category = graphene.String(required=True)
    points = graphene.Float(required=True)
    source_event = graphene.ID()
    occurred_on = graphene.Field(Date, required=True)
    reason = graphene.String()
    adjusted_by = graphene.String()
    dimension = graphene.Field(Dimension)

    @staticmethod
    def resolve_adjusted_by(entry, _info):
        return entry.get("adjusted_by")

    @staticmethod
    def resolve_dimension(entry, _info):
        return entry.get("dimension")


class PointsSummary(graphene.ObjectType):
    member_id = graphene.ID(required=True)
    year = graphene.Int(required=True)
    total = graphene.Float(required=True)
    by_category = graphene.List(graphene.NonNull(CategoryPoints), required=True)
    entries = graphene.List(graphene.NonNull(PointEntry), required=True)


class DimensionScore(graphene.ObjectType):
    dimension = graphene.Field(Dimension, required=True)
    score = graphene.Float(required=True)


class DualRecord(graphene.ObjectType):
    member = graphene.Field(MEMBER, required=True)
    year = graphene.Int(required=True)
    cadre = graphene.Boolean(required=True)
    activity_days = graphene.Int(required=True)
    org_life_meetings = graphene.Int(required=True)
    dual_org_life = graphene.Int(required=True)
    democratic_life_meetings = graphene.Int(required=True)
    grassroots_visits = graphene.Int(required=True)
    dues_months_paid = graphene.Int(required=True)
    volunteer_services = graphene.Int(required=True)


class AdjustmentInput(graphene.InputObjectType):
    member_id = graphene.ID(required=True)
    points = graphene.Float(required=True)
    category = graphene.String(required=True)
    reason = graphene.String(required=True)
    on = graphene.Field(Date, required=True)


def _day(text):
    """An ISO day, or None for one the service will refuse."""
    try:
        return dt.date.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None


def is_cadre(member, day):
    """A leading cadre (领导干部): a CADRE_ROLES role held on ``day``, the day
    the scoring service names for the year (services/scoring/domain/dual_records.py)."""
    from gateway.schema.organisation import roles_on
    return any(r in CADRE_ROLES for r in roles_on(member, day))


def seen_all_year(principal, member, year):
    """The caller saw the member through every membership overlapping the year."""
    if principal.scope == ALL:
        return True
    first, last = f"{year:04d}-01-01", f"{year + 1:04d}-01-01"
    periods = member.get("history") or [membership_on(member)]
    for period in periods:
        starts, ends = period.get("valid_from"), period.get("valid_to")
        if (starts is None or starts < last) and (ends is None or ends > first) and \
                not sees_membership(principal, period):
            return False
    return True


async def _member_as_of(ctx, member_id, day, field="memberId"):
    """The member named in a write, seen by the caller today and on ``day``
    (the day the posting counts for); FORBIDDEN in the same words otherwise."""
    member = await ctx.input_member(member_id, field)
    if day is not None and not sees_member(ctx.principal, member, day.isoformat()):
        raise forbidden(f"member {member_id} is outside what you may see")
    return member


def _bureau_on(member, day):
    path = membership_on(member, day.isoformat() if day else None)["branch_path"]
    return path[1] if len(path) > 1 else member.get("bureau_id")


class Queries:
    dual_record = graphene.Field(graphene.NonNull(DualRecord), member_id=graphene.ID(
        required=True), year=graphene.Int(required=True))
    four_qualified = graphene.List(graphene.NonNull(DimensionScore), required=True,
                                   member_id=graphene.ID(required=True),
                                   year=graphene.Int(required=True))

    @staticmethod
    async def resolve_dual_record(_root, info, member_id, year):
        ctx = info.context
        member = await ctx.visible_member(member_id)
        answer = ctx.call("scoring", "dual_records", [member_id], year)
        return {"member": member, "year": year,
                "cadre": is_cadre(member, answer["cadre_day"]),
                **answer["records"][member_id]}

    @staticmethod
    async def resolve_four_qualified(_root, info, member_id, year):
        ctx = info.context
        member = await ctx.visible_member(member_id)
        if seen_all_year(ctx.principal, member, year):
            sums = ctx.call("scoring", "four_qualified", [member_id], year)[member_id]
            return [{"dimension": s["dimension"], "score": s["points"]} for s in sums]
        # points earned where the caller did not see the member are left out
        summary = await ctx.points.load((member_id, year))
        sums = dict.fromkeys(DIMENSIONS, 0.0)
        for entry in summary["entries"]:
            if entry.get("dimension") in sums and sees_membership(
                    ctx.principal, membership_on(member, entry["occurred_on"])):
                sums[entry["dimension"]] += entry["points"]
        return [{"dimension": d, "score": p} for d, p in sums.items()]


class AdjustPoints(graphene.Mutation):
    class Arguments:
        input = AdjustmentInput(required=True)

    Output = graphene.NonNull(PointEntry)

    @staticmethod
    async def mutate(_root, info, input):
        ctx = info.context
        ctx.require_writer("adjusting points")
        on = _day(input["on"])
        member = await _member_as_of(ctx, input["member_id"], on)
        data = {"member_id": input["member_id"], "bureau_id": _bureau_on(member, on),
                "points": input["points"], "category": input["category"],
                "reason": input["reason"], "on": input["on"]}
        entry = ctx.call("scoring", "adjust_points", data, ctx.principal.sub,
                         ctx.request_of(info))
        return {**entry, ON_DAY: membership_on(member, entry["occurred_on"])}


def _month_day(month, today):
    """The day a month's dues count for (its last, or today for this month),
    or None for a month the service will refuse."""
    try:
        first = dt.date.fromisoformat(f"{month}-01") if isinstance(month, str) else None
    except ValueError:
        return None
    if first is None:
        return None
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return min(following - dt.timedelta(days=1), today)


class RecordDues(graphene.Mutation):
    class Arguments:
        member_id = graphene.ID(required=True)
        month = graphene.String(required=True)
        amount = graphene.Float(required=True)

    Output = graphene.NonNull(PointEntry)

    @staticmethod
    async def mutate(_root, info, member_id, month, amount):
        ctx = info.context
        ctx.require_writer("recording dues")
        day = _month_day(month, clock.today())
        member = await _member_as_of(ctx, member_id, day)
        data = {"member_id": member_id, "bureau_id": _bureau_on(member, day),
                "month": month, "amount": amount}
        entry = ctx.call("scoring", "record_dues", data, ctx.principal.sub,
                         ctx.request_of(info))
        return {**entry, ON_DAY: membership_on(member, entry["occurred_on"])}


class Mutations:
    adjust_points = AdjustPoints.Field()
    record_dues = RecordDues.Field()
