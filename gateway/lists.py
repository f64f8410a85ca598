"""Long lists of plain records, completed in one pass.

graphql-core completes each item of a list field by running, for every field
selected on it, a resolver, building its info and serializing the leaf: about
2.5 µs a field. A city-year `compliance` holds 336,000 quota results of six
fields, which took 5.1 s of the gateway's CPU that way (profiled in-process:
`execute_field`, `complete_value` and `build_resolve_info` are most of it).

`ExecutionContext` takes a shorter path for a list whose items are dicts
(what the services answer) of an object type when every field selected on
it is a leaf (a scalar or an enum) read by graphene's default resolver, with
no arguments, and the type has no `is_type_of`: each item becomes
{response key: the leaf's serialized value} directly. The selection is
collected as graphql-core collects it (aliases, fragments, @include/@skip,
__typename), and the values are serialized by the same functions.

Anything else, or anything unusual on the way (a null where the type says
non-null, a value a leaf cannot serialize, an item that is not a dict), goes
the ordinary way for the whole list, so errors are located and worded as
before. A field the scope guard wraps has its own resolver, so a checked
type never takes this path.
"""
from functools import partial

from graphene.types.resolver import dict_or_attr_resolver, dict_resolver
from graphql import (ExecutionContext as _ExecutionContext, GraphQLNonNull, GraphQLObjectType,
                     is_leaf_type)
from graphql.pyutils import Undefined

_DEFAULT_RESOLVERS = (dict_or_attr_resolver, dict_resolver)
_NO_PLAN = object()


def _read_by_default(field):
    """(attribute name, default) when ``field`` is read by graphene's default
    resolver with nothing bound but those, else None."""
    resolve = field.resolve
    if isinstance(resolve, partial) and resolve.func in _DEFAULT_RESOLVERS \
            and len(resolve.args) == 2 and not resolve.keywords:
        return resolve.args
    return None


class ExecutionContext(_ExecutionContext):

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._plans = {}

    def plan(self, item_type, field_nodes):
        """[(response key, attribute, default, leaf type, non-null)] for the
        fields selected on items of ``item_type``, or None when the list
        must go the ordinary way."""
        if isinstance(item_type, GraphQLNonNull):
            item_type = item_type.of_type
        if not isinstance(item_type, GraphQLObjectType) or item_type.is_type_of is not None:
            return None
        steps = []
        for key, nodes in self.collect_subfields(item_type, field_nodes).items():
            name = nodes[0].name.value
            if name == "__typename":
                steps.append((key, None, item_type.name, None, True))
                continue
            field = item_type.fields.get(name)
            if field is None or field.args or any(n.arguments for n in nodes):
                return None
            read = _read_by_default(field)
            leaf = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
            if read is None or not is_leaf_type(leaf):
                return None
            steps.append((key, read[0], read[1], leaf, isinstance(field.type, GraphQLNonNull)))
        return steps

    def complete_list_value(self, return_type, field_nodes, info, path, result):
        if type(result) is list and result:
            key = (return_type, tuple(map(id, field_nodes)))
            plan = self._plans.get(key, _NO_PLAN)
            if plan is _NO_PLAN:
                plan = self._plans[key] = self.plan(return_type.of_type, field_nodes)
            if plan is not None:
                rows = _complete(plan, result, isinstance(return_type.of_type, GraphQLNonNull))
                if rows is not None:
                    return rows
        return super().complete_list_value(return_type, field_nodes, info, path, result)


def _complete(plan, items, items_non_null):
    """The completed list, or None to have it completed the ordinary way."""
    rows = []
    append = rows.append
    try:
        for item in items:
            if type(item) is not dict:
                if item is None and not items_non_null:
                    append(None)
                    continue
                return None
            row = {}
            for key, attribute, default, leaf, non_null in plan:
                if attribute is None:  # __typename
                    row[key] = default
                    continue
                value = item.get(attribute, default)
                if value is None:
                    if non_null:
                        return None
                    row[key] = None
                    continue
                serialized = leaf.serialize(value)
                if serialized is None or serialized is Undefined:
                    return None
                row[key] = serialized
            append(row)
    except Exception:  # noqa: BLE001 - the ordinary way says what was wrong, and where
        return None
    return rows

