"""Section "bulk" of the programme contract (contract/programme.graphql):
many activities in one call, or a year of paper records from a file."""
import asyncio

import graphene
from graphql import GraphQLError

from gateway.schema.activity import (Activity, ActivityInput, activity_data,
                                     check_input_scope, named_members)
from gateway.schema.context import names_members

MAX_INPUTS = 500
MAX_FILE_BYTES = 10 * 1024 * 1024
# The largest import (20,000 rows) takes about 11 s on a 2-core machine, more
# than XF_RPC_TIMEOUT's default; a caller told UNAVAILABLE while the import
# commits would send it again.
BULK_RPC_TIMEOUT = 180


def _bad_input(message, field):
    return GraphQLError(f"{field}: {message}", extensions={"code": "BAD_INPUT", "field": field})


class RowError(graphene.ObjectType):
    row = graphene.Int(required=True)
    column = graphene.String()
    message = graphene.String(required=True)


class ActivityImport(graphene.ObjectType):
    dry_run = graphene.Boolean(required=True)
    created = graphene.Int(required=True)
    errors = graphene.List(graphene.NonNull(RowError), required=True)


class RecordActivities(graphene.Mutation):
    class Arguments:
        inputs = graphene.List(graphene.NonNull(ActivityInput), required=True)

    Output = graphene.NonNull(graphene.List(graphene.NonNull(Activity)))

    @staticmethod
    @names_members(lambda args: [] if len(args["inputs"]) > MAX_INPUTS else [
        ref for i, data in enumerate(args["inputs"])
        for ref in named_members(data, f"inputs[{i}].")])
    async def mutate(_root, info, inputs):
        ctx = info.context
        ctx.require_writer("recording activities")
        if len(inputs) > MAX_INPUTS:
            raise _bad_input(f"at most {MAX_INPUTS} activities in one call, not {len(inputs)}; "
                             "send them in several calls", "inputs")
        if not inputs:
            return []
        # every organisation, speaker and guest in one look-up each; the first
        # bad input, by index, is reported
        checks = await asyncio.gather(
            *(check_input_scope(ctx, data, f"inputs[{i}].")
              for i, data in enumerate(inputs)), return_exceptions=True)
        for outcome in checks:
            if isinstance(outcome, BaseException):
                raise outcome
        return ctx.call_patiently(BULK_RPC_TIMEOUT, "activity", "record_activities",
                                  [activity_data(d) for d in inputs], ctx.principal.sub,
                                  ctx.request_of(info), roles=ctx.roles)


class ImportActivities(graphene.Mutation):
    class Arguments:
        org_id = graphene.ID(required=True)
        file = graphene.String(required=True)
        dry_run = graphene.Boolean(default_value=False)

    Output = graphene.NonNull(ActivityImport)

    @staticmethod
    async def mutate(_root, info, org_id, file, dry_run=False):
        ctx = info.context
        ctx.require_writer("importing activities")
        await ctx.input_org(org_id, "orgId")
        if len(file) * 3 // 4 > MAX_FILE_BYTES:
            raise _bad_input(f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; "
                             "split it, e.g. by half-year", "file")
        return ctx.call_patiently(BULK_RPC_TIMEOUT, "activity", "import_activities", org_id,
                                  file, bool(dry_run), ctx.principal.sub, ctx.request_of(info), roles=ctx.roles)


class Mutations:
    record_activities = RecordActivities.Field()
    import_activities = ImportActivities.Field()
