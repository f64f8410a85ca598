"""The GraphQL schema: contract/core.graphql and the sections
"organisation", "bulk", "study", "members' practice", "scoring" and
"pioneer" of
contract/programme.graphql, served exactly, plus a few optional extras
(marked). One module per contract section; resolvers only translate to RPC
calls and check the caller's scope; the services decide everything else.
Look-ups go through the request's loaders, so a query costs one RPC per
level, not per node."""
import graphene

from gateway.schema import (activity, appraisal, bulk, checkup, guard, organisation,
                            pioneer, practice_households, practice_talks, rating, report,
                            scoring, study, supervision)
from gateway.schema.context import RequestContext


class Query(organisation.Queries, activity.Queries, supervision.Queries, study.Queries,
            practice_talks.Queries, practice_households.Queries,
            scoring.Queries, appraisal.Queries, checkup.Queries, rating.Queries,
            pioneer.Queries, report.Queries, graphene.ObjectType):
    pass


class Mutation(organisation.Mutations, activity.Mutations, supervision.Mutations,
               bulk.Mutations, study.Mutations, practice_talks.Mutations,
               practice_households.Mutations,
               scoring.Mutations, appraisal.Mutations, checkup.Mutations,
               pioneer.Mutations, graphene.ObjectType):
    pass


schema = graphene.Schema(query=Query, mutation=Mutation)
# every field of a scoped type is checked against the caller's subtree
SCOPE_CHECKED = guard.install(schema.graphql_schema)

__all__ = ["RequestContext", "schema"]
