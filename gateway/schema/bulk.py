"""Section "bulk" of the programme contract (contract/programme.graphql):
many activities in one call, or a year of paper records from a file."""
import asyncio

import graphene

from gateway.schema.activity import (Activity, ActivityInput, activity_data,
                                     check_input_scope, named_members)
from gateway.schema.context import names_members
from gateway.schema.uploads import (BULK_RPC_TIMEOUT, FileImportArguments, RowError,
                                    import_file)
from gateway.schema.uploads import bad_input as _bad_input

MAX_INPUTS = 500


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
    Arguments = FileImportArguments
    Output = graphene.NonNull(ActivityImport)

    @staticmethod
    async def mutate(_root, info, org_id, file, dry_run=False):
        return await import_file(info, org_id, file, dry_run, "importing activities",
                                 "split it, e.g. by half-year", "activity", "import_activities",
                                 with_roles=True)


class Mutations:
    record_activities = RecordActivities.Field()
    import_activities = ImportActivities.Field()
