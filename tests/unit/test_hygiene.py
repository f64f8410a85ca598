"""Input hygiene (gateway/hygiene.py, gateway/auth.py): NUL characters and
lone surrogates anywhere in a request, lists longer than their bound, token
subjects too long to record; and errors that stop listing after ten."""
import json

import pytest
from graphql import parse

from gateway import hygiene
from gateway.auth import MAX_SUBJECT, Unauthenticated, make_token, principal_from_header
from gateway.schema import schema
from shared.errors import BadInput, listing

SCHEMA = schema.graphql_schema
SECRET = "unit-test-secret-unit-test-secret"


def problems_in(body):
    """As the gateway reads a request: the JSON text, then the body."""
    text = json.dumps(body)
    return hygiene.text_problems(text, json.loads(text))


def problems_in_raw(text):
    return hygiene.text_problems(text, json.loads(text))


# -- NUL and lone surrogates ---------------------------------------------------

@pytest.mark.parametrize("what, body, field, kind", [
    ("a NUL in the query", {"query": "{ organizations { id } }\x00"}, "query", "NUL"),
    ("a lone high surrogate in operationName",
     {"query": "{ a }", "operationName": "\ud800"}, "operationName", "surrogate"),
    ("a lone low surrogate in a variable", {"query": "{ a }", "variables": {"t": "x\udfff"}},
     "variables.t", "surrogate"),
    ("a NUL in a string deep in a list of objects",
     {"query": "{ a }", "variables": {"i": {"attendance": [{"reason": "ok"},
                                                         {"reason": "sick\x00"}]}}},
     "variables.i.attendance[1].reason", "NUL"),
    ("a NUL in a list of strings", {"query": "{ a }", "variables": {"r": ["member", "\x00"]}},
     "variables.r[1]", "NUL"),
])
def test_a_nul_or_a_lone_surrogate_anywhere_is_a_problem_named_by_its_place(what, body, field,
                                                                             kind):
    (problem,) = problems_in(body)
    assert problem.field == field, what
    assert kind in problem.message, what


def test_a_bad_character_in_a_variable_name_is_named_without_echoing_it():
    (problem,) = problems_in({"query": "{ a }", "variables": {"na\x00me": "x"}})
    assert problem.field == "variables.na\ufffdme"
    assert "\x00" not in problem.field + problem.message
    assert problem.message.startswith("the name contains a NUL")


def test_the_messages_say_what_is_wrong_without_the_character():
    nul, = problems_in({"query": "\x00"})
    half, = problems_in({"query": "\ud83d"})
    assert "NUL character (\\u0000)" in nul.message
    assert "surrogate pair" in half.message and "UTF-8" in half.message
    for message in (nul.message, half.message):
        message.encode("utf-8")  # nothing in it that cannot be sent


@pytest.mark.parametrize("what, text", [
    ("Chinese as escapes", '{"query": "{ a }", "variables": {"t": "\\u5b66\\u515a\\u7ae0"}}'),
    ("an emoji as a surrogate pair", '{"query": "{ a }", "variables": {"t": "\\ud83d\\ude00"}}'),
    ("a backslash and u0000 as text", '{"query": "{ a }", "variables": {"t": "\\\\u0000"}}'),
    ("plain text", '{"query": "{ organizations { id name } }"}'),
])
def test_text_a_person_may_send_is_no_problem(what, text):
    assert problems_in_raw(text) == [], what


def test_a_surrogate_sent_raw_in_the_bytes_is_found_as_json_would_decode_it():
    """json.loads decodes bytes with surrogatepass: a surrogate encoded as
    UTF-8 bytes arrives as a lone surrogate, not as an error."""
    raw = b'{"query": "{ a }", "variables": {"t": "\xed\xa0\x80"}}'
    text = raw.decode(json.detect_encoding(raw), "surrogatepass")
    (problem,) = hygiene.text_problems(text, json.loads(text))
    assert problem.field == "variables.t"


def test_deep_variables_are_walked_without_recursion():
    value = "\x00"
    for _ in range(5000):
        value = [value]
    (problem,) = hygiene.text_problems("\\u0000", {"query": "{ a }", "variables": {"v": value}})
    assert problem.field.startswith("variables.v[0][0]")


