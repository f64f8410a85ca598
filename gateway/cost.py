"""What a query may cost, judged from its text before anything runs.

Every field costs 1, times the sizes of the lists above it: in
``{ organizations { children { members { name } } } }`` the name is asked
once per member of each child of each top organisation. A list's size is its
``first``/``last``/``limit`` argument when the query gives one as a number,
else the size in the table below (the known big lists, such as an
organisation's members), else ``DEFAULT_LIST_SIZE``. Fragments count where
they are spread; inline fragments and aliases like any other selection.

The sizes are what a list holds on a usual screen of the city (a branch has
about 30 members, a committee a few dozen branches), not what it holds in a
small test: the same text costs the same wherever it is sent, so one figure
per distinct query text is enough (the gateway keeps it with the parsed query,
``checked`` in gateway/app.py). A list the text does not bound may return
more than its size (an organisation's members are those of its whole
subtree); the request's time limit covers that.

The walk never expands a fragment twice: a fragment's measure for one
object is worked out once and multiplied wherever it is spread, so a
"fragment bomb" (fragments each spreading the next one ten times) is measured
in time linear in its text, and found to cost more than any limit.
"""
import functools
from dataclasses import dataclass

from graphql import (FieldNode, FragmentDefinitionNode, FragmentSpreadNode, GraphQLList,
                     GraphQLNonNull, InlineFragmentNode, IntValueNode, OperationDefinitionNode,
                     OperationType, SchemaMetaFieldDef, TypeMetaFieldDef, TypeNameMetaFieldDef,
                     get_named_type)

# (type, field): how many items the list holds on a usual screen.
LIST_SIZES = {
    ("Query", "organizations"): 10,
    ("Query", "activities"): 200,
    ("Query", "supervisionItems"): 100,
    ("Organization", "children"): 20,
    ("Organization", "members"): 50,
    ("Member", "roles"): 5,
    ("Member", "contactBranches"): 5,
    ("Organization", "contacts"): 3,
    ("Activity", "attendance"): 50,
    ("PointsSummary", "byCategory"): 10,
    ("PointsSummary", "entries"): 100,
    ("Compliance", "results"): 100,
    ("ActivityImport", "errors"): 100,
    ("RosterImport", "errors"): 100,
    ("Mutation", "recordActivities"): 500,
    ("AnnualPlan", "items"): 30,
    ("Query", "themeProposals"): 100,
    ("Query", "selfStudyLog"): 100,
    ("Query", "talks"): 200,
    ("Talk", "participants"): 2,
    ("Minutes", "speakers"): 10,
    ("Query", "wishes"): 100,
    ("Query", "households"): 5,             # a member contacts at most 5
    ("Query", "householdVisits"): 50,
    ("Query", "pledges"): 100,
    ("Query", "branchRatings"): 100,        # a bureau's branches
    ("Query", "fourQualified"): 4,          # one per dimension (四个合格)
    ("Report", "rows"): 100,                # a bureau's branches
}
DEFAULT_LIST_SIZE = 20
SIZE_ARGUMENTS = ("first", "last", "limit")
# Past this a figure stops growing: a fragment bomb may multiply to a number
# of hundreds of digits, which helps nobody.
CEILING = 10 ** 15

# what every type has beside its own fields
_META_FIELDS = {"__schema": SchemaMetaFieldDef, "__type": TypeMetaFieldDef,
                "__typename": TypeNameMetaFieldDef}
_OPERATION_TYPES = {OperationType.QUERY: "query_type", OperationType.MUTATION: "mutation_type",
                    OperationType.SUBSCRIPTION: "subscription_type"}


@dataclass(frozen=True)
class Measure:
    """The cost of an operation (or a fragment), and the size of its text
    once its fragments are spread: how many fields, and how many of them
    under an alias."""
    cost: int = 0
    fields: int = 0
    aliases: int = 0

    def __add__(self, other):
        return Measure(min(self.cost + other.cost, CEILING),
                       min(self.fields + other.fields, CEILING),
                       min(self.aliases + other.aliases, CEILING))

    def times(self, n):
        """This measure for ``n`` objects: the cost grows, the text does not."""
        return Measure(min(self.cost * n, CEILING), self.fields, self.aliases)


