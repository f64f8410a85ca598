"""Loading versioned rule sets (shared/rules.py): which file, which version."""
import datetime as dt
import os
import textwrap
from decimal import Decimal

import pytest

from services.scoring.domain import POINT_RULES
from services.supervision.domain import QUOTA_RULES
from shared.rules import RuleSetCheck, RuleSetError, RuleSets

D = dt.date
KIND = "unit-test-kind"     # no such folder in the shipped rules/


def parse(version):
    """A stand-in domain parser: the body's ``value``, which must be a number."""
    value = version.body.get("value")
    if not isinstance(value, int):
        raise ValueError("'value' must be a whole number")
    return (version.version, value)


@pytest.fixture
def rules_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("XF_RULES_DIR", str(tmp_path))
    (tmp_path / KIND).mkdir()
    (tmp_path / "points").mkdir()
    (tmp_path / "quota").mkdir()
    return tmp_path


def write(folder, name, text, kind=KIND):
    path = folder / kind / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


TWO_VERSIONS = """\
    kind: unit-test-kind
    versions:
      - version: 1
        effective_from: 2017-01-01
        value: 10
      - version: 2
        effective_from: 2017-07-01
        value: 20
"""


def error(rule_sets, bureau="b1", day=D(2017, 6, 1)):
    with pytest.raises(RuleSetError) as err:
        rule_sets.for_day(bureau, day)
    return str(err.value)


# -- choosing the version ---------------------------------------------------------------

@pytest.mark.parametrize("day, expected", [
    (D(2016, 12, 31), (1, 10)),    # before every version: the first
    (D(2017, 1, 1), (1, 10)),
    (D(2017, 6, 30), (1, 10)),
    (D(2017, 7, 1), (2, 20)),      # the day it takes effect
    (D(2030, 1, 1), (2, 20)),
])
def test_version_in_force_on_a_day(rules_dir, day, expected):
    write(rules_dir, "default.yaml", TWO_VERSIONS)
    assert RuleSets(KIND, parse).for_day("b1", day) == expected


def test_three_versions_pick_the_newest_started(rules_dir):
    write(rules_dir, "default.yaml", TWO_VERSIONS + """\
      - version: 3
        effective_from: 2018-01-01
        value: 30
    """)
    rule_sets = RuleSets(KIND, parse)
    assert rule_sets.for_day("b1", D(2017, 12, 31)) == (2, 20)
    assert rule_sets.for_day("b1", D(2018, 1, 1)) == (3, 30)


def test_versions_lists_every_version_in_order(rules_dir):
    path = write(rules_dir, "default.yaml", TWO_VERSIONS)
    versions = RuleSets(KIND, parse).versions("b1")
    assert [(v.version, v.effective_from, parsed) for v, parsed in versions] == [
        (1, D(2017, 1, 1), (1, 10)), (2, D(2017, 7, 1), (2, 20))]
    assert versions[0][0].source == str(path)


def test_effective_from_may_be_quoted(rules_dir):
    write(rules_dir, "default.yaml", """\
        kind: unit-test-kind
        versions:
          - {version: 1, effective_from: "2017-01-01", value: 1}
          - {version: 2, effective_from: "2017-03-01", value: 2}
    """)
    assert RuleSets(KIND, parse).for_day("b1", D(2017, 3, 1)) == (2, 2)


# -- choosing the file ------------------------------------------------------------------

def test_a_bureau_file_overrides_the_default(rules_dir):
    write(rules_dir, "default.yaml", TWO_VERSIONS)
    write(rules_dir, "b1.yaml", """\
        kind: unit-test-kind
        versions:
          - {version: 1, effective_from: 2017-01-01, value: 99}
    """)
    rule_sets = RuleSets(KIND, parse)
    assert rule_sets.for_day("b1", D(2017, 6, 1)) == (1, 99)
    assert rule_sets.for_day("b2", D(2017, 6, 1)) == (1, 10)
    assert rule_sets.path_for("b1") == rules_dir / KIND / "b1.yaml"
    assert rule_sets.path_for("b2") == rules_dir / KIND / "default.yaml"


@pytest.mark.parametrize("bureau", ["", None])
def test_no_bureau_gets_the_default(rules_dir, bureau):
    write(rules_dir, "default.yaml", TWO_VERSIONS)
    write(rules_dir, ".yaml", "kind: unit-test-kind\nversions: [oops]\n")
    assert RuleSets(KIND, parse).path_for(bureau) == rules_dir / KIND / "default.yaml"