def test_a_nul_written_as_an_escape_in_the_query_is_found_in_its_strings():
    document = parse('{ organization(id: "ok") { id } member(id: "a\\u0000b") { id } }')
    (problem,) = hygiene.literal_problems(document)
    assert problem.field == "query" and "line 1" in problem.message
    assert hygiene.literal_problems(parse('{ member(id: """block\\u0000""") { id } }')) == []


# -- lists ---------------------------------------------------------------------

RECORD = "mutation($i: ActivityInput!) { recordActivity(input: $i) { id } }"
RECORD_MANY = "mutation($i: [ActivityInput!]!) { recordActivities(inputs: $i) { id } }"
REGISTER = "mutation($i: MemberInput!) { registerMember(input: $i) { id } }"


def lines(n):
    return [{"memberId": f"m{i}", "status": "PRESENT"} for i in range(n)]


def activity(attendance=1):
    return {"orgId": "b", "kind": "ACTIVITY_DAY", "theme": "学", "heldOn": "2017-06-03",
            "attendance": lines(attendance)}


def list_problems(query, variables=None, operation_name=None):
    document = parse(query)
    from graphql import get_operation_ast
    return hygiene.list_problems(SCHEMA, document, get_operation_ast(document, operation_name),
                                 variables)


def test_five_hundred_attendance_lines_are_allowed_and_five_hundred_and_one_are_not():
    assert list_problems(RECORD, {"i": activity(500)}) == []
    (problem,) = list_problems(RECORD, {"i": activity(501)})
    assert problem.field == "input.attendance"
    assert problem.message == "501 attendance lines; at most 500 in one activity"


def test_thirty_thousand_attendance_lines_get_one_short_problem():
    (problem,) = list_problems(RECORD, {"i": activity(30_000)})
    assert problem.message == "30,000 attendance lines; at most 500 in one activity"


def test_a_list_in_each_activity_of_a_bulk_call_is_named_by_its_index():
    inputs = [activity(), activity(501), activity(), activity(700)]
    problems = list_problems(RECORD_MANY, {"i": inputs})
    assert [p.field for p in problems] == ["inputs[1].attendance", "inputs[3].attendance"]


def test_more_than_five_hundred_activities_in_one_call():
    (problem,) = list_problems(RECORD_MANY, {"i": [activity()] * 501})
    assert problem.field == "inputs" and "at most 500" in problem.message


def test_a_too_long_list_written_in_the_query_itself():
    members = ", ".join(f'{{memberId: "m{i}", status: PRESENT}}' for i in range(501))
    query = (f'mutation {{ recordActivity(input: {{orgId: "b", kind: ACTIVITY_DAY, theme: "学", '
             f'heldOn: "2017-06-03", attendance: [{members}]}}) {{ id }} }}')
    (problem,) = list_problems(query)
    assert problem.field == "input.attendance"


def test_a_variable_left_out_falls_back_to_its_default():
    roles = json.dumps(["member"] * 11)
    query = (f'mutation($r: [String!] = {roles}) {{ registerMember(input: {{name: "x", '
             'branchId: "b", roles: $r}) { id } }')
    (problem,) = list_problems(query, {})
    assert problem.field == "input.roles" and "at most 10" in problem.message
    assert list_problems(query, {"r": ["member"]}) == []


def test_a_single_value_where_a_list_is_expected_is_a_list_of_one():
    assert list_problems(REGISTER, {"i": {"name": "x", "branchId": "b", "roles": "member"}}) == []


def test_a_mutation_in_a_fragment_is_checked_too():
    query = """mutation($i: ActivityInput!) { ...M } fragment M on Mutation {
        recordActivity(input: $i) { id } }"""
    (problem,) = list_problems(query, {"i": activity(501)})
    assert problem.field == "input.attendance"


def test_only_the_operation_that_runs_is_checked():
    query = RECORD.replace("mutation(", "mutation Big(") + " mutation Small { __typename }"
    assert list_problems(query, {"i": activity(600)}, "Small") == []
    assert len(list_problems(query, {"i": activity(600)}, "Big")) == 1


