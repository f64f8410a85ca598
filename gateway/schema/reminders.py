"""Section "supervision" of the contract, its reminder talks (约谈提醒) and
negative list (负面清单): reading both for an organisation's subtree, and the
two writes, which belong to the organisations above their subject: a
branch's secretary neither records the talk held with its own branch nor
puts it (or its members) on the list."""
import asyncio

import graphene
from graphql import GraphQLError

from gateway.auth import ALL, forbidden
from gateway.schema.guard import membership_on, sees_member
from gateway.schema.organisation import Organization
from gateway.schema.scalars import Date
from gateway.schema.supervision import QuotaResult


class ReminderProposal(graphene.ObjectType):
    org = graphene.Field(Organization, required=True)
    quarter = graphene.String(required=True)
    missed = graphene.List(graphene.NonNull(QuotaResult), required=True)
    talk_held_on = Date()

    @staticmethod
    async def resolve_org(proposal, info):
        return await info.context.org(proposal["org_id"])


class NegativeListEntry(graphene.ObjectType):
    subject_id = graphene.ID(required=True)
    year = graphene.Int(required=True)
    reasons = graphene.List(graphene.NonNull(graphene.String), required=True)
    manual = graphene.Boolean(required=True)


def _not_own(ctx, org_id, what):
    """Only a caller whose scope lies strictly above ``org_id`` does ``what``."""
    if ctx.principal.scope != ALL and ctx.principal.scope == org_id:
        raise forbidden(f"{what} is for the organisations above {org_id}, not for itself")


def _missing(result):
    return isinstance(result, GraphQLError) and \
        (result.extensions or {}).get("code") == "NOT_FOUND"


async def _subject_in_scope(ctx, subject_id):
    """A branch or a member named as ``subjectId``: one the caller does not
    see, or that does not exist, is FORBIDDEN in the same words (below "*");
    the service judges what kind of subject it is."""
    message = f"subjectId: {subject_id} is outside what you may see"
    org, member = await asyncio.gather(ctx.org(subject_id), ctx.member(subject_id),
                                       return_exceptions=True)
    for found in (org, member):
        if isinstance(found, BaseException) and not _missing(found):
            raise found
    if not _missing(org):
        if not ctx.principal.sees(org["path"]):
            raise forbidden(message)
        _not_own(ctx, subject_id, "putting an organisation on the negative list")
    elif not _missing(member):
        if not sees_member(ctx.principal, member):
            raise forbidden(message)
        _not_own(ctx, membership_on(member)["branch_id"],
                 "putting a member on the negative list")
    elif ctx.principal.scope != ALL:
        raise forbidden(message)


class Queries:
    reminder_proposals = graphene.List(
        graphene.NonNull(ReminderProposal), required=True, org_id=graphene.ID(required=True),
        quarter=graphene.String(required=True))
    negative_list = graphene.List(
        graphene.NonNull(NegativeListEntry), required=True, org_id=graphene.ID(required=True),
        year=graphene.Int(required=True))

    @staticmethod
    async def resolve_reminder_proposals(_root, info, org_id, quarter):
        await info.context.visible_org(org_id)
        return info.context.call("supervision", "reminder_proposals", org_id, quarter)

    @staticmethod
    async def resolve_negative_list(_root, info, org_id, year):
        await info.context.visible_org(org_id)
        return info.context.call("supervision", "negative_list", org_id, year)


class RecordReminderTalk(graphene.Mutation):
    class Arguments:
        org_id = graphene.ID(required=True)
        quarter = graphene.String(required=True)
        held_on = Date(required=True)

    Output = graphene.NonNull(ReminderProposal)

    @staticmethod
    async def mutate(_root, info, org_id, quarter, held_on):
        ctx = info.context
        ctx.require_writer("recording a reminder talk")
        await ctx.visible_org(org_id)
        _not_own(ctx, org_id, "recording a reminder talk")
        return ctx.call("supervision", "record_reminder_talk", org_id, quarter, held_on,
                        ctx.principal.sub, ctx.request_of(info))


class AddToNegativeList(graphene.Mutation):
    class Arguments:
        subject_id = graphene.ID(required=True)
        year = graphene.Int(required=True)
        reason = graphene.String(required=True)

    Output = graphene.NonNull(NegativeListEntry)

    @staticmethod
    async def mutate(_root, info, subject_id, year, reason):
        ctx = info.context
        ctx.require_writer("putting a subject on the negative list")
        await _subject_in_scope(ctx, subject_id)
        return ctx.call("supervision", "add_to_negative_list", subject_id, year, reason,
                        ctx.principal.sub, ctx.request_of(info))


class Mutations:
    record_reminder_talk = RecordReminderTalk.Field()
    add_to_negative_list = AddToNegativeList.Field()
