"""The cost of a query, judged from its text (gateway/cost.py): every field
once per item of the lists above it, fragments where they are spread,
aliases like any field; and the limits (gateway/limits.py) that let the
portals' screens through and refuse what took minutes."""
import inspect

import pytest
from graphql import build_schema, get_introspection_query, parse

from gateway.cost import CEILING, DEFAULT_LIST_SIZE, LIST_SIZES, Measure, measure
from gateway.limits import Limits, over_limits
from gateway.schema import schema as gateway_schema

SCHEMA = build_schema("""
    type Query { shelf(id: ID!): Shelf  shelves(first: Int, limit: Int): [Shelf!]!
                 matrix: [[Book]] }
    type Mutation { shelve(ids: [ID!]!): [Book!]! }
    type Shelf { id: ID!  name: String  books: [Book!]!  parent: Shelf }
    type Book { id: ID!  title: String  pages: [Int] }
""")
REAL = gateway_schema.graphql_schema


def cost(query, schema=SCHEMA):
    (found,) = measure(schema, parse(query)).values()
    return found


def test_fields_of_one_object_cost_one_each():
    assert cost('{ shelf(id: "a") { id name } }') == Measure(cost=3, fields=3)


def test_the_fields_under_a_list_cost_once_per_item():
    # shelves (1) + 20 shelves x (id + name)
    assert cost("{ shelves { id name } }").cost == 1 + DEFAULT_LIST_SIZE * 2


def test_lists_under_lists_multiply():
    assert cost("{ shelves { books { title } } }").cost == \
        1 + DEFAULT_LIST_SIZE * (1 + DEFAULT_LIST_SIZE * 1)


def test_a_list_of_lists_multiplies_its_own_sizes():
    assert cost("{ matrix { id } }").cost == 1 + DEFAULT_LIST_SIZE ** 2


def test_a_size_argument_given_as_a_number_is_the_list_size():
    assert cost("{ shelves(first: 3) { id } }").cost == 1 + 3
    assert cost("{ shelves(limit: 0) { id } }").cost == 1


def test_a_size_argument_given_by_a_variable_counts_as_the_default():
    """One figure per query text, whatever the variables say."""
    assert cost("query($n: Int) { shelves(first: $n) { id } }").cost == 1 + DEFAULT_LIST_SIZE


def test_each_alias_is_counted_and_counts_as_an_alias():
    found = cost("{ a: shelves { id } b: shelves { id } c: shelf(id: 1) { id } }")
    assert found.cost == 2 * (1 + DEFAULT_LIST_SIZE) + 2
    assert (found.fields, found.aliases) == (6, 3)


def test_a_fragment_counts_wherever_it_is_spread():
    spread = cost("""{ shelves { ...S } shelf(id: 1) { ...S } }
                     fragment S on Shelf { id books { title } }""")
    inline = cost("""{ shelves { id books { title } } shelf(id: 1) { id books { title } } }""")
    assert spread == inline


def test_an_inline_fragment_counts_like_its_fields():
    assert cost("{ shelves { ... on Shelf { id } ... { name } } }") == \
        cost("{ shelves { id name } }")


def test_a_mutation_is_measured_from_its_root():
    assert cost('mutation { shelve(ids: ["a"]) { id title } }').cost == 1 + DEFAULT_LIST_SIZE * 2


def test_a_fragment_bomb_is_measured_without_expanding_it():
    """Fragments each spreading the next ten times, forty deep: 10^40
    selections once spread, measured by working each fragment out once (an
    expanding walk would never finish), and found past any limit."""
    levels = 40
    fragments = " ".join(
        f"fragment F{i} on Shelf {{ " + " ".join(f"a{j}: parent {{ ...F{i + 1} }}"
                                                  for j in range(10)) + " }"
        for i in range(levels))
    found = cost(f'{{ shelf(id: 1) {{ ...F0 }} }} {fragments} fragment F{levels} on Shelf {{ id }}')
    assert found.fields == CEILING and found.aliases == CEILING and found.cost == CEILING
    assert len(over_limits({None: found}, Limits())) == 3


