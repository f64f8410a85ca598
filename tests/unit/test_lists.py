"""Long lists of plain records take a shorter path through the gateway's
execution (gateway/lists.py); whatever they hold, the answer and its errors
are exactly those of graphql-core's ordinary path."""
import graphene
import pytest
from graphql import execute, parse

from gateway import lists
from gateway.schema import schema as gateway_schema


class Status(graphene.Enum):
    MET = "MET"
    PENDING = "PENDING"


class Inner(graphene.ObjectType):
    name = graphene.String()


class Row(graphene.ObjectType):
    rule = graphene.String(required=True)
    subject_id = graphene.ID(required=True)
    actual = graphene.Int(required=True)
    share = graphene.Float()
    status = graphene.Field(Status, required=True)
    note = graphene.String()
    inner = graphene.Field(Inner)
    shouted = graphene.String(required=True)
    padded = graphene.String(width=graphene.Int(default_value=3))

    @staticmethod
    def resolve_shouted(root, _info):
        return root["rule"].upper()

    @staticmethod
    def resolve_padded(root, _info, width):
        return root["rule"].rjust(width)


class Query(graphene.ObjectType):
    rows = graphene.List(graphene.NonNull(Row), required=True)
    maybe_rows = graphene.List(Row)
    nested = graphene.List(graphene.List(Row))

    @staticmethod
    def resolve_rows(_root, info):
        return info.context["rows"]

    @staticmethod
    def resolve_maybe_rows(_root, info):
        return info.context["rows"]

    @staticmethod
    def resolve_nested(_root, info):
        return [info.context["rows"], info.context["rows"][:1]]


SCHEMA = graphene.Schema(query=Query).graphql_schema


def row(i, **changes):
    return {"rule": f"A{i}", "subject_id": f"s{i}", "actual": i, "share": i / 4,
            "status": "MET" if i % 2 else "PENDING", "note": None if i % 3 else f"n{i}",
            "inner": {"name": f"in{i}"}, **changes}


ROWS = [row(i) for i in range(1, 6)]


class Counting(lists.ExecutionContext):
    """Counts the objects completed the ordinary way."""
    ordinary = 0

    def complete_object_value(self, *args, **kwargs):
        Counting.ordinary += 1
        return super().complete_object_value(*args, **kwargs)


def both(query, rows=ROWS, variables=None, schema=SCHEMA, context=None):
    document = parse(query)
    context = context if context is not None else {"rows": rows}
    plain = execute(schema, document, context_value=context, variable_values=variables)
    Counting.ordinary = 0
    short = execute(schema, document, context_value=context, variable_values=variables,
                    execution_context_class=Counting)
    assert short.data == plain.data
    assert [e.formatted for e in short.errors or []] == [e.formatted for e in plain.errors or []]
    return short, Counting.ordinary


@pytest.mark.parametrize("query", [
    "{ rows { rule subjectId actual share status note } }",
    "{ rows { a: rule b: rule status __typename } }",
    "{ rows { ...F } } fragment F on Row { rule actual }",
    "{ rows { ... on Row { rule } subjectId } }",
    "{ maybeRows { rule } }",
])
def test_a_list_of_leaves_takes_the_short_path_with_the_same_answer(query):
    result, ordinary = both(query)
    assert result.errors is None and ordinary == 0  # no item went the ordinary way


@pytest.mark.parametrize("variables", [{"on": True}, {"on": False}])
def test_include_and_skip_are_obeyed(variables):
    result, ordinary = both("query($on: Boolean!) { rows { rule note @include(if: $on) "
                            "actual @skip(if: $on) } }", variables=variables)
    assert ordinary == 0 and ("note" in result.data["rows"][0]) == variables["on"]


@pytest.mark.parametrize("query", [
    "{ rows { rule inner { name } } }",        # an object under the items
    "{ rows { rule shouted } }",               # a resolver of its own
    "{ rows { rule padded(width: 5) } }",      # arguments
    "{ nested { rule } }",                     # a list of lists: the inner lists go short
])
def test_anything_but_plain_leaves_goes_the_ordinary_way_with_the_same_answer(query):
    result, ordinary = both(query)
    assert result.errors is None
    if "nested" not in query:
        assert ordinary >= len(ROWS)  # every item went the ordinary way


@pytest.mark.parametrize("rows", [
    [*ROWS[:2], row(3, rule=None)],                # null where non-null
    [*ROWS[:2], row(3, actual="many")],            # a value the leaf cannot serialize
    [*ROWS[:2], row(3, status="SOMETIMES")],       # not a value of the enum
    [*ROWS[:2], None],                             # a null item of a non-null list
    [*ROWS[:2], object()],                         # not a dict at all
])
def test_a_bad_value_is_reported_as_the_ordinary_path_reports_it(rows):
    result, _ = both("{ rows { rule actual status } }", rows=rows)
    assert result.errors


def test_a_null_item_of_a_nullable_list_and_a_missing_key_stay_null():
    result, ordinary = both("{ maybeRows { rule note share } }",
                            rows=[ROWS[0], None, {"rule": "X", "subject_id": "s", "actual": 1,
                                                  "status": "MET"}])
    assert ordinary == 0 and result.data["maybeRows"][1] is None
    assert result.data["maybeRows"][2] == {"rule": "X", "note": None, "share": None}


def test_the_gateway_compliance_answer_is_the_same_both_ways():
    from gateway.auth import Principal

    class Context:
        principal = Principal("x", "*", frozenset({"admin"}))

        async def visible_org(self, org_id):
            return {"id": org_id}

        @staticmethod
        def call_patiently(_timeout, *_args):
            return {"org_id": "city", "period": "2018", "results": [
                {"rule": f"R{i}", "subject_id": f"s{i}", "period": "2018", "required": 2,
                 "actual": i % 3, "status": ("MET", "PENDING", "MISSED")[i % 3]}
                for i in range(300)]}

    import asyncio
    document = parse('{ compliance(orgId: "city", period: "2018") { orgId results { '
                     'rule subjectId period required actual status } } }')
    answers = [asyncio.run(execute(gateway_schema.graphql_schema, document,
                                   context_value=Context(), execution_context_class=cls))
               for cls in (None, lists.ExecutionContext)]
    assert answers[0].errors is None and answers[0].data == answers[1].data
    assert answers[1].data["compliance"]["results"][1]["status"] == "PENDING"
