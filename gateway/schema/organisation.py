"""Section "organisation" of the contract: the tree, its members, their
roles through time, contact branches (联系点) and the roster import."""
import asyncio

import graphene

from gateway.auth import ALL, forbidden
from gateway.schema.guard import AS_OF, ON_DAY, membership_on, sees_member, sees_membership
from gateway.schema.scalars import Date, OrgKind, value_of
from gateway.schema.scoring import PointsSummary
from gateway.schema.uploads import FileImportArguments, RowError, import_file
from shared import clock


class Organization(graphene.ObjectType):
    id = graphene.ID(required=True)
    name = graphene.String(required=True)
    kind = graphene.Field(OrgKind, required=True)
    parent = graphene.Field(lambda: Organization)
    children = graphene.List(graphene.NonNull(lambda: Organization), required=True)
    members = graphene.List(graphene.NonNull(lambda: Member), required=True)
    contacts = graphene.List(graphene.NonNull(lambda: Member), required=True,
                             description="the bureau committee members who contact this "
                                         "branch (联系点)")

    @staticmethod
    async def resolve_parent(org, info):
        # above the caller's subtree: FORBIDDEN from the guard, naming nothing
        if not org.get("parent_id"):
            return None
        return await info.context.org(org["parent_id"])

    @staticmethod
    async def resolve_children(org, info):
        return await info.context.children.load(org["id"])

    @staticmethod
    async def resolve_members(org, info):
        return await info.context.org_members.load(org["id"])

    @staticmethod
    async def resolve_contacts(org, info):
        # a bureau committee member of another branch than the caller's is
        # left out of the list, not a reason to refuse it
        principal = info.context.principal
        return [m for m in await info.context.contacts.load(org["id"])
                if sees_member(principal, m)]


class Member(graphene.ObjectType):
    id = graphene.ID(required=True)
    name = graphene.String(required=True)
    branch = graphene.Field(Organization, required=True)
    roles = graphene.List(graphene.NonNull(graphene.String), required=True)
    points = graphene.Field(PointsSummary, required=True, year=graphene.Int(required=True))
    contact_branches = graphene.List(graphene.NonNull(Organization), required=True,
                                     description="the branches this bureau committee member "
                                                 "contacts (联系点)")

    @staticmethod
    def resolve_roles(member, _info):
        # the roles held on the day the member is seen as of (guard.as_of)
        return roles_on(member, member.get(AS_OF))

    @staticmethod
    async def resolve_contact_branches(member, info):
        principal = info.context.principal
        return [org for org in await info.context.contact_branches.load(member["id"])
                if principal.sees(org["path"])]

    @staticmethod
    async def resolve_branch(member, info):
        # the branch of the day the member is seen as of (guard.as_of)
        return await info.context.org(membership_on(member, member.get(AS_OF))["branch_id"])

    @staticmethod
    async def resolve_points(member, info, year):
        summary = await info.context.points.load((member["id"], year))
        return points_seen(info.context.principal, member, summary)


def roles_on(member, day=None):
    """The roles the member held on ``day`` (an ISO date; None: today) by
    their role history; a day before it began: the first roles recorded."""
    history = member.get("role_history")
    if not history or day is None:
        return member["roles"]
    day = str(day)
    for period in history:
        if (period["valid_from"] is None or period["valid_from"] <= day) and \
                (period["valid_to"] is None or day < period["valid_to"]):
            return period["roles"]
    return history[0]["roles"] if day < (history[0]["valid_from"] or "") else member["roles"]


def points_seen(principal, member, summary):
    """The summary with each entry marked by the member's membership on its
    day; when the caller may not see some of them (points earned in another
    bureau, before or after a transfer) they are left out, and the total and
    categories are those of the entries shown."""
    if principal.scope == ALL:
        return summary
    entries = [{**e, ON_DAY: membership_on(member, e["occurred_on"])}
               for e in summary["entries"]]
    shown = [e for e in entries if sees_membership(principal, e[ON_DAY])]
    if len(shown) == len(entries):
        return {**summary, "entries": entries}
    by_category = {}
    for e in shown:
        by_category[e["category"]] = by_category.get(e["category"], 0.0) + e["points"]
    return {**summary, "entries": shown, "total": sum(e["points"] for e in shown),
            "by_category": [{"category": c, "points": by_category[c]}
                            for c in sorted(by_category)]}


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


class Queries:
    organization = graphene.Field(Organization, id=graphene.ID(required=True))
    organizations = graphene.List(
        graphene.NonNull(Organization), required=True,
        description="Extra: the organisations at the top of what the caller may see.")
    member = graphene.Field(Member, id=graphene.ID(required=True))
    today = graphene.Field(
        Date, required=True,
        description="Extra: the platform's day, in the bureaus' time zone (XF_TODAY pins "
                    "it): the day that 'this month' and 'this year' of a screen mean.")

    @staticmethod
    def resolve_today(_root, _info):
        return clock.today()

    @staticmethod
    async def resolve_organization(_root, info, id):
        return await info.context.visible_org(id)

    @staticmethod
    async def resolve_organizations(_root, info):
        ctx = info.context
        if ctx.principal.scope == ALL:
            roots = ctx.call("organization", "roots")
            for org in roots:
                ctx.orgs.prime(org["id"], org)
            return roots
        return [await ctx.visible_org(ctx.principal.scope)]

    @staticmethod
    async def resolve_member(_root, info, id):
        return await info.context.visible_member(id)


