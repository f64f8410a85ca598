"""The GraphQL schema: contract/core.graphql and every section of
contract/programme.graphql ("organisation", "bulk", "study", "members'
practice", "scoring", "pioneer", "supervision"), served exactly, plus a few
optional extras (marked). One module per contract section or part of one; resolvers only translate to RPC
calls and check the caller's scope; the services decide everything else.
Look-ups go through the request's loaders, so a query costs one RPC per
level, not per node."""
import graphene

from gateway.schema import (activity, appraisal, bulk, checkup, guard, organisation,
                            pioneer, practice_households, practice_talks, rating, scoring,
                            study, supervision)
from gateway.schema import rectification
from gateway.schema import reminders
from gateway.schema import survey
from gateway.schema import report
from gateway.schema.context import RequestContext

# The modules that serve the contract, one per section or part of one; each
# may have Queries and Mutations (one module per line, so additions merge).
MODULES = (
    organisation, activity, supervision, bulk, study, practice_talks, practice_households,
    scoring, appraisal, checkup, rating, pioneer,
    rectification,
    reminders,
    survey,
    report,
)


class Query(*(m.Queries for m in MODULES if hasattr(m, "Queries")), graphene.ObjectType):
    pass


class Mutation(*(m.Mutations for m in MODULES if hasattr(m, "Mutations")),
               graphene.ObjectType):
    pass


schema = graphene.Schema(query=Query, mutation=Mutation)
# every field of a scoped type is checked against the caller's subtree
SCOPE_CHECKED = guard.install(schema.graphql_schema)

__all__ = ["RequestContext", "schema"]
