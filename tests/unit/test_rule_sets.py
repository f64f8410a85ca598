"""Loading versioned rule sets (shared/rules.py): which file, which version,
and what stays in force while a file is broken."""
import datetime as dt
import logging
import os
import textwrap
from decimal import Decimal

import pytest
from prometheus_client import REGISTRY

from services.scoring.domain import POINT_RULES
from services.scoring.domain.points import parse_rule_set as parse_points
from services.supervision.domain import QUOTA_RULES
from services.supervision.domain.quota_rules import parse_rule_set as parse_quotas
from shared.rules import NoValidRuleSet, RuleSetCheck, RuleSetError, RuleSets

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


def point_rules():
    """A point rule set loader that has read nothing yet: a good copy another
    test left in the shipped loader (it keeps the last good copy of each
    file) stays out of this one."""
    return RuleSets("points", parse_points)


def quota_rules():
    return RuleSets("quota", parse_quotas)


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
            category_dimensions: {organisational-life: DISCIPLINE}
            rules:
              - key: attend-activity-day
                category: organisational-life
                points: 4
                cap: 80
                when: {event: activity_recorded, kinds: [ACTIVITY_DAY], status: PRESENT}
    """, kind="points")
    own = point_rules().for_day("b1", D(2017, 6, 1))
    assert own.rule("attend-activity-day").points == Decimal(4)
    assert own.category_caps == {"organisational-life": Decimal(100)}
    shipped = point_rules().for_day("b2", D(2017, 6, 1))      # falls back to rules/
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
    rule_set = quota_rules().for_day("anyone", D(2017, 6, 1))
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
    message = error(point_rules(), bureau="b1")
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
    message = error(point_rules(), bureau="b1")
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
    assert str(path) in error(point_rules(), bureau="b1")


def test_a_malformed_quota_rule_is_a_rule_set_error(rules_dir):
    path = write(rules_dir, "b1.yaml", """\
        kind: quota
        versions:
          - version: 1
            effective_from: 2017-01-01
            rules: [A1]
    """, kind="quota")
    assert str(path) in error(quota_rules(), bureau="b1")


def test_rule_set_error_is_a_value_error():
    assert issubclass(RuleSetError, ValueError)


# -- a broken file: the last good copy stays in force --------------------------------

def rewrite(path, text):
    """Change a file as an operator would, even within the file system's
    clock tick: the loader notices a change by time, size and inode."""
    before = os.stat(path).st_mtime_ns if path.exists() else 0
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    os.utime(path, ns=(before + 10**9, before + 10**9))
    return path


ONE_VERSION = """\
    kind: unit-test-kind
    versions:
      - {version: 1, effective_from: 2017-01-01, value: 99}