def test_no_rule_set_anywhere(rules_dir):
    message = error(RuleSets("nothing-here", parse))
    assert "nothing-here" in message


def test_a_bureau_override_of_the_shipped_point_rules(rules_dir):
    write(rules_dir, "b1.yaml", """\
        kind: points
        versions:
          - version: 1
            effective_from: 2017-01-01
            category_caps: {organisational-life: 100}
            rules:
              - key: attend-activity-day
                category: organisational-life
                points: 4
                cap: 80
                when: {event: activity_recorded, kinds: [ACTIVITY_DAY], status: PRESENT}
    """, kind="points")
    own = POINT_RULES.for_day("b1", D(2017, 6, 1))
    assert own.rule("attend-activity-day").points == Decimal(4)
    assert own.category_caps == {"organisational-life": Decimal(100)}
    shipped = POINT_RULES.for_day("b2", D(2017, 6, 1))      # falls back to rules/
    assert shipped.rule("attend-activity-day").points == Decimal(2)
    assert shipped.rule("attend-activity-day").cap == Decimal(48)


def test_the_operator_default_overrides_the_shipped_default(rules_dir):
    write(rules_dir, "default.yaml", """\
        kind: quota
        versions:
          - version: 5
            effective_from: 2017-01-01
            rules:
              - {key: A1, subject: branch, period: month,
                 counts: {activity_kinds: [ACTIVITY_DAY]}, minimum: 3}
    """, kind="quota")
    rule_set = QUOTA_RULES.for_day("anyone", D(2017, 6, 1))
    assert rule_set.version == 5
    assert [(r.key, r.minimum) for r in rule_set.rules] == [("A1", 3)]


