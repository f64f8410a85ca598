"""What no request may carry, judged before anything runs.

Text: no NUL character and no lone surrogate (half of a UTF-16 pair, what
JSON's "\\ud800" decodes to) anywhere: in the query, in operationName, in the
variables at any depth, keys included. PostgreSQL cannot store a NUL in text,
and a lone surrogate cannot be written as UTF-8, not even in the answer that
echoes it; both used to come back INTERNAL or as HTTP 500.

Lists: every list a request may send has a maximum length
(``MAX_LIST_LENGTHS``; ``tests/unit/test_hygiene.py`` makes sure every list
argument of the schema has one). They are checked on the raw variables and
literals, before graphql-core turns 30,000 attendance lines into objects and
before any RPC; the services keep their own checks.

Errors list at most ``MAX_PROBLEMS`` problems, then how many more, so a bad
input of any size gets an answer of a few hundred bytes.
"""
import re
from dataclasses import dataclass

from graphql import (FieldNode, FragmentDefinitionNode, FragmentSpreadNode, GraphQLError,
                     GraphQLInputObjectType, GraphQLList, GraphQLNonNull, InlineFragmentNode,
                     StringValueNode, Visitor, get_named_type, visit)
from graphql.pyutils import Undefined
from graphql.utilities import value_from_ast_untyped

MAX_PROBLEMS = 10
# how many bad variable values graphql-core reports before it stops looking
MAX_COERCION_ERRORS = 1000

# (the type, or "Type.field" for a field's argument; the name): the most
# items, what they are, and what to do instead. The activity service checks
# the same attendance bound (MAX_ATTENDANCE in services/activity/domain).
MAX_LIST_LENGTHS = {
    ("Mutation.recordActivities", "inputs"): (500, "activities", " in one call; send the rest "
                                                                 "in another"),
    ("ActivityInput", "attendance"): (500, "attendance lines", " in one activity"),
    # the activity service checks the same bound (services/activity/domain MAX_GUESTS)
    ("ActivityInput", "guestIds"): (100, "guests", " in one activity"),
    ("MemberInput", "roles"): (10, "roles", " for one member"),
    ("AnnualPlanInput", "items"): (200, "items", " in one plan"),
    ("Mutation.setMemberRoles", "roles"): (10, "roles", " for one member"),
    # a talk has exactly two; the service says so for 0, 1 or 3
    ("TalkInput", "participantIds"): (10, "participants", " in one talk"),
    # the activity service checks the same bounds (services/activity/domain/minutes.py)
    ("MinutesInput", "speakerIds"): (100, "speakers", " in one set of minutes"),
    ("MinutesInput", "decisions"): (50, "decisions", " in one set of minutes"),
    # the scoring service checks the same bound (services/scoring/domain/checkup.py)
    ("CheckupInput", "scores"): (100, "scores", " in one check-up, one per indicator"),
    # the supervision service checks the same bound (domain/rectification.py MAX_MEASURES)
    ("RectificationInput", "measures"): (50, "measures", " in one rectification item"),
    # the supervision service checks the same bound (services/supervision/domain/survey.py)
    ("Mutation.openSurvey", "questions"): (100, "questions", " in one survey"),
    ("Mutation.answerSurvey", "answers"): (100, "answers", ", one per question of the survey"),
}

_BAD_CHARACTER = re.compile("[\x00\ud800-\udfff]")


def unstorable(text):
    """``text`` holds a NUL or a lone surrogate: no database keeps it."""
    return bool(_BAD_CHARACTER.search(text))


# Where a decoded NUL or lone surrogate can come from in JSON text: the
# character itself, or a \u escape of it. Text with neither is clean without
# a walk through every value.
_MAYBE_BAD_JSON = re.compile(r"[\x00\ud800-\udfff]|\\u(?:0000|[dD][89a-fA-F])")


@dataclass(frozen=True)
class Problem:
    field: str
    message: str


def text_problems(json_text, body):
    """Problems with the text of a decoded request ``body`` (whose JSON text
    was ``json_text``): a NUL or a lone surrogate in the query, operationName
    or the variables."""
    if not _MAYBE_BAD_JSON.search(json_text):
        return []
    problems = []
    stack = [(("variables",), body.get("variables")),
             (("operationName",), body.get("operationName")), (("query",), body.get("query"))]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if _BAD_CHARACTER.search(value):
                problems.append(Problem(_name(path), _what_is_wrong(value)))
        elif isinstance(value, dict):
            for key, item in reversed(value.items()):
                if _BAD_CHARACTER.search(key):
                    problems.append(Problem(_name(path + (key,)),
                                            "the name " + _what_is_wrong(key)))
                stack.append((path + (key,), item))
        elif isinstance(value, list):
            stack.extend((path + (i,), item) for i, item in reversed(list(enumerate(value))))
    return problems


def literal_problems(document):
    """A NUL written as an escape inside a string of the query itself
    ("\\u0000"); the query text was checked as text already."""
    problems = []

    class Strings(Visitor):
        @staticmethod
        def enter_string_value(node: StringValueNode, *_):
            if _BAD_CHARACTER.search(node.value):
                line = node.loc.source.get_location(node.loc.start).line if node.loc else "?"
                problems.append(Problem("query", f"a string on line {line} "
                                                 + _what_is_wrong(node.value)))

    visit(document, Strings())
    return problems


