"""Section "scoring" of the contract: a member's points."""
import graphene

from gateway.schema.scalars import Date


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