def test_a_changed_file_is_read_again(rules_dir):
    path = write(rules_dir, "default.yaml", TWO_VERSIONS)
    rule_sets = RuleSets(KIND, parse)
    assert rule_sets.for_day("b1", D(2017, 1, 1)) == (1, 10)
    path.write_text(TWO_VERSIONS.replace("value: 10", "value: 11"))
    stat = os.stat(path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert rule_sets.for_day("b1", D(2017, 1, 1)) == (1, 11)


# -- broken files --------------------------------------------------------------------------

def test_versions_out_of_order(rules_dir):
    path = write(rules_dir, "default.yaml", """\
        kind: unit-test-kind
        versions:
          - {version: 2, effective_from: 2017-07-01, value: 20}
          - {version: 1, effective_from: 2017-01-01, value: 10}
    """)
    message = error(RuleSets(KIND, parse))
    assert str(path) in message and "order" in message


@pytest.mark.parametrize("numbers", [(1, 1), (2, 1)])
def test_version_numbers_must_rise(rules_dir, numbers):
    path = write(rules_dir, "default.yaml", f"""\
        kind: unit-test-kind
        versions:
          - {{version: {numbers[0]}, effective_from: 2017-01-01, value: 10}}
          - {{version: {numbers[1]}, effective_from: 2017-07-01, value: 20}}
    """)
    message = error(RuleSets(KIND, parse))
    assert str(path) in message and "version numbers" in message


def test_two_versions_on_one_date(rules_dir):
    path = write(rules_dir, "default.yaml", """\
        kind: unit-test-kind
        versions:
          - {version: 1, effective_from: 2017-01-01, value: 10}
          - {version: 2, effective_from: 2017-01-01, value: 20}
    """)
    assert str(path) in error(RuleSets(KIND, parse))


def test_bad_yaml(rules_dir):
    path = write(rules_dir, "default.yaml", "kind: unit-test-kind\nversions: [\n  - {\n")
    message = error(RuleSets(KIND, parse))
    assert str(path) in message and "YAML" in message


def test_bad_yaml_in_a_bureau_file_names_that_file(rules_dir):
    write(rules_dir, "default.yaml", TWO_VERSIONS)
    path = write(rules_dir, "b1.yaml", "kind: : :\n")
    message = error(RuleSets(KIND, parse), bureau="b1")
    assert str(path) in message
    assert RuleSets(KIND, parse).for_day("b2", D(2017, 6, 1)) == (1, 10)


@pytest.mark.parametrize("text", [
    "kind: quota\nversions: []\n", "versions: []\n", "- kind: unit-test-kind\n", "",
])
def test_wrong_kind(rules_dir, text):
    path = write(rules_dir, "default.yaml", text)
    message = error(RuleSets(KIND, parse))
    assert str(path) in message and "kind: unit-test-kind" in message


def test_a_quota_file_in_the_points_folder_is_refused(rules_dir):
    path = write(rules_dir, "b1.yaml", "kind: quota\nversions: []\n", kind="points")
    message = error(POINT_RULES, bureau="b1")
    assert str(path) in message and "kind: points" in message


@pytest.mark.parametrize("versions, fragment", [
    ("[]", "non-empty list"),
    ("{version: 1}", "non-empty list"),
    ("[oops]", "versions[0]: must be a mapping"),
    ("[{effective_from: 2017-01-01, value: 1}]", "'version' must be a whole number"),
    ("[{version: one, effective_from: 2017-01-01, value: 1}]", "'version'"),
    ("[{version: 1, value: 1}]", "'effective_from' must be a date"),
    ("[{version: 1, effective_from: '2017-02-30', value: 1}]", "'effective_from'"),
    ("[{version: 1, effective_from: next year, value: 1}]", "'effective_from'"),
])
def test_malformed_versions(rules_dir, versions, fragment):
    path = write(rules_dir, "default.yaml", f"kind: unit-test-kind\nversions: {versions}\n")
    message = error(RuleSets(KIND, parse))
    assert str(path) in message and fragment in message


def test_an_impossible_unquoted_date_names_the_file(rules_dir):
    # YAML reads 2017-02-30 as a timestamp and fails while loading the file
    path = write(rules_dir, "default.yaml",
                 "kind: unit-test-kind\nversions: [{version: 1, effective_from: 2017-02-30}]\n")
    message = error(RuleSets(KIND, parse))
    assert str(path) in message and "out of range" in message


def test_a_body_the_domain_refuses_names_file_version_and_reason(rules_dir):
    path = write(rules_dir, "default.yaml", """\
        kind: unit-test-kind
        versions:
          - {version: 1, effective_from: 2017-01-01, value: 10}
          - {version: 2, effective_from: 2017-07-01, value: lots}
    """)
    message = error(RuleSets(KIND, parse))
    assert str(path) in message
    assert "versions[1]" in message and "version 2" in message
    assert "'value' must be a whole number" in message


def test_a_broken_point_rule_names_the_file_and_the_rule(rules_dir):
    path = write(rules_dir, "b1.yaml", """\
        kind: points
        versions:
          - version: 1
            effective_from: 2017-01-01
            rules:
              - key: attend
                category: organisational-life
                points: 2
                when: {event: activity_recorded, kinds: [ACTIVITY_NIGHT], status: PRESENT}
    """, kind="points")
    message = error(POINT_RULES, bureau="b1")
    assert str(path) in message and "attend" in message and "ACTIVITY_NIGHT" in message


@pytest.mark.parametrize("rule", [
    "attend-activity-day",                                                # not a mapping
    "{key: r, category: c, points: two, when: {event: dues_paid}}",       # not a number
    "{key: r, category: c, when: {event: dues_paid}}",                     # no points
])
def test_malformed_point_rules_are_rule_set_errors(rules_dir, rule):
    path = write(rules_dir, "b1.yaml", f"""\
        kind: points
        versions:
          - version: 1
            effective_from: 2017-01-01
            rules: [{rule}]
    """, kind="points")
    assert str(path) in error(POINT_RULES, bureau="b1")


def test_a_malformed_quota_rule_is_a_rule_set_error(rules_dir):
    path = write(rules_dir, "b1.yaml", """\
        kind: quota
        versions:
          - version: 1
            effective_from: 2017-01-01
            rules: [A1]
    """, kind="quota")
    assert str(path) in error(QUOTA_RULES, bureau="b1")


def test_rule_set_error_is_a_value_error():
    assert issubclass(RuleSetError, ValueError)


# -- RuleSetCheck -------------------------------------------------------------------------

def test_check_passes_on_good_files(rules_dir):
    write(rules_dir, "default.yaml", TWO_VERSIONS)
    write(rules_dir, "b1.yaml", TWO_VERSIONS)
    assert RuleSetCheck(RuleSets(KIND, parse)).check() is None


def test_check_finds_a_broken_file_no_bureau_has_asked_for_yet(rules_dir):
    write(rules_dir, "default.yaml", TWO_VERSIONS)
    path = write(rules_dir, "b9.yaml", "kind: unit-test-kind\nversions: []\n")
    with pytest.raises(RuleSetError) as err:
        RuleSetCheck(RuleSets(KIND, parse)).check()
    assert str(path) in str(err.value)


def test_check_of_the_shipped_rule_sets(monkeypatch):
    monkeypatch.delenv("XF_RULES_DIR", raising=False)
    assert RuleSetCheck(POINT_RULES, QUOTA_RULES).check() is None
