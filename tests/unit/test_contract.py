"""The gateway serves contract/core.graphql and the sections of
contract/programme.graphql listed in SERVED_SECTIONS exactly: every type,
field, argument and enum value, with the same types; additions are allowed
only where they cannot break a client (new optional inputs). The other
sections of the programme come with later issues."""
import re
from pathlib import Path

import pytest
from graphql import (DocumentNode, GraphQLEnumType, GraphQLInputObjectType, GraphQLNonNull,
                     GraphQLObjectType, GraphQLScalarType, build_schema, extend_schema, parse)
from graphql.language import TypeDefinitionNode

from gateway.schema import schema

FOLDER = Path(__file__).parents[2] / "contract"
SERVED_SECTIONS = ("organisation", "bulk", "study", "members' practice", "scoring",
                   "pioneer", "supervision")
# Types a served section uses but another section defines.
BORROWED = {}  # ThemeSource comes with "study", Minutes with "members' practice"
SECTION = re.compile(r"^# -{8,} (.+)$", re.M)


def programme_sections():
    """{section name: its text}, cut at the '# ---- name' rulers."""
    text = (FOLDER / "programme.graphql").read_text()
    rulers = list(SECTION.finditer(text))
    return {m.group(1).strip(): text[m.end():rulers[i + 1].start() if i + 1 < len(rulers)
                                     else len(text)]
            for i, m in enumerate(rulers)}


def contract():
    sections = programme_sections()
    everything = parse((FOLDER / "programme.graphql").read_text())
    definitions = []
    for name in SERVED_SECTIONS:
        definitions += parse(sections[name]).definitions
        for borrowed in BORROWED.get(name, ()):
            definitions += [d for d in everything.definitions
                            if isinstance(d, TypeDefinitionNode) and d.name.value == borrowed]
    core = build_schema((FOLDER / "core.graphql").read_text())
    return extend_schema(core, DocumentNode(definitions=tuple(definitions)))


CONTRACT = contract()
SERVED = schema.graphql_schema
NAMED = sorted(name for name in CONTRACT.type_map if not name.startswith("__"))


def test_the_served_sections_are_in_the_contract():
    sections = programme_sections()
    assert set(SERVED_SECTIONS) <= set(sections), sorted(sections)
    for name in ("ActivityImport", "RowError", "RosterImport", "Appraisal", "Checkup",
                 "BranchRating", "DualRecord", "Pioneer", "PioneerReview", "TalentPoolEntry",
                 "MentoringPair"):
        assert name in CONTRACT.type_map
    for name in ("recordActivities", "importActivities", "setMemberRoles",
                 "assignContactBranch", "importRoster", "adjustPoints", "recordDues",
                 "openAppraisal", "scoreAppraisal", "finalizeAppraisal", "recordCheckup",
                 "nominatePioneer", "decidePioneer", "openPioneerReview", "ratePioneer",
                 "closePioneerReview", "pairMentor"):
        assert name in CONTRACT.type_map["Mutation"].fields
    for name in ("dualRecord", "appraisal", "checkupIndicators", "checkup", "fourQualified",
                 "branchRatings", "pioneers", "pioneerReview", "talentPool", "mentoringPairs"):
        assert name in CONTRACT.type_map["Query"].fields


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
                assert mine.args[arg_name].default_value == arg.default_value, \
                    f"{name}.{field_name}({arg_name}) default"
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