def test_a_tree_nested_deep_costs_past_the_limit_and_a_chain_of_single_objects_does_not():
    deep = "{ organizations { " + "children { " * 4 + "members { name } " + "} " * 4 + "} }"
    assert cost(deep, REAL).cost > Limits().max_cost
    chain = '{ organization(id: "x") { ' + "parent { " * 12 + "name " + "} " * 12 + "} }"
    assert cost(chain, REAL).cost == 14


def test_unknown_fields_and_types_cost_one_each_and_validation_says_why():
    assert cost("{ nowhere { deeper { still } } }").cost == 3
    assert cost("{ shelves { ... on Nothing { id } } }").cost == 1 + DEFAULT_LIST_SIZE


def test_a_fragment_that_spreads_itself_is_measured_once():
    found = measure(SCHEMA, parse("""{ shelf(id: 1) { ...A } }
        fragment A on Shelf { id parent { ...B } } fragment B on Shelf { name parent { ...A } }"""))
    assert found[None].cost < 10


def test_every_operation_and_every_unspread_fragment_is_measured():
    found = measure(SCHEMA, parse("""query One { shelf(id: 1) { id } }
        query Two { shelves { id } } fragment Loose on Shelf { books { title } }"""))
    assert set(found) == {"One", "Two", "fragment Loose"}
    assert found["fragment Loose"].cost == 1 + DEFAULT_LIST_SIZE


def test_the_known_big_lists_use_their_own_sizes():
    members = LIST_SIZES[("Organization", "members")]
    children = LIST_SIZES[("Organization", "children")]
    assert cost('{ organization(id: "x") { members { name } } }', REAL).cost == 2 + members
    assert cost('{ organization(id: "x") { children { members { name } } } }', REAL).cost == \
        2 + children * (1 + members)


def test_introspection_costs_what_this_schema_answers_and_is_allowed():
    """GraphiQL and the fuzz run start with the standard introspection query."""
    found = cost(get_introspection_query(), REAL)
    assert found.cost < Limits().expensive_cost
    assert not over_limits({None: found}, Limits())


def test_the_portals_and_the_benchmarks_screens_are_within_the_limits():
    """Every query and mutation the tools send (the benchmark's bureau tree
    with points, the bulk path, compliance) runs under the defaults, and no
    query counts as expensive: the benchmark runs several at once with one
    token. (The bulk path asked to answer every attendance line is.)"""
    from tools import bench_compliance, bench_freshness, bench_tree, client, synth_city
    texts = [bench_tree.TREE]
    for module in (bench_compliance, bench_freshness, client, synth_city):
        source = inspect.getsource(module)
        for chunk in source.split('"""')[1::2]:
            if chunk.lstrip().startswith(("query", "mutation", "{")):
                texts.append(chunk)
    assert len(texts) > 8
    for text in texts:
        for found in measure(REAL, parse(text)).values():
            assert not over_limits({None: found}, Limits()), text
            if text.lstrip().startswith(("query", "{")):
                assert found.cost < Limits().expensive_cost, text


def test_five_hundred_aliases_over_the_tree_are_over_every_limit():
    tree = "organizations { children { children { members { name points(year: 2017) { total } } } } }"
    query = "{ " + " ".join(f"a{i}: {tree}" for i in range(500)) + " }"
    problems = over_limits(measure(REAL, parse(query)), Limits())
    assert [p.message.split(" ")[2] for p in problems] == ["asks", "has", "costs"]
    assert "the limit is 200,000" in problems[2].message


def test_limits_name_the_operation_or_the_fragment():
    found = {"Tree": Measure(cost=300_000), "fragment F": Measure(fields=501)}
    messages = [p.message for p in over_limits(found, Limits())]
    assert messages == [
        "the operation Tree costs 300,000 (each field once per item of the lists it is under); "
        "the limit is 200,000: ask for fewer fields, or for a smaller part of the tree at a time",
        "the fragment F asks for 501 fields (fragments spread); at most 500"]


def test_limits_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("XF_QUERY_MAX_COST", "1234")
    monkeypatch.setenv("XF_REQUEST_TIMEOUT", "2.5")
    limits = Limits.from_env()
    assert (limits.max_cost, limits.request_timeout, limits.max_fields) == (1234, 2.5, 500)
    monkeypatch.setenv("XF_QUERY_MAX_FIELDS", "many")
    with pytest.raises(RuntimeError, match="XF_QUERY_MAX_FIELDS"):
        Limits.from_env()
