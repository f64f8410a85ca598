"""Backdating (补录): a record dated further back than its bureau allows
(rules/records/, 400 days as shipped) needs an admin; the pure rule, the
rule set, and the three ways to record (services/activity/handlers.py) with
the organisation register and the database faked."""
import datetime as dt
import textwrap

import pytest

from services.activity import handlers
from shared.backdating import RECORD_RULES, check_backdating, is_backdated, parse_rule_set
from shared.errors import Forbidden
from shared.rules import RuleSetError, RuleSets, Version
from tests.unit.test_activity_handlers import FakeDb, Register, csv_file, data

D = dt.date
TODAY = D(2018, 6, 30)      # 400 days back is 2017-05-26


# -- the rule ---------------------------------------------------------------------------

@pytest.mark.parametrize("held_on, limit, backdated", [
    (D(2017, 5, 26), 400, False),    # exactly the limit
    (D(2017, 5, 25), 400, True),     # a day past it
    (D(1950, 1, 1), 400, True),
    (TODAY, 0, False),
    (D(2018, 6, 29), 0, True),       # a limit of 0: only today
    (D(2018, 5, 31), 30, False),
    (D(2018, 5, 30), 30, True),
])
def test_backdated_is_more_than_the_limit_before_today(held_on, limit, backdated):
    assert is_backdated(held_on, TODAY, limit) is backdated


@pytest.mark.parametrize("roles", [["secretary"], [], ["viewer"], ["member", "secretary"]])
def test_without_the_admin_role_a_backdated_record_is_forbidden_naming_the_limit(roles):
    with pytest.raises(Forbidden) as err:
        check_backdating(D(1950, 1, 1), TODAY, 400, roles)
    assert err.value.field == "heldOn"
    assert "400 days" in err.value.message and "before 2017-05-26" in err.value.message
    assert "admin" in err.value.message and "1950-01-01" in err.value.message


@pytest.mark.parametrize("roles", [["admin"], ["secretary", "admin"], None])
def test_an_admin_or_a_platform_tool_may_backdate(roles):
    assert check_backdating(D(1950, 1, 1), TODAY, 400, roles) is None


def test_within_the_limit_anyone_who_may_record_may():
    assert check_backdating(D(2017, 5, 26), TODAY, 400, ["secretary"]) is None


# -- the rule set -----------------------------------------------------------------------

def version(body):
    return Version("records.yaml", 1, D(2017, 1, 1), body)


@pytest.mark.parametrize("body", [
    {}, {"backdating_days": -1}, {"backdating_days": "400"}, {"backdating_days": True},
    {"backdating_days": 1.5}, {"backdating_days": None},
])
def test_a_limit_that_is_no_whole_number_of_days_is_refused(body):
    with pytest.raises(ValueError) as err:
        parse_rule_set(version(body))
    assert "backdating_days" in str(err.value)


def test_the_shipped_limit_is_400_days(monkeypatch):
    monkeypatch.delenv("XF_RULES_DIR", raising=False)
    assert RuleSets("records", parse_rule_set).for_day("any", TODAY).backdating_days == 400


def test_a_broken_records_file_is_a_rule_set_error(tmp_path, monkeypatch):
    monkeypatch.setenv("XF_RULES_DIR", str(tmp_path))
    (tmp_path / "records").mkdir()
    path = tmp_path / "records" / "b9.yaml"
    path.write_text("kind: records\nversions: [{version: 1, effective_from: 2017-01-01, "
                    "backdating_days: -3}]\n")
    with pytest.raises(RuleSetError) as err:
        RuleSets("records", parse_rule_set).for_day("b9", TODAY)
    assert str(path) in str(err.value) and "backdating_days" in str(err.value)


# -- recording --------------------------------------------------------------------------

@pytest.fixture
def today(monkeypatch, tmp_path):
    """TODAY pinned, and a rules folder where bureau "b" (the fake branch's)
    may get a file of its own."""
    monkeypatch.setenv("XF_TODAY", TODAY.isoformat())
    monkeypatch.setenv("XF_RULES_DIR", str(tmp_path))
    (tmp_path / "records").mkdir()
    return tmp_path


SECRETARY = ["secretary"]


def test_record_activity_by_a_secretary_is_forbidden_and_writes_nothing(today):
    db, register = FakeDb(), Register()
    with pytest.raises(Forbidden) as err:
        handlers.record_activity(db, data(held_on="2017-05-25"), "sec", register.describe,
                                 roles=SECRETARY)
    assert "400 days" in err.value.message and err.value.field == "heldOn"
    assert db.committed == []
    handlers.record_activity(db, data(held_on="2017-05-26"), "sec", register.describe,
                             roles=SECRETARY)
    handlers.record_activity(db, data(held_on="2017-05-25"), "adm", register.describe, roles=["admin"])
    assert len(db.committed) == 2


def test_record_activities_names_the_backdated_input(today):
    db, register = FakeDb(), Register()
    inputs = [data(), data(held_on="2018-01-01"), data(held_on="1950-10-01")]
    inputs[0]["held_on"] = "2018-06-01"
    with pytest.raises(Forbidden) as err:
        handlers.record_activities(db, inputs, "sec", register.describe, roles=SECRETARY)
    assert err.value.field == "inputs[2].heldOn"
    assert err.value.message.startswith("inputs[2]: 1950-10-01 is") and "400 days" in str(err.value)
    assert db.committed == []


def test_an_import_names_its_backdated_rows_and_writes_nothing(today, monkeypatch):
    monkeypatch.setattr(handlers.views, "recorded_keys", lambda conn, path, start, end: set())
    db, register = FakeDb(), Register()
    rows = [f"第一支部,党课,第{i}讲,{day},甲,,乙" for i, day in enumerate(
        ["2018-06-01"] + ["2016-03-0" + str(d) for d in range(1, 10)] + ["2016-04-01"] * 3)]
    with pytest.raises(Forbidden) as err:
        handlers.import_activities(db, "br", csv_file(rows), True, "sec", register.describe,
                                   register.directory, roles=SECRETARY)
    message = err.value.message
    assert message.startswith("row 3 (2016-03-01), row 4 (2016-03-02)")
    assert "row 12 (2016-04-01) and 2 more are dated more than 400 days" in message
    assert "row 2 " not in message and db.committed == []
    result = handlers.import_activities(db, "br", csv_file(rows), False, "adm",
                                        register.describe, register.directory, roles=["admin"])
    assert result["created"] == 13


def test_the_limit_is_the_bureaus_own(today):
    (today / "records" / "b.yaml").write_text(textwrap.dedent("""\
        kind: records
        versions:
          - {version: 1, effective_from: 2017-01-01, backdating_days: 400}
          - {version: 2, effective_from: 2018-06-01, backdating_days: 30}
    """))
    db, register = FakeDb(), Register()
    with pytest.raises(Forbidden) as err:
        handlers.record_activity(db, data(held_on="2018-05-30"), "sec", register.describe,
                                 roles=SECRETARY)
    assert "30 days" in err.value.message
    handlers.record_activity(db, data(held_on="2018-05-31"), "sec", register.describe,
                             roles=SECRETARY)
    assert RECORD_RULES.for_day("elsewhere", TODAY).backdating_days == 400