def _what_is_wrong(text):
    if "\x00" in text:
        return "contains a NUL character (\\u0000), which no text may contain"
    return ("contains half of a UTF-16 surrogate pair (\\ud800-\\udfff) without the other "
            "half; send text as UTF-8")


def _name(path):
    """``variables.i.attendance[3].reason``, never echoing a bad character."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + _BAD_CHARACTER.sub("\ufffd", part)
    return out


def list_problems(schema, document, operation, variables):
    """Lists longer than their maximum among the arguments of ``operation``
    (a valid one, of ``document``), given as literals or as ``variables``."""
    variables = dict(variables or {})
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        if name not in variables and definition.default_value is not None:
            variables[name] = value_from_ast_untyped(definition.default_value)
    fragments = {d.name.value: d for d in document.definitions
                 if isinstance(d, FragmentDefinitionNode)}
    root = schema.get_root_type(operation.operation)
    problems, seen = [], set()
    stack = [(operation.selection_set, root)]
    while stack:
        selection_set, parent = stack.pop()
        for node in selection_set.selections if selection_set else ():
            if isinstance(node, FieldNode):
                field = getattr(parent, "fields", {}).get(node.name.value)
                if field is None:
                    continue
                for argument in node.arguments or ():
                    definition = field.args.get(argument.name.value)
                    if definition is not None and _holds_lists(definition.type):
                        raw = value_from_ast_untyped(argument.value, variables)
                        _check(raw, definition.type, (f"{parent.name}.{node.name.value}",
                                                      argument.name.value),
                               argument.name.value, problems)
                if node.selection_set:
                    stack.append((node.selection_set, get_named_type(field.type)))
            elif isinstance(node, InlineFragmentNode):
                inner = (schema.get_type(node.type_condition.name.value)
                         if node.type_condition else parent)
                stack.append((node.selection_set, inner))
            elif isinstance(node, FragmentSpreadNode) and node.name.value not in seen:
                seen.add(node.name.value)
                fragment = fragments.get(node.name.value)
                if fragment is not None:
                    stack.append((fragment.selection_set,
                                  schema.get_type(fragment.type_condition.name.value)))
    return problems


def _check(raw, type_, key, path, problems):
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    if raw is None or raw is Undefined:
        return
    if isinstance(type_, GraphQLList):
        # a single value where a list is expected is a list of one
        items = raw if isinstance(raw, list) else [raw]
        bound = MAX_LIST_LENGTHS.get(key)
        if bound and len(items) > bound[0]:
            limit, noun, advice = bound
            problems.append(Problem(path, f"{len(items):,} {noun}; at most {limit:,}{advice}"))
            return
        if _holds_lists(type_.of_type):
            for i, item in enumerate(items):
                _check(item, type_.of_type, key, f"{path}[{i}]", problems)
    elif isinstance(type_, GraphQLInputObjectType) and isinstance(raw, dict):
        for name, field in type_.fields.items():
            if name in raw and _holds_lists(field.type):
                _check(raw[name], field.type, (type_.name, name), f"{path}.{name}", problems)


def _holds_lists(type_, _seen=None):
    """Whether a value of ``type_`` may contain a list somewhere."""
    while isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    if isinstance(type_, GraphQLList):
        return True
    if not isinstance(type_, GraphQLInputObjectType):
        return False
    seen = _seen or set()
    if type_.name in seen:
        return False
    seen.add(type_.name)
    return any(_holds_lists(f.type, seen) for f in type_.fields.values())


def list_arguments(schema):
    """Every place a request may send a list, as the keys of
    ``MAX_LIST_LENGTHS``: (``"Type.field"``, argument) and (input type, field)."""
    found = set()
    for type_ in schema.type_map.values():
        if type_.name.startswith("__"):
            continue
        if isinstance(type_, GraphQLInputObjectType):
            found |= {(type_.name, name) for name, field in type_.fields.items()
                      if _is_list(field.type)}
        else:
            for field_name, field in (getattr(type_, "fields", None) or {}).items():
                found |= {(f"{type_.name}.{field_name}", name)
                          for name, arg in (getattr(field, "args", None) or {}).items()
                          if _is_list(arg.type)}
    return found


def _is_list(type_):
    while isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)


def errors_of(problems):
    """A GraphQL error, BAD_INPUT naming the field, for each problem."""
    return [GraphQLError(f"{p.field}: {p.message}",
                         extensions={"code": "BAD_INPUT", "field": p.field}) for p in problems]


def at_most(errors, limit=MAX_PROBLEMS):
    """The first ``limit`` errors, then one saying how many more."""
    errors = list(errors)
    # graphql-core stops coercing variables after MAX_COERCION_ERRORS and says so
    cut = bool(errors) and errors[-1].message.startswith("Too many errors")
    if cut:
        errors.pop()
    if len(errors) <= limit and not cut:
        return errors
    code = (errors[0].extensions or {}).get("code") or "BAD_INPUT"
    more = f"{len(errors) - limit:,}" if not cut else f"at least {len(errors) - limit:,}"
    return errors[:limit] + [GraphQLError(
        f"and {more} more problems like these; fix the ones above and send again",
        extensions={"code": code})]