class CreateOrganization(graphene.Mutation):
    class Arguments:
        input = OrganizationInput(required=True)

    Output = graphene.NonNull(Organization)

    @staticmethod
    async def mutate(_root, info, input):
        ctx = info.context
        if not ctx.principal.is_admin:
            raise forbidden("creating an organisation needs the admin role")
        if input.get("parent_id"):
            await ctx.input_org(input["parent_id"], "parentId")
        elif ctx.principal.scope != ALL:
            raise forbidden("only an installation-wide admin may create a top-level "
                            "organisation")
        return ctx.call("organization", "create_organization", {
            "name": input["name"], "kind": value_of(input["kind"]),
            "parent_id": input.get("parent_id")}, ctx.principal.sub, ctx.request_of(info))


class RegisterMember(graphene.Mutation):
    class Arguments:
        input = MemberInput(required=True)

    Output = graphene.NonNull(Member)

    @staticmethod
    async def mutate(_root, info, input):
        ctx = info.context
        ctx.require_writer("registering a member")
        await ctx.input_orgs(branchId=input["branch_id"], groupId=input.get("group_id"))
        return ctx.call("organization", "register_member", {
            "name": input["name"], "branch_id": input["branch_id"],
            "roles": input.get("roles"), "group_id": input.get("group_id"),
            "joined_on": input.get("joined_on")}, ctx.principal.sub, ctx.request_of(info))


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
    async def mutate(_root, info, member_id, branch_id, group_id=None, on=None):
        ctx = info.context
        ctx.require_writer("transferring a member")
        await asyncio.gather(ctx.input_member(member_id, "memberId"),
                             ctx.input_orgs(branchId=branch_id, groupId=group_id))
        return ctx.call("organization", "transfer_member", {
            "member_id": member_id, "branch_id": branch_id, "group_id": group_id,
            "on": on}, ctx.principal.sub, ctx.request_of(info), roles=ctx.roles)


class SetMemberRoles(graphene.Mutation):
    """Replace a member's roles (e.g. a new branch secretary) from a day on;
    history kept."""

    class Arguments:
        member_id = graphene.ID(required=True)
        roles = graphene.List(graphene.NonNull(graphene.String), required=True)
        on = graphene.Argument(Date)

    Output = graphene.NonNull(Member)

    @staticmethod
    async def mutate(_root, info, member_id, roles, on=None):
        ctx = info.context
        ctx.require_writer("setting a member's roles")
        await ctx.input_member(member_id, "memberId")
        return ctx.call("organization", "set_member_roles", {
            "member_id": member_id, "roles": list(roles), "on": on},
            ctx.principal.sub, ctx.request_of(info), roles=ctx.roles)


class AssignContactBranch(graphene.Mutation):
    """A bureau committee member contacts a branch of the same bureau (联系点)."""

    class Arguments:
        member_id = graphene.ID(required=True)
        branch_id = graphene.ID(required=True)

    Output = graphene.NonNull(Member)

    @staticmethod
    async def mutate(_root, info, member_id, branch_id):
        ctx = info.context
        ctx.require_writer("assigning a contact branch")
        await asyncio.gather(ctx.input_member(member_id, "memberId"),
                             ctx.input_org(branch_id, "branchId"))
        return ctx.call("organization", "assign_contact_branch", {
            "member_id": member_id, "branch_id": branch_id},
            ctx.principal.sub, ctx.request_of(info))


class RosterImport(graphene.ObjectType):
    dry_run = graphene.Boolean(required=True)
    created = graphene.Int(required=True)
    updated = graphene.Int(required=True)
    errors = graphene.List(graphene.NonNull(RowError), required=True)


class ImportRoster(graphene.Mutation):
    """A roster (花名册) as a base64 .xlsx or UTF-8 .csv; all or nothing."""

    Arguments = FileImportArguments
    Output = graphene.NonNull(RosterImport)

    @staticmethod
    async def mutate(_root, info, org_id, file, dry_run=False):
        return await import_file(info, org_id, file, dry_run, "importing a roster",
                                 "split the roster by branch", "organization", "import_roster")


class Mutations:
    create_organization = CreateOrganization.Field()
    register_member = RegisterMember.Field()
    transfer_member = TransferMember.Field()
    set_member_roles = SetMemberRoles.Field()
    assign_contact_branch = AssignContactBranch.Field()
    import_roster = ImportRoster.Field()
