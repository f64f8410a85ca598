"""The gateway serves contract/core.graphql exactly: every type, field,
argument and enum value of the contract, with the same types; additions are
allowed only where they cannot break a client (new optional inputs)."""
from pathlib import Path

import pytest
from graphql import (GraphQLEnumType, GraphQLInputObjectType, GraphQLNonNull,
                     GraphQLObjectType, GraphQLScalarType, build_schema)

from gateway.schema import schema

CONTRACT = build_schema((Path(__file__).parents[2] / "contract" / "core.graphql").read_text())
SERVED = schema.graphql_schema
NAMED = sorted(name for name in CONTRACT.type_map if not name.startswith("__"))


@pytest.mark.parametrize("name", NAMED)
def test_every_contract_type_is_served_alike(name):
    wanted = CONTRACT.type_map[name]
    served = SERVED.type_map.get(name)
    assert served is not None, f"{name} is not served"
    assert isinstance(served, type(wanted))
    if isinstance(wanted, GraphQLEnumType):
        assert set(wanted.values) <= set(served.values)
    if isinstance(wanted, GraphQLObjectType):
        for field_name, field in wanted.fields.items():
            assert field_name in served.fields, f"{name}.{field_name} is missing"
            mine = served.fields[field_name]
            assert str(mine.type) == str(field.type), f"{name}.{field_name}"
            for arg_name, arg in field.args.items():
                assert arg_name in mine.args, f"{name}.{field_name}({arg_name}) is missing"
                assert str(mine.args[arg_name].type) == str(arg.type)
            for arg_name, arg in mine.args.items():
                if arg_name not in field.args:
                    assert not isinstance(arg.type, GraphQLNonNull), \
                        f"extra argument {name}.{field_name}({arg_name}) must be optional"
    if isinstance(wanted, GraphQLInputObjectType):
        for field_name, field in wanted.fields.items():
            assert field_name in served.fields, f"{name}.{field_name} is missing"
            assert str(served.fields[field_name].type) == str(field.type)
        for field_name, field in served.fields.items():
            if field_name not in wanted.fields:
                assert not isinstance(field.type, GraphQLNonNull), \
                    f"extra input {name}.{field_name} must be optional"
    if isinstance(wanted, GraphQLScalarType):
        assert served.name == wanted.name


def test_root_operations_are_those_of_the_contract():
    for root in ("Query", "Mutation"):
        assert set(CONTRACT.type_map[root].fields) <= set(SERVED.type_map[root].fields)
