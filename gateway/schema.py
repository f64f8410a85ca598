"""The GraphQL schema: ../shared/contract/core.graphql, served exactly, plus
a few optional extras (marked). Resolvers only translate to RPC calls and
check the caller's scope; the services decide everything else."""
import datetime as dt

import graphene
from graphql import GraphQLError

from gateway.auth import ALL, forbidden


def _value(x):
    return getattr(x, "value", x)


# -- scalars and enums ------------------------------------------------------------

class Date(graphene.Scalar):
    """A calendar day, "2017-06-03". Checked by the service that receives it,
    so a wrong day is reported as BAD_INPUT naming the field."""

    @staticmethod
    def serialize(value):
        return value.isoformat() if isinstance(value, dt.date) else str(value)

    @staticmethod
    def parse_value(value):
        return value

    @staticmethod
    def parse_literal(node, _variables=None):
        return getattr(node, "value", None)


class DateTime(graphene.Scalar):
    """A moment with its offset, "2017-06-03T09:30:00+08:00"."""

    @staticmethod
    def serialize(value):
        return value.isoformat() if isinstance(value, dt.datetime) else str(value)

    @staticmethod
    def parse_value(value):
        return value

    @staticmethod
    def parse_literal(node, _variables=None):
        return getattr(node, "value", None)


def _enum(name, values):
    return graphene.Enum(name, [(v, v) for v in values])


OrgKind = _enum("OrgKind", ["CITY", "BUREAU", "COMMITTEE", "BRANCH", "GROUP"])
ActivityKind = _enum("ActivityKind", [
    "ACTIVITY_DAY", "GENERAL_MEETING", "COMMITTEE_MEETING", "GROUP_MEETING", "PARTY_LECTURE",
    "VOLUNTEER_SERVICE", "ORG_LIFE_MEETING", "DEMOCRATIC_LIFE_MEETING", "CENTRAL_GROUP_STUDY",
    "WINTER_TRAINING"])
AttendanceStatus = _enum("AttendanceStatus", ["PRESENT", "EXCUSED", "ABSENT"])
QuotaStatus = _enum("QuotaStatus", ["MET", "PENDING", "MISSED"])
SupervisionState = _enum("SupervisionState", ["ASSIGNED", "REPORTED", "CLOSED", "ESCALATED"])


# -- what a request knows ------------------------------------------------------------

class RequestContext:
    """The caller and a per-request cache of what has been looked up."""

    def __init__(self, principal, rpc):
        self.principal = principal
        self.rpc = rpc
        self._orgs = {}
        self._members = {}

    def call(self, service, method, *args):
        return self.rpc.call(service, method, *args)

    def org(self, org_id):
        if org_id not in self._orgs:
            self._orgs[org_id] = self.call("organization", "get_organization", org_id)
        return self._orgs[org_id]

    def visible_org(self, org_id):
        org = self.org(org_id)
        if not self.principal.sees(org["path"]):
            raise forbidden(f"organisation {org_id} is outside what you may see")
        return org

    @staticmethod
    def _named_in_input(lookup, key, field, noun):
        """Something named in a mutation's input: one that does not exist
        makes the input bad (BAD_INPUT), not the request's target missing."""
        try:
            return lookup(key)
        except GraphQLError as exc:
            if (exc.extensions or {}).get("code") != "NOT_FOUND":
                raise
            raise GraphQLError(f"{field}: there is no {noun} {key}",
                               extensions={"code": "BAD_INPUT", "field": field}) from None

    def input_org(self, org_id, field):
        return self._named_in_input(self.visible_org, org_id, field, "organisation")

    def input_member(self, member_id, field):
        return self._named_in_input(self.visible_member, member_id, field, "member")

    def member(self, member_id):
        if member_id not in self._members:
            self._members[member_id] = self.call("organization", "get_member", member_id)
        return self._members[member_id]

    def prefetch_members(self, member_ids):
        missing = [m for m in dict.fromkeys(member_ids) if m not in self._members]
        if missing:
            for member in self.call("organization", "get_members", missing):
                self._members[member["id"]] = member

    def visible_member(self, member_id):
        member = self.member(member_id)
        if not self.principal.sees(member["branch_path"]):
            raise forbidden(f"member {member_id} is outside what you may see")
        return member

    def require_writer(self, what):
        if not self.principal.may_write:
            raise forbidden(f"{what} needs the admin or secretary role; viewers and "
                            "members cannot change others' records")


# -- types ------------------------------------------------------------------------

