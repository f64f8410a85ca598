"""What the import mutations (importActivities, importRoster) share: the
file's size limit, their patience, and the rows they report."""
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
