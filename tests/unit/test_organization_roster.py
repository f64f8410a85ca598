"""Reading a roster (花名册) (services/organization/domain/roster.py): the
file, each bad cell with its row and column, and what it would write."""
import datetime as dt

import pytest

from services.organization.domain.roster import (Directory, NewMember, RoleChange, parse_roles,
                                                 read_roster)
from shared.errors import BadInput
from shared.sheet import RowError
from tests import sheets

TODAY = dt.date(2017, 6, 30)
HEADER = ["姓名", "支部", "党小组", "职务", "转入日期"]
ORGS = [
    {"id": "k", "name": "局党委", "kind": "COMMITTEE", "parent_id": "b", "bureau_id": "b"},
    {"id": "br1", "name": "第一支部", "kind": "BRANCH", "parent_id": "k", "bureau_id": "b"},
    {"id": "br2", "name": "第二支部", "kind": "BRANCH", "parent_id": "k", "bureau_id": "b"},
    {"id": "g1", "name": "一组", "kind": "GROUP", "parent_id": "br1", "bureau_id": "b"},
    {"id": "k2", "name": "分党委", "kind": "COMMITTEE", "parent_id": "b", "bureau_id": "b"},
    {"id": "br3", "name": "第二支部", "kind": "BRANCH", "parent_id": "k2", "bureau_id": "b"},
]
PEOPLE = [{"id": "m1", "name": "张三", "branch_id": "br1", "roles": ["member"]},
          {"id": "m2", "name": "李四", "branch_id": "br1", "roles": ["member", "secretary"]}]


def directory(orgs=ORGS, people=PEOPLE):
    return Directory(orgs, people)