class Organization(graphene.ObjectType):
    id = graphene.ID(required=True)
    name = graphene.String(required=True)
    kind = graphene.Field(OrgKind, required=True)
    parent = graphene.Field(lambda: Organization)
    children = graphene.List(graphene.NonNull(lambda: Organization), required=True)
    members = graphene.List(graphene.NonNull(lambda: Member), required=True)

    @staticmethod
    def resolve_parent(org, info):
        if not org.get("parent_id"):
            return None
        return info.context.visible_org(org["parent_id"])

    @staticmethod
    def resolve_children(org, info):
        return info.context.call("organization", "children", org["id"])

    @staticmethod
    def resolve_members(org, info):
        members = info.context.call("organization", "members_of", org["id"])
        for member in members:
            info.context._members.setdefault(member["id"], member)
        return members


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


class PointsSummary(graphene.ObjectType):
    member_id = graphene.ID(required=True)
    year = graphene.Int(required=True)
    total = graphene.Float(required=True)
    by_category = graphene.List(graphene.NonNull(CategoryPoints), required=True)
    entries = graphene.List(graphene.NonNull(PointEntry), required=True)


class Member(graphene.ObjectType):
    id = graphene.ID(required=True)
    name = graphene.String(required=True)
    branch = graphene.Field(Organization, required=True)
    roles = graphene.List(graphene.NonNull(graphene.String), required=True)
    points = graphene.Field(PointsSummary, required=True, year=graphene.Int(required=True))

    @staticmethod
    def resolve_branch(member, info):
        return info.context.org(member["branch_id"])

    @staticmethod
    def resolve_points(member, info, year):
        return info.context.call("scoring", "points_summary", member["id"], year)


class Attendance(graphene.ObjectType):
    member = graphene.Field(Member, required=True)
    status = graphene.Field(AttendanceStatus, required=True)
    reason = graphene.String()

    @staticmethod
    def resolve_member(line, info):
        return info.context.member(line["member_id"])


class Activity(graphene.ObjectType):
    id = graphene.ID(required=True)
    org = graphene.Field(Organization, required=True)
    kind = graphene.Field(ActivityKind, required=True)
    theme = graphene.String(required=True)
    held_on = graphene.Field(Date, required=True)
    attendance = graphene.List(graphene.NonNull(Attendance), required=True)
    speaker = graphene.Field(Member, description="Extra: who gave the lecture or keynote.")

    @staticmethod
    def resolve_org(activity, info):
        return info.context.org(activity["org_id"])

    @staticmethod
    def resolve_attendance(activity, info):
        info.context.prefetch_members([a["member_id"] for a in activity["attendance"]])
        return activity["attendance"]

    @staticmethod
    def resolve_speaker(activity, info):
        return info.context.member(activity["speaker_id"]) if activity.get("speaker_id") else None


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
    def resolve_org(item, info):
        return info.context.org(item["org_id"])


# -- inputs -----------------------------------------------------------------------

class OrganizationInput(graphene.InputObjectType):
    name = graphene.String(required=True)
    kind = graphene.Field(OrgKind, required=True)
    parent_id = graphene.ID()


class MemberInput(graphene.InputObjectType):
    name = graphene.String(required=True)
    branch_id = graphene.ID(required=True)
    roles = graphene.List(graphene.NonNull(graphene.String))
    group_id = graphene.ID(description="Extra: the party group within the branch.")
    joined_on = graphene.Field(Date, description="Extra: first day of membership of the "
                               "branch; unset means since before records began.")


class AttendanceInput(graphene.InputObjectType):
    member_id = graphene.ID(required=True)
    status = graphene.Field(AttendanceStatus, required=True)
    reason = graphene.String()


class ActivityInput(graphene.InputObjectType):
    org_id = graphene.ID(required=True)
    kind = graphene.Field(ActivityKind, required=True)
    theme = graphene.String(required=True)
    held_on = graphene.Field(Date, required=True)
    attendance = graphene.List(graphene.NonNull(AttendanceInput), required=True)
    speaker_id = graphene.ID(description="Extra: the member who gave the lecture or keynote.")


# -- operations -------------------------------------------------------------------

