"""Reading paper records from a spreadsheet (services/activity/domain/sheet.py and
importing.py):
the file, each row and column, and the names in it."""
import base64
import datetime as dt
import io
import re
from pathlib import Path

import pytest

from services.activity.domain import sheet
from services.activity.domain.importing import (Directory, column_of, key_of, locate, repeated,
                                               to_input)
from services.activity.domain.sheet import (KIND_BY_CHINESE, RowError, decode_file, parse_kind,
                                           read_rows)
from shared.errors import BadInput
from shared.vocabulary import (ABSENT, ACTIVITY_DAY, ACTIVITY_KINDS, EXCUSED, GENERAL_MEETING,
                               PRESENT)
from tests import sheets

HEADER = ["组织", "类型", "主题", "日期", "出席", "请假", "缺席", "请假事由"]


def csv_bytes(*rows, header=HEADER):
    lines = [",".join(f'"{c}"' for c in header)]
    lines += [",".join(f'"{c}"' for c in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def xlsx_bytes(*rows, header=HEADER):
    return sheets.xlsx_bytes(*rows, header=header)


GOOD = ["第一支部", "党员集中活动日", "学党章", "2017-06-03", "甲、乙", "丙", "丁", "出差"]


def one_error(content):
    rows, errors = read_rows(content)
    assert rows == [] and len(errors) == 1, errors
    return errors[0]


def file_error(content):
    with pytest.raises(BadInput) as err:
        read_rows(content)
    assert err.value.field == "file"
    return err.value.message


# -- the file ---------------------------------------------------------------------------

def test_base64_is_decoded_and_whitespace_and_data_urls_are_tolerated():
    raw = csv_bytes(GOOD)
    text = base64.b64encode(raw).decode()
    assert decode_file(text) == raw
    assert decode_file("\n".join(text[i:i + 76] for i in range(0, len(text), 76))) == raw
    assert decode_file("data:text/csv;base64," + text) == raw


@pytest.mark.parametrize("value", ["", "   ", None, 12, "not base64!!", "QUJ"])
def test_what_is_not_base64_is_bad_input(value):
    with pytest.raises(BadInput) as err:
        decode_file(value)
    assert err.value.field == "file"


def test_a_file_over_ten_megabytes_is_refused_before_and_after_decoding(monkeypatch):
    big = base64.b64encode(b"x" * (sheet.MAX_FILE_BYTES + 10)).decode()
    with pytest.raises(BadInput) as err:
        decode_file(big)
    assert "10 MB" in err.value.message
    monkeypatch.setattr(sheet, "MAX_FILE_BYTES", 5)
    with pytest.raises(BadInput):
        decode_file(base64.b64encode(b"123456").decode())


def test_csv_and_xlsx_give_the_same_rows():
    from_csv, errors_csv = read_rows(csv_bytes(GOOD))
    from_xlsx, errors_xlsx = read_rows(xlsx_bytes(GOOD))
    assert errors_csv == errors_xlsx == []
    assert from_csv == from_xlsx
    row = from_csv[0]
    assert (row.number, row.org_name, row.kind, row.theme, row.held_on) == \
        (2, "第一支部", ACTIVITY_DAY, "学党章", dt.date(2017, 6, 3))
    assert row.names == ((PRESENT, "甲"), (PRESENT, "乙"), (EXCUSED, "丙"), (ABSENT, "丁"))
    assert row.reasons == {"丙": "出差"}


def test_a_utf8_bom_and_columns_in_any_order_with_extra_columns_are_fine():
    header = ["备注", *reversed(HEADER)]
    content = b"\xef\xbb\xbf" + csv_bytes(["x", *reversed(GOOD)], header=header)
    rows, errors = read_rows(content)
    assert errors == [] and rows[0].theme == "学党章"


def test_an_excel_date_cell_is_a_date_and_blank_rows_are_skipped_but_counted():
    content = xlsx_bytes(["第一支部", "党课", "讲党史", dt.datetime(2017, 6, 3), "甲", "", "", ""],
                         [None] * 8,
                         ["第一支部", "PARTY_LECTURE", "再讲", dt.date(2017, 7, 1), "乙", "", "",
                          None])
    rows, errors = read_rows(content)
    assert errors == []
    assert [(r.number, r.held_on) for r in rows] == [(2, dt.date(2017, 6, 3)),
                                                     (4, dt.date(2017, 7, 1))]


def test_a_gbk_csv_or_an_old_xls_or_a_zip_that_is_no_workbook_is_bad_input():
    assert "UTF-8" in file_error(",".join(HEADER).encode("gbk"))
    assert "UTF-8" in file_error(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    buffer = io.BytesIO()
    import zipfile
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert ".xlsx" in file_error(buffer.getvalue())
    assert ".xlsx" in file_error(b"PK\x03\x04 broken")


def test_missing_columns_are_named():
    message = file_error(csv_bytes(GOOD[:4], header=HEADER[:4]))
    assert "出席 请假 缺席" in message
    assert "请假事由" not in message.split(";")[0]  # it is optional


def test_the_reasons_column_is_optional():
    rows, errors = read_rows(csv_bytes(GOOD[:5] + ["", "丁"], header=HEADER[:7]))
    assert errors == [] and rows[0].reasons == {}


def test_an_empty_file_or_too_many_rows_is_bad_input(monkeypatch):
    assert "no rows" in file_error(b"")
    monkeypatch.setattr(sheet, "MAX_ROWS", 2)
    assert "at most 2" in file_error(csv_bytes(GOOD, GOOD, GOOD))


# -- bad cells, each with its row and column --------------------------------------------

@pytest.mark.parametrize("column, value, words", [
    ("组织", "", "organisation is empty"),
    ("类型", "", "kind is empty"),
    ("类型", "开会", "'开会' is not a kind of activity"),
    ("主题", " ", "theme"),
    ("日期", "", "date is empty"),
    ("日期", "2017/6/3", "YYYY-MM-DD"),
    ("日期", "2017-02-30", "not a day of the calendar"),
    ("日期", "6月3日", "YYYY-MM-DD"),
    ("出席", "甲、乙、甲", "甲 is listed twice here"),
    ("缺席", "甲", "甲 is listed under 出席 too"),
    ("请假事由", "", "丙 excused without a reason"),
])
def test_each_bad_cell_is_reported_with_row_and_column(column, value, words):
    row = list(GOOD)
    row[HEADER.index(column)] = value
    error = one_error(csv_bytes(row))
    assert (error.row, error.column) == (2, column)
    assert words in error.message


def test_a_number_in_the_date_column_is_not_a_date():
    error = one_error(xlsx_bytes(["第一支部", "党课", "讲", 42890, "甲", "", "", ""]))
    assert (error.row, error.column) == (2, "日期") and "is a number" in error.message


def test_every_bad_cell_of_every_row_is_reported():
    rows, errors = read_rows(csv_bytes(
        GOOD, ["", "开会", "", "昨天", "", "", "", ""], GOOD, ["第二支部", "党课", "x", "2017-13-01",
                                                             "", "", "", ""]))
    assert len(rows) == 2
    assert [(e.row, e.column) for e in errors] == [
        (3, "组织"), (3, "类型"), (3, "主题"), (3, "日期"), (5, "日期")]


@pytest.mark.parametrize("excused, reasons, expected", [
    ("丙", "出差，在外地", {"丙": "出差，在外地"}),     # one excused: the whole cell
    ("丙、戊", "病假", {"丙": "病假", "戊": "病假"}),   # one reason for all
    ("丙、戊", "病假、出差", {"丙": "病假", "戊": "出差"}),  # one each, in order
])
def test_reasons_pair_with_the_excused(excused, reasons, expected):
    row = list(GOOD)
    row[5], row[7] = excused, reasons
    rows, errors = read_rows(csv_bytes(row))
    assert errors == [] and rows[0].reasons == expected


@pytest.mark.parametrize("excused, reasons, words", [
    ("丙、戊、己", "病假、出差", "2 reasons for 3 excused"),
    ("", "病假", "nobody is listed under 请假"),
])
def test_reasons_that_do_not_pair_are_row_errors(excused, reasons, words):
    row = list(GOOD)
    row[5], row[7] = excused, reasons
    error = one_error(csv_bytes(row))
    assert error.column == "请假事由" and words in error.message


def test_names_are_separated_by_any_of_the_three_marks():
    row = list(GOOD)
    row[4] = "甲,乙，戊、 己 "
    rows, _ = read_rows(csv_bytes(row))
    assert [n for s, n in rows[0].names if s == PRESENT] == ["甲", "乙", "戊", "己"]


# -- kinds ------------------------------------------------------------------------------

def test_every_kind_has_the_chinese_name_given_where_it_is_defined():
    source = (Path(__file__).parents[2] / "shared" / "vocabulary.py").read_text()
    defined = dict(re.findall(r'^\w+ = "(\w+)"\s+# (\S+)', source, re.M))
    assert {KIND_BY_CHINESE[defined[k]] for k in ACTIVITY_KINDS} == set(ACTIVITY_KINDS)
    assert all(KIND_BY_CHINESE[defined[k]] == k for k in ACTIVITY_KINDS)


@pytest.mark.parametrize("value, kind", [
    ("党员大会", GENERAL_MEETING), ("GENERAL_MEETING", GENERAL_MEETING),
    ("general_meeting", GENERAL_MEETING), (" 党员集中活动日 ", ACTIVITY_DAY), ("大会", None)])
def test_kinds_by_enum_name_or_chinese_name(value, kind):
    assert parse_kind(value) == kind


# -- names ------------------------------------------------------------------------------

def org(id, name, kind, path):
    return {"id": id, "name": name, "kind": kind, "parent_id": path[-2] if len(path) > 1 else None,
            "bureau_id": "b", "path": path, "created_at": None}


BUREAU = org("b", "科技局", "BUREAU", ["c", "b"])
COMMITTEE = org("k", "局党委", "COMMITTEE", ["c", "b", "k"])
BRANCH_1 = org("br1", "第一支部", "BRANCH", ["c", "b", "k", "br1"])
BRANCH_2 = org("br2", "第二支部", "BRANCH", ["c", "b", "k", "br2"])
GROUP_1 = org("g1", "第一小组", "GROUP", ["c", "b", "k", "br1", "g1"])
GROUP_2 = org("g2", "第一小组", "GROUP", ["c", "b", "k", "br2", "g2"])
DIRECTORY = Directory({
    "org": BUREAU, "orgs": [BUREAU, COMMITTEE, BRANCH_1, BRANCH_2, GROUP_1, GROUP_2],
    "members": [{"id": "m1", "name": "甲"}, {"id": "m2", "name": "乙"},
                {"id": "m3", "name": "丙"}, {"id": "m4", "name": "丁"},
                {"id": "m5", "name": "甲"}, {"id": "m6", "name": "戊"}]})


@pytest.mark.parametrize("name, found", [
    ("第一支部", "br1"), ("科技局", "b"), ("局党委", "k"), ("第二支部/第一小组", "g2"),
    ("局党委/第一支部/第一小组", "g1"), ("科技局/局党委", "k")])
def test_organisations_by_name_or_path_of_names(name, found):
    assert DIRECTORY.org(name)["id"] == found


@pytest.mark.parametrize("name, words", [
    ("第三支部", "no organisation named 第三支部 in 科技局"),
    ("第一小组", "2 organisations in 科技局 are named 第一小组"),
])
def test_unknown_or_ambiguous_organisations(name, words):
    with pytest.raises(ValueError) as err:
        DIRECTORY.org(name)
    assert words in str(err.value)


def test_locate_reports_the_organisation_column():
    rows, _ = read_rows(csv_bytes(GOOD, ["第三支部", *GOOD[1:]]))
    located, errors = locate(rows, DIRECTORY)
    assert [(r.number, o["id"]) for r, o in located] == [(2, "br1")]
    assert errors == [RowError(3, "组织", "there is no organisation named 第三支部 in 科技局")]


def described(*member_ids, org=BRANCH_1):
    return {"org": org, "member_ids": list(member_ids)}


def test_names_become_member_ids_of_the_branch_on_the_day():
    rows, _ = read_rows(csv_bytes(GOOD))
    data, errors = to_input(rows[0], BRANCH_1, described("m1", "m2", "m3", "m4"), DIRECTORY)
    assert errors == []
    assert data == {"org_id": "br1", "kind": ACTIVITY_DAY, "theme": "学党章",
                    "held_on": "2017-06-03",
                    "attendance": [{"member_id": "m1", "status": PRESENT},
                                   {"member_id": "m2", "status": PRESENT},
                                   {"member_id": "m3", "status": EXCUSED, "reason": "出差"},
                                   {"member_id": "m4", "status": ABSENT}]}


def test_a_namesake_in_another_branch_does_not_make_a_name_ambiguous():
    rows, _ = read_rows(csv_bytes(GOOD))
    # m5 is also 甲, but not of this branch on the day
    data, errors = to_input(rows[0], BRANCH_1, described("m1", "m2", "m3", "m4"), DIRECTORY)
    assert data["attendance"][0]["member_id"] == "m1"


def test_unknown_absent_and_ambiguous_names_are_errors_in_their_column():
    row = list(GOOD)
    row[4], row[5], row[6] = "甲、己", "戊", "丁"
    rows, _ = read_rows(csv_bytes(row))
    data, errors = to_input(rows[0], BRANCH_1, described("m1", "m5", "m4"), DIRECTORY)
    assert data is None
    assert [(e.row, e.column) for e in errors] == [(2, "出席"), (2, "出席"), (2, "请假")]
    assert "2 members named 甲 belonged to 第一支部 on 2017-06-03" in errors[0].message
    assert errors[1].message == "nobody named 己 belongs to 科技局"
    assert errors[2].message == "戊 did not belong to 第一支部 on 2017-06-03"


def test_an_organisation_the_register_cannot_describe_is_an_organisation_error():
    rows, _ = read_rows(csv_bytes(GOOD))
    answer = {"error": {"code": "NOT_FOUND", "message": "there is no organisation br1"}}
    assert to_input(rows[0], BRANCH_1, answer, DIRECTORY) == \
        (None, [RowError(2, "组织", "there is no organisation br1")])


@pytest.mark.parametrize("field, column", [
    ("orgId", "组织"), ("kind", "类型"), ("theme", "主题"), ("heldOn", "日期"),
    ("attendance[0].memberId", "出席"), ("attendance[2].reason", "请假事由"),
    ("attendance[2].status", "请假"), ("attendance[3].memberId", "缺席"),
    ("attendance", "出席"), ("speakerId", None)])
def test_the_fields_of_recordActivity_map_back_to_columns(field, column):
    data = {"attendance": [{"status": PRESENT}, {"status": PRESENT}, {"status": EXCUSED},
                           {"status": ABSENT}]}
    assert column_of(field, data) == column


# -- the same activity twice ------------------------------------------------------------

def test_a_row_repeating_a_recorded_activity_or_an_earlier_row_is_an_error():
    lecture = key_of("br1", "PARTY_LECTURE", dt.date(2017, 6, 3), "讲")
    other = key_of("br1", "PARTY_LECTURE", "2017-06-03", "再讲")
    assert lecture == ("br1", "PARTY_LECTURE", "2017-06-03", "讲")
    errors = repeated([(2, lecture), (3, other), (4, other), (5, other)], {lecture})
    assert [(e.row, e.column) for e in errors] == [(2, None), (4, None), (5, None)]
    assert "already recorded" in errors[0].message
    assert errors[1].message.startswith("the same activity as row 3")
    assert repeated([(2, lecture), (3, other)], set()) == []