def csv_bytes(*rows, header=HEADER, separator=","):
    lines = [separator.join(header)] + [separator.join(row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def xlsx_bytes(*rows, header=HEADER):
    return sheets.xlsx_bytes(*rows, header=header)


def read(content, folder=None):
    return read_roster(content, folder or directory(), TODAY)


def errors_of(*rows, header=HEADER):
    return read(csv_bytes(*rows, header=header))[2]


def file_error(content):
    with pytest.raises(BadInput) as err:
        read(content)
    assert err.value.field == "file"
    return err.value.message


# -- what a good roster gives -------------------------------------------------------------

def test_new_members_are_registered_with_group_roles_and_day():
    new, changes, errors = read(csv_bytes(["王五", "第一支部", "一组", "支委、党员", "2015-04-01"]))
    assert errors == [] and changes == []
    assert new == [NewMember(2, "王五", ORGS[1], ORGS[3], ["branch_committee", "member"],
                             dt.date(2015, 4, 1))]


def test_csv_and_xlsx_give_the_same_members_and_an_excel_date_cell_is_a_day():
    row = ["王五", "第一支部", "", "支部书记", "2015-04-01"]
    from_csv = read(csv_bytes(row))
    from_xlsx = read(xlsx_bytes(row[:4] + [dt.datetime(2015, 4, 1)]))
    assert from_csv == from_xlsx and from_csv[0][0].roles == ["member", "secretary"]


def test_optional_columns_may_be_left_out_and_a_bom_is_tolerated():
    content = b"\xef\xbb\xbf" + csv_bytes(["王五", "第一支部"], header=["姓名", "支部"])
    new, _, errors = read(content)
    assert errors == [] and new[0].roles == ["member"] and new[0].joined_on is None
    assert new[0].group is None


def test_the_day_joining_the_party_stands_for_the_transfer_day():
    header = ["姓名", "支部", "入党日期"]
    new, _, errors = read(csv_bytes(["王五", "第一支部", "2001-07-01"], header=header))
    assert errors == [] and new[0].joined_on == dt.date(2001, 7, 1)
    errors = errors_of(["王五", "第一支部", "2001-02-30"], header=header)
    assert errors == [RowError(2, "入党日期", "2001-02-30 is not a day of the calendar")]


@pytest.mark.parametrize("cell, roles", [
    ("支部书记、支委", ["branch_committee", "member", "secretary"]),
    ("局党委委员，县处级领导干部", ["bureau_committee", "county_cadre", "member"]),
    ("secretary, branch_committee", ["branch_committee", "member", "secretary"]),
    ("局党委书记", ["bureau_secretary", "member"]),
    ("党员", ["member"]),
])
def test_roles_by_name_or_chinese_title_with_any_separator(cell, roles):
    assert parse_roles(cell) == (roles, [])


def test_an_existing_member_same_name_same_branch_has_their_roles_updated():
    new, changes, errors = read(csv_bytes(["张三", "第一支部", "", "支部书记", ""],
                                          ["李四", "第一支部", "", "支部书记", ""],
                                          ["王五", "第一支部", "", "", ""]))
    assert errors == []
    # 李四 is already the secretary: nothing to change
    assert changes == [RoleChange(2, "m1", ORGS[1], ["member", "secretary"])]
    assert [m.name for m in new] == ["王五"]


def test_an_existing_member_whose_roles_cell_is_empty_keeps_their_roles():
    new, changes, errors = read(csv_bytes(["李四", "第一支部", "", "", ""]))
    assert (new, changes, errors) == ([], [], [])


def test_the_same_name_in_another_branch_is_another_member():
    new, changes, _ = read(csv_bytes(["张三", "第二支部", "", "", ""]),
                           directory(ORGS[:3], PEOPLE))
    assert changes == [] and new[0].branch["id"] == "br2"


# -- every bad row, with its row and column -------------------------------------------------

def test_every_kind_of_bad_cell_is_reported_with_its_row_and_column():
    errors = errors_of(
        ["王五", "第一支部", "", "", ""],              # row 2: fine
        ["", "第一支部", "", "", ""],                  # 3: empty name
        ["赵六", "第九支部", "", "", ""],              # 4: unknown branch
        ["赵六", "第二支部", "", "", ""],              # 5: ambiguous branch (two 第二支部)
        ["孙七", "第一支部", "九组", "", ""],          # 6: unknown group
        ["周八", "第一支部", "", "组长", ""],          # 7: unknown role
        ["吴九", "第一支部", "", "", "2017-02-30"],    # 8: impossible day
        ["郑十", "第一支部", "", "", "2017-07-01"],    # 9: future day
        ["王五", "第一支部", "", "支委", ""],          # 10: the same member as row 2
        ["冯一", "第一支部", "", "", "2017/3/1"],      # 11: not a day
        ["", "", "", "", ""],                          # 12: blank, skipped
    )
    assert [(e.row, e.column) for e in errors] == [
        (3, "姓名"), (4, "支部"), (5, "支部"), (6, "党小组"), (7, "职务"), (8, "转入日期"),
        (9, "转入日期"), (10, "姓名"), (11, "转入日期")]
    text = {e.row: e.message for e in errors}
    assert "empty" in text[3]
    assert "no branch named 第九支部" in text[4]
    assert "2 branches" in text[5]
    assert "no party group named 九组" in text[6]
    assert "组长" in text[7] and "支部书记" in text[7]
    assert "not a day of the calendar" in text[8]
    assert "future" in text[9]
    assert "row 2" in text[10]
    assert "YYYY-MM-DD" in text[11]


def test_a_row_with_several_bad_cells_reports_each():
    errors = errors_of(["", "第九支部", "", "组长", "明天"])
    assert [e.column for e in errors] == ["姓名", "支部", "职务", "转入日期"]


def test_a_missing_required_header_is_reported_on_row_one():
    errors = errors_of(["王五", "一组"], header=["姓名", "党小组"])
    assert [(e.row, e.column) for e in errors] == [(1, "支部")]
    errors = errors_of(["王五", "第一支部", "第一支部"], header=["姓名", "支部", "支部"])
    assert [(e.row, e.column) for e in errors] == [(1, "支部")]
    assert "twice" in errors[0].message


def test_two_existing_members_of_one_name_in_a_branch_cannot_be_told_apart():
    people = PEOPLE + [{"id": "m3", "name": "张三", "branch_id": "br1", "roles": ["member"]}]
    new, changes, errors = read(csv_bytes(["张三", "第一支部", "", "支委", ""]),
                                directory(ORGS, people))
    assert [(e.row, e.column) for e in errors] == [(2, "姓名")]


# -- the file itself ---------------------------------------------------------------------

def test_an_empty_file_or_a_header_without_rows_is_bad_input():
    assert "no rows" in file_error(b"")
    assert "no members" in file_error(csv_bytes())
    assert "no members" in file_error(csv_bytes(["", "", "", "", ""]))


def test_what_is_not_a_spreadsheet_is_bad_input():
    assert "UTF-8" in file_error("姓名,支部\n王五,第一支部".encode("gbk"))
    assert ".xlsx" in file_error(b"PK\x03\x04 broken")


def test_the_sample_in_docs_reads_without_errors():
    from pathlib import Path
    content = (Path(__file__).parents[2] / "docs" / "roster-sample.csv").read_bytes()
    orgs = [{"id": "k", "name": "局党委", "kind": "COMMITTEE", "parent_id": "b", "bureau_id": "b"},
            {"id": "j1", "name": "机关第一支部", "kind": "BRANCH", "parent_id": "k",
             "bureau_id": "b"},
            {"id": "j2", "name": "机关第二支部", "kind": "BRANCH", "parent_id": "k",
             "bureau_id": "b"},
            {"id": "jg", "name": "第一党小组", "kind": "GROUP", "parent_id": "j1", "bureau_id": "b"}]
    new, changes, errors = read_roster(content, Directory(orgs, []), dt.date(2026, 1, 1))
    assert errors == [] and changes == [] and len(new) == 5
    assert new[3].roles == ["bureau_committee", "county_cadre", "member"]