class Query(graphene.ObjectType):
    organization = graphene.Field(Organization, id=graphene.ID(required=True))
    organizations = graphene.List(
        graphene.NonNull(Organization), required=True,
        description="Extra: the organisations at the top of what the caller may see.")
    member = graphene.Field(Member, id=graphene.ID(required=True))
    activities = graphene.List(
        graphene.NonNull(Activity), required=True, org_id=graphene.ID(required=True),
        date_from=graphene.Argument(Date, required=True, name="from"),
        to=graphene.Argument(Date, required=True))
    compliance = graphene.Field(Compliance, required=True, org_id=graphene.ID(required=True),
                                period=graphene.String(required=True))
    supervision_items = graphene.List(
        graphene.NonNull(SupervisionItem), required=True, org_id=graphene.ID(required=True),
        state=graphene.Argument(SupervisionState))

    @staticmethod
    def resolve_organization(_root, info, id):
        return info.context.visible_org(id)

    @staticmethod
    def resolve_organizations(_root, info):
        ctx = info.context
        if ctx.principal.scope == ALL:
            return ctx.call("organization", "roots")
        return [ctx.visible_org(ctx.principal.scope)]

    @staticmethod
    def resolve_member(_root, info, id):
        return info.context.visible_member(id)

    @staticmethod
    def resolve_activities(_root, info, org_id, date_from, to):
        info.context.visible_org(org_id)
        return info.context.call("activity", "list_activities", org_id, date_from, to)

    @staticmethod
    def resolve_compliance(_root, info, org_id, period):
        info.context.visible_org(org_id)
        return info.context.call("supervision", "compliance", org_id, period)

    @staticmethod
    def resolve_supervision_items(_root, info, org_id, state=None):
        info.context.visible_org(org_id)
        return info.context.call("supervision", "supervision_items", org_id, _value(state))


class CreateOrganization(graphene.Mutation):
    class Arguments:
        input = OrganizationInput(required=True)

    Output = graphene.NonNull(Organization)

    @staticmethod
    def mutate(_root, info, input):
        ctx = info.context
        if not ctx.principal.is_admin:
            raise forbidden("creating an organisation needs the admin role")
        if input.get("parent_id"):
            ctx.input_org(input["parent_id"], "parentId")
        elif ctx.principal.scope != ALL:
            raise forbidden("only an installation-wide admin may create a top-level "
                            "organisation")
        return ctx.call("organization", "create_organization", {
            "name": input["name"], "kind": _value(input["kind"]),
            "parent_id": input.get("parent_id")}, ctx.principal.sub)


class RegisterMember(graphene.Mutation):
    class Arguments:
        input = MemberInput(required=True)

    Output = graphene.NonNull(Member)

    @staticmethod
    def mutate(_root, info, input):
        ctx = info.context
        ctx.require_writer("registering a member")
        ctx.input_org(input["branch_id"], "branchId")
        return ctx.call("organization", "register_member", {
            "name": input["name"], "branch_id": input["branch_id"],
            "roles": input.get("roles"), "group_id": input.get("group_id"),
            "joined_on": input.get("joined_on")}, ctx.principal.sub)


class RecordActivity(graphene.Mutation):
    class Arguments:
        input = ActivityInput(required=True)

    Output = graphene.NonNull(Activity)

    @staticmethod
    def mutate(_root, info, input):
        ctx = info.context
        ctx.require_writer("recording an activity")
        ctx.input_org(input["org_id"], "orgId")
        return ctx.call("activity", "record_activity", {
            "org_id": input["org_id"], "kind": _value(input["kind"]),
            "theme": input["theme"], "held_on": input["held_on"],
            "speaker_id": input.get("speaker_id"),
            "attendance": [{"member_id": a["member_id"], "status": _value(a["status"]),
                            "reason": a.get("reason")} for a in input["attendance"]],
        }, ctx.principal.sub)


class TransferMember(graphene.Mutation):
    """Extra: move a member to another branch from a day on (组织关系转接);
    the history is kept, so activities are judged by where the member
    belonged on the day they were held."""

    class Arguments:
        member_id = graphene.ID(required=True)
        branch_id = graphene.ID(required=True)
        group_id = graphene.ID()
        on = graphene.Argument(Date, description="first day in the new branch; default today")

    Output = graphene.NonNull(Member)

    @staticmethod
    def mutate(_root, info, member_id, branch_id, group_id=None, on=None):
        ctx = info.context
        ctx.require_writer("transferring a member")
        ctx.input_member(member_id, "memberId")
        ctx.input_org(branch_id, "branchId")
        return ctx.call("organization", "transfer_member", {
            "member_id": member_id, "branch_id": branch_id, "group_id": group_id,
            "on": on}, ctx.principal.sub)


class ClosePeriod(graphene.Mutation):
    class Arguments:
        org_id = graphene.ID(required=True)
        period = graphene.String(required=True)

    Output = graphene.NonNull(Compliance)

    @staticmethod
    def mutate(_root, info, org_id, period):
        ctx = info.context
        ctx.require_writer("closing a period")
        ctx.visible_org(org_id)
        return ctx.call("supervision", "close_period", org_id, period, ctx.principal.sub,
                        ctx.principal.is_admin)


class Mutation(graphene.ObjectType):
    create_organization = CreateOrganization.Field()
    register_member = RegisterMember.Field()
    record_activity = RecordActivity.Field()
    close_period = ClosePeriod.Field()
    transfer_member = TransferMember.Field()


schema = graphene.Schema(query=Query, mutation=Mutation)


