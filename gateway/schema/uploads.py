"""What the import mutations (importActivities, importRoster) share: their
arguments, the checks before the file goes to a service, the file's size
limit, their patience, and the rows they report."""
import graphene
from graphql import GraphQLError

MAX_FILE_BYTES = 10 * 1024 * 1024
# The largest import (20,000 rows) takes about 11 s on a 2-core machine, more
# than XF_RPC_TIMEOUT's default; a caller told UNAVAILABLE while the import
# commits would send it again.
BULK_RPC_TIMEOUT = 180


def bad_input(message, field):
    return GraphQLError(f"{field}: {message}", extensions={"code": "BAD_INPUT", "field": field})


def refuse_large_file(file, advice):
    """BAD_INPUT before asking a service when the base64 ``file`` decodes to
    more than MAX_FILE_BYTES; ``advice`` says how to cut it."""
    if len(file) * 3 // 4 > MAX_FILE_BYTES:
        raise bad_input(f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; "
                        f"{advice}", "file")


class RowError(graphene.ObjectType):
    row = graphene.Int(required=True)
    column = graphene.String()
    message = graphene.String(required=True)


class FileImportArguments:
    """An import mutation's arguments: where, the base64 file, and whether
    only to check it."""
    org_id = graphene.ID(required=True)
    file = graphene.String(required=True)
    dry_run = graphene.Boolean(default_value=False)


async def import_file(info, org_id, file, dry_run, what, advice, service, method,
                      with_roles=False):
    """An import mutation: a writer, the organisation in scope and a file not
    too large (``what`` and ``advice`` for the refusals), then ``service``'s
    ``method`` with patience (``with_roles``: the caller's roles too)."""
    ctx = info.context
    ctx.require_writer(what)
    await ctx.input_org(org_id, "orgId")
    refuse_large_file(file, advice)
    roles = {"roles": ctx.roles} if with_roles else {}
    return ctx.call_patiently(BULK_RPC_TIMEOUT, service, method, org_id, file, bool(dry_run),
                              ctx.principal.sub, ctx.request_of(info), **roles)