def measure(schema, document):
    """``{name: Measure}`` for every operation of the document (an unnamed
    one under ``None``), and for every fragment no operation spreads (under
    ``"fragment NAME"``), so nothing in the text goes unmeasured."""
    walk = _Walk(schema, {d.name.value: d for d in document.definitions
                          if isinstance(d, FragmentDefinitionNode)})
    found = {}
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            root = getattr(schema, _OPERATION_TYPES[definition.operation])
            name = definition.name.value if definition.name else None
            found[name] = walk.selections(definition.selection_set, root)
    for name in walk.fragments:
        if name not in walk.done:
            found[f"fragment {name}"] = walk.fragment(name)
    return found


class _Walk:
    def __init__(self, schema, fragments):
        self.schema = schema
        self.fragments = fragments
        self.done = {}
        self.in_progress = set()

    def fragment(self, name):
        if name in self.done:
            return self.done[name]
        definition = self.fragments.get(name)
        # an unknown fragment, or one that spreads itself: validation says so
        if definition is None or name in self.in_progress:
            return Measure()
        self.in_progress.add(name)
        try:
            parent = self.schema.get_type(definition.type_condition.name.value)
            result = self.selections(definition.selection_set, parent)
        finally:
            self.in_progress.discard(name)
        self.done[name] = result
        return result

    def selections(self, selection_set, parent):
        """The measure of ``selection_set`` for one object of type ``parent``
        (None when the query names a type or field the schema lacks)."""
        total = Measure()
        for node in selection_set.selections if selection_set else ():
            if isinstance(node, FieldNode):
                total += self.field(node, parent)
            elif isinstance(node, InlineFragmentNode):
                inner = (self.schema.get_type(node.type_condition.name.value)
                         if node.type_condition else parent)
                total += self.selections(node.selection_set, inner)
            elif isinstance(node, FragmentSpreadNode):
                total += self.fragment(node.name.value)
        return total

    def field(self, node, parent):
        name = node.name.value
        definition = None
        if parent is not None:
            definition = getattr(parent, "fields", {}).get(name) or _META_FIELDS.get(name)
        own = Measure(1, 1, 1 if node.alias else 0)
        if node.selection_set is None:
            return own
        if definition is None:
            return own + self.selections(node.selection_set, None)
        size = list_size(self.schema, parent.name, name, definition.type, node)
        inner = self.selections(node.selection_set, get_named_type(definition.type))
        return own + inner.times(size)


def list_size(schema, parent_name, field_name, field_type, node):
    """How many objects a field of type ``field_type`` may return: 1 for a
    single object, else the list's size (nested lists multiply)."""
    size, of = 1, field_type
    while isinstance(of, (GraphQLNonNull, GraphQLList)):
        if isinstance(of, GraphQLList):
            size *= _size_of_list(schema, parent_name, field_name, node)
        of = of.of_type
    return size


def _size_of_list(schema, parent_name, field_name, node):
    for argument in node.arguments or ():
        if argument.name.value in SIZE_ARGUMENTS and isinstance(argument.value, IntValueNode):
            return max(int(argument.value.value), 0)
    # a size given by a variable counts as the table's: the cost is one
    # figure per query text, whatever the variables
    if parent_name.startswith("__"):
        return _introspection_sizes(schema).get((parent_name, field_name), DEFAULT_LIST_SIZE)
    return LIST_SIZES.get((parent_name, field_name), DEFAULT_LIST_SIZE)


@functools.lru_cache(maxsize=4)
def _introspection_sizes(schema):
    """The lists of introspection are as long as this schema makes them, so
    GraphiQL's introspection query costs what it answers: a list under the
    types is as long as it is on average (the types times the mean is every
    field of the schema), not as the longest one (the root types, whose
    length every new type would then multiply)."""
    types = list(schema.type_map.values())

    def mean(items, attribute):
        total = sum(len(getattr(i, attribute, None) or ()) for i in items)
        return max(1, -(-total // max(len(items), 1)))

    fields = [f for t in types for f in (getattr(t, "fields", None) or {}).values()]
    directives = list(schema.directives)
    return {
        ("__Schema", "types"): len(types),
        ("__Schema", "directives"): len(directives),
        ("__Type", "fields"): mean(types, "fields"),
        ("__Type", "inputFields"): mean(types, "fields"),
        ("__Type", "enumValues"): mean(types, "values"),
        ("__Type", "interfaces"): mean(types, "interfaces"),
        ("__Type", "possibleTypes"): mean(types, "types"),
        ("__Field", "args"): mean(fields, "args"),
        ("__Directive", "args"): max((len(d.args) for d in directives), default=1),
        ("__Directive", "locations"): max((len(d.locations) for d in directives), default=1),
    }