def test_every_list_a_request_may_send_has_a_bound():
    """Generated from the schema: a new list argument or input field fails
    here until it is given a maximum length in MAX_LIST_LENGTHS."""
    found = hygiene.list_arguments(SCHEMA)
    assert found, "the schema takes no list at all?"
    assert found == set(hygiene.MAX_LIST_LENGTHS), (
        f"lists without a bound: {found - set(hygiene.MAX_LIST_LENGTHS)}; "
        f"bounds of no list: {set(hygiene.MAX_LIST_LENGTHS) - found}")


# -- at most ten problems ------------------------------------------------------

def test_an_error_lists_at_most_ten_problems_then_how_many_more():
    problems = problems_in({"query": "{ a }", "variables": {"t": ["\x00"] * 25}})
    errors = hygiene.at_most(hygiene.errors_of(problems))
    assert len(errors) == 11
    assert [e.extensions["field"] for e in errors[:10]] == [f"variables.t[{i}]" for i in range(10)]
    assert errors[10].message.startswith("and 15 more problems like these")
    assert errors[10].extensions == {"code": "BAD_INPUT"}
    assert hygiene.at_most(hygiene.errors_of(problems[:10])) == hygiene.errors_of(problems[:10])


def test_when_graphql_stopped_counting_the_count_says_at_least():
    from graphql import GraphQLError
    errors = [GraphQLError(f"bad {i}") for i in range(30)] + [GraphQLError(
        "Too many errors processing variables, error limit reached. Execution aborted.")]
    assert hygiene.at_most(errors)[-1].message.startswith("and at least 20 more")


def test_a_service_message_names_ten_items_then_how_many_more():
    assert listing(["a", "b"]) == "a, b"
    assert listing([f"m{i}" for i in range(30_000)]) == \
        "m0, m1, m2, m3, m4, m5, m6, m7, m8, m9 and 29,990 more"


def test_the_activity_service_refuses_more_than_five_hundred_lines_and_names_ten_strangers():
    import datetime as dt

    from services.activity.domain import activity as domain
    data = {"org_id": "b", "kind": "ACTIVITY_DAY", "theme": "学", "held_on": "2017-06-03",
            "attendance": [{"member_id": f"m{i}", "status": "PRESENT"} for i in range(501)]}
    with pytest.raises(BadInput) as err:
        domain.validate_input(data, dt.date(2018, 1, 1))
    assert err.value.field == "attendance" and "at most 500" in err.value.message
    data["attendance"] = data["attendance"][:400]
    draft = domain.validate_input(data, dt.date(2018, 1, 1))
    with pytest.raises(BadInput) as err:
        domain.validate_against_org(draft, {"kind": "BRANCH", "name": "第一支部"}, set())
    assert len(str(err.value)) < 200 and str(err.value).endswith("m9 and 390 more")


# -- the token's subject -------------------------------------------------------

def principal(sub="tester", scope="*"):
    return principal_from_header("Bearer " + make_token(SECRET, sub, scope, ["admin"]), SECRET)


def test_a_subject_may_have_128_characters_and_no_more():
    assert principal("s" * MAX_SUBJECT).sub == "s" * MAX_SUBJECT
    with pytest.raises(Unauthenticated, match="1 to 128 characters"):
        principal("s" * (MAX_SUBJECT + 1))


@pytest.mark.parametrize("what, sub, scope", [
    ("a subject of 129 characters", "s" * 129, "*"),
    ("a subject of 10,000 characters", "s" * 10_000, "*"),
    ("a NUL in the subject", "tes\x00ter", "*"),
    ("a lone surrogate in the subject", "tester\ud800", "*"),
    ("a NUL in the scope", "tester", "org\x00"),
    ("a scope of 129 characters", "tester", "o" * 129),
])
def test_a_subject_or_scope_that_could_never_be_recorded_is_unauthenticated(what, sub, scope):
    with pytest.raises(Unauthenticated):
        principal(sub, scope)