"""

# What an operator may leave in a file, each refused when it is read.
BROKEN = {
    "not YAML": "kind: unit-test-kind\nversions: [\n  - {\n",
    "empty file": "",
    "a list at the top": "- kind: unit-test-kind\n",
    "another kind": "kind: quota\nversions: [{version: 1, effective_from: 2017-01-01}]\n",
    "no versions": "kind: unit-test-kind\nversions: []\n",
    "a version that is no mapping": "kind: unit-test-kind\nversions: [oops]\n",
    "a version number that is text":
        "kind: unit-test-kind\nversions: [{version: one, effective_from: 2017-01-01, value: 1}]\n",
    "a version number that is a boolean":
        "kind: unit-test-kind\nversions: [{version: true, effective_from: 2017-01-01, value: 1}]\n",
    "a start that is no day":
        "kind: unit-test-kind\nversions: [{version: 1, effective_from: 2017-02-30, value: 1}]\n",
    "a start with a time of day":
        "kind: unit-test-kind\nversions: [{version: 1, effective_from: 2017-01-01 08:00:00, "
        "value: 1}]\n",
    "versions out of order": "kind: unit-test-kind\nversions: [{version: 2, effective_from: "
                             "2017-07-01, value: 2}, {version: 1, effective_from: 2017-01-01, "
                             "value: 1}]\n",
    "a body the domain refuses":
        "kind: unit-test-kind\nversions: [{version: 1, effective_from: 2017-01-01, value: lots}]\n",
}


@pytest.fixture
def loader(rules_dir):
    write(rules_dir, "default.yaml", TWO_VERSIONS)
    return RuleSets(KIND, parse)


@pytest.mark.parametrize("text", BROKEN.values(), ids=BROKEN.keys())
def test_a_bureau_file_broken_after_a_good_read_keeps_the_good_copy(rules_dir, loader, text,
                                                                    caplog):
    path = write(rules_dir, "b1.yaml", ONE_VERSION)
    assert loader.for_day("b1", D(2017, 6, 1)) == (1, 99)
    rewrite(path, text)
    with caplog.at_level(logging.ERROR, logger="shared.rules"):
        assert loader.for_day("b1", D(2017, 6, 1)) == (1, 99)
    assert loader.has_valid("b1")
    assert loader.for_day("b2", D(2017, 6, 1)) == (1, 10)   # another bureau: the default
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert str(path) in record.getMessage() and "stays in force" in record.getMessage()


@pytest.mark.parametrize("text", BROKEN.values(), ids=BROKEN.keys())
def test_a_bureau_file_never_read_good_leaves_that_bureau_without_rules(rules_dir, loader,
                                                                        text):
    path = write(rules_dir, "b1.yaml", text)
    with pytest.raises(NoValidRuleSet) as err:
        loader.for_day("b1", D(2017, 6, 1))
    assert (err.value.kind, err.value.bureau_id) == (KIND, "b1")
    assert str(path) in str(err.value)
    assert not loader.has_valid("b1")
    assert loader.for_day("b2", D(2017, 6, 1)) == (1, 10)


def test_a_file_that_cannot_be_decoded_is_broken_too(rules_dir, loader):
    (rules_dir / KIND / "b1.yaml").write_bytes(b"kind: \xff\xfe unit-test-kind\n")
    with pytest.raises(NoValidRuleSet) as err:
        loader.versions("b1")
    assert "cannot be read" in str(err.value)


def test_a_broken_file_is_reported_once_per_change_not_per_event(rules_dir, loader, caplog):
    path = write(rules_dir, "b1.yaml", ONE_VERSION)
    loader.versions("b1")
    with caplog.at_level(logging.ERROR, logger="shared.rules"):
        rewrite(path, BROKEN["not YAML"])
        for _ in range(50):
            loader.for_day("b1", D(2017, 6, 1))
        rewrite(path, BROKEN["no versions"])
        for _ in range(50):
            loader.for_day("b1", D(2017, 6, 1))
    assert len([r for r in caplog.records if r.levelno == logging.ERROR]) == 2


def error_gauge(kind, bureau):
    return REGISTRY.get_sample_value("xianfeng_rule_set_errors",
                                     {"kind": kind, "bureau": bureau})


def test_the_error_gauge_names_the_broken_file_until_it_is_fixed(rules_dir, loader):
    path = write(rules_dir, "gauge-b1.yaml", ONE_VERSION)
    loader.versions("gauge-b1")
    assert error_gauge(KIND, "gauge-b1") is None
    rewrite(path, BROKEN["not YAML"])
    loader.versions("gauge-b1")
    assert error_gauge(KIND, "gauge-b1") == 1.0
    rewrite(path, ONE_VERSION.replace("99", "100"))
    assert loader.for_day("gauge-b1", D(2017, 6, 1)) == (1, 100)
    assert error_gauge(KIND, "gauge-b1") is None


def test_a_fixed_file_is_in_force_again(rules_dir, loader):
    assert loader.for_day("b1", D(2017, 6, 1)) == (1, 10)
    path = write(rules_dir, "b1.yaml", BROKEN["no versions"])
    # not the default the bureau had before: it meant rules of its own
    assert not loader.has_valid("b1")
    rewrite(path, ONE_VERSION)
    assert loader.for_day("b1", D(2017, 6, 1)) == (1, 99)
    rewrite(path, BROKEN["not YAML"])
    assert loader.for_day("b1", D(2017, 6, 1)) == (1, 99)
    rewrite(path, ONE_VERSION.replace("99", "7"))
    assert loader.for_day("b1", D(2017, 6, 1)) == (1, 7)


def test_a_broken_default_keeps_its_copy_for_every_bureau_without_a_file(rules_dir, loader):
    write(rules_dir, "b1.yaml", ONE_VERSION)
    assert loader.for_day("b2", D(2017, 6, 1)) == (1, 10)
    rewrite(rules_dir / KIND / "default.yaml", BROKEN["another kind"])
    assert loader.for_day("b2", D(2017, 6, 1)) == (1, 10)
    assert loader.for_day("b3", D(2017, 6, 1)) == (1, 10)
    assert loader.for_day("b1", D(2017, 6, 1)) == (1, 99)


def test_scan_reports_every_broken_file_without_raising(rules_dir, loader):
    write(rules_dir, "b1.yaml", ONE_VERSION)
    write(rules_dir, "b2.yaml", BROKEN["not YAML"])
    write(rules_dir, "b3.yaml", BROKEN["empty file"])
    broken = loader.scan()
    assert sorted(broken) == ["b2", "b3"]
    assert "not valid YAML" in str(broken["b2"])
    assert loader.has_valid("b1") and not loader.has_valid("b2")


def test_a_copy_kept_by_an_earlier_run_is_in_force_while_the_file_is_broken(rules_dir):
    earlier = RuleSets(KIND, parse)
    path = write(rules_dir, "b1.yaml", ONE_VERSION)
    earlier.versions("b1")
    copy = earlier.kept()["b1"]
    assert copy.source == str(path) and copy.text == textwrap.dedent(ONE_VERSION)
    rewrite(path, BROKEN["not YAML"])
    restarted = RuleSets(KIND, parse)
    assert restarted.adopt("b1", copy.source, copy.text)
    assert restarted.for_day("b1", D(2017, 6, 1)) == (1, 99)
    rewrite(path, ONE_VERSION.replace("99", "5"))
    assert restarted.for_day("b1", D(2017, 6, 1)) == (1, 5)      # the file wins once good
    assert restarted.kept()["b1"].digest != copy.digest


def test_a_kept_copy_is_not_taken_over_a_copy_read_since(rules_dir):
    loader = RuleSets(KIND, parse)
    write(rules_dir, "b1.yaml", ONE_VERSION)
    loader.versions("b1")
    assert loader.adopt("b1", "elsewhere", ONE_VERSION.replace("99", "1"))
    assert loader.for_day("b1", D(2017, 6, 1)) == (1, 99)


def test_a_kept_copy_the_rules_now_refuse_is_not_taken(rules_dir):
    loader = RuleSets(KIND, parse)
    write(rules_dir, "b1.yaml", BROKEN["not YAML"])
    assert not loader.adopt("b1", "old.yaml", BROKEN["a body the domain refuses"])
    assert not loader.has_valid("b1")


def test_a_list_where_the_point_rules_want_a_mapping_is_a_rule_set_error(rules_dir):
    # before, an AttributeError escaped the loader: it dead-lettered the events
    path = write(rules_dir, "b1.yaml", """\
        kind: points
        versions:
          - version: 1
            effective_from: 2017-01-01
            category_caps: [study, 40]
            rules:
              - {key: r, category: study, points: 1, when: {event: dues_paid}}
    """, kind="points")
    assert str(path) in error(point_rules(), bureau="b1")


@pytest.mark.parametrize("cap", ["cap: -5", "cap: -0.5"])
def test_a_negative_point_cap_is_a_broken_file(rules_dir, cap):
    path = write(rules_dir, "b1.yaml", f"""\
        kind: points
        versions:
          - version: 1
            effective_from: 2017-01-01
            rules:
              - {{key: r, category: study, points: 1, {cap}, when: {{event: dues_paid}}}}
    """, kind="points")
    message = error(point_rules(), bureau="b1")
    assert str(path) in message and "cap of r" in message


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
