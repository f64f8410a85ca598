"""Paper records brought as a spreadsheet (a year of a bureau's 三会一课 and
the rest): the file (base64 .xlsx or UTF-8 .csv), its columns, and each row
as written, names and all. Pure: bytes in, ``Row``s and ``RowError``s out,
each error naming the row (the sheet's: the header is row 1) and the column
(its header). ``importing`` turns the rows into activity inputs."""
import base64
import binascii
import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass

from shared.errors import BadInput
from shared.vocabulary import (ABSENT, ACTIVITY_DAY, ACTIVITY_KINDS, CENTRAL_GROUP_STUDY,
                               COMMITTEE_MEETING, DEMOCRATIC_LIFE_MEETING, EXCUSED,
                               GENERAL_MEETING, GROUP_MEETING, ORG_LIFE_MEETING, PARTY_LECTURE,
                               PRESENT, VOLUNTEER_SERVICE, WINTER_TRAINING)

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000  # a bureau's year is about 5,000

ORG, KIND, THEME, DAY = "组织", "类型", "主题", "日期"
STATUS_COLUMNS = {PRESENT: "出席", EXCUSED: "请假", ABSENT: "缺席"}
REASONS = "请假事由"
REQUIRED = (ORG, KIND, THEME, DAY, *STATUS_COLUMNS.values())

# The kinds by the names written on paper (as in shared/vocabulary.py).
KIND_BY_CHINESE = {
    "党员集中活动日": ACTIVITY_DAY,
    "党员大会": GENERAL_MEETING,
    "支委会": COMMITTEE_MEETING,
    "党小组会": GROUP_MEETING,
    "党课": PARTY_LECTURE,
    "志愿服务": VOLUNTEER_SERVICE,
    "组织生活会": ORG_LIFE_MEETING,
    "民主生活会": DEMOCRATIC_LIFE_MEETING,
    "理论学习中心组学习": CENTRAL_GROUP_STUDY,
    "冬训": WINTER_TRAINING,
}

SEPARATORS = re.compile(r"[、,，]")
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class RowError:
    row: int
    column: str | None
    message: str

    def as_dict(self):
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass(frozen=True)
class Row:
    """One row as written: names, not ids."""
    number: int
    org_name: str
    kind: str
    theme: str
    held_on: dt.date
    names: tuple        # ((status, name), ...) in the order written, 出席 then 请假 then 缺席
    reasons: dict       # {name: reason} for the excused


# -- the file -------------------------------------------------------------------------

def decode_file(file_b64):
    """The file's bytes from its base64 text, or BadInput (field ``file``)."""
    if not isinstance(file_b64, str) or not file_b64.strip():
        raise BadInput("the file is empty; send an .xlsx or UTF-8 .csv as base64", "file")
    text = file_b64.strip()
    if text.startswith("data:") and "," in text:  # a data URL as browsers make them
        text = text.split(",", 1)[1]
    text = "".join(text.split())
    if len(text) * 3 // 4 > MAX_FILE_BYTES + 2:
        raise BadInput(f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; "
                       "split the year into parts", "file")
    try:
        content = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise BadInput("the file is not base64 text; encode the .xlsx or .csv as base64",
                       "file") from None
    if len(content) > MAX_FILE_BYTES:
        raise BadInput(f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; "
                       "split the year into parts", "file")
    return content


def read_table(content):
    """``[(row number, [cell values])]`` of the first sheet of an .xlsx (a
    zip, so it starts with ``PK``) or of a UTF-8 .csv, header included."""
    if content[:2] == b"PK":
        rows = _xlsx_rows(content)
    else:
        rows = _csv_rows(content)
    if not rows:
        raise BadInput("the file has no rows; its first row names the columns "
                       + " ".join(REQUIRED), "file")
    if len(rows) > MAX_ROWS + 1:
        raise BadInput(f"the file has {len(rows) - 1} rows; at most {MAX_ROWS} in one import",
                       "file")
    return rows


def _xlsx_rows(content):
    from openpyxl import load_workbook  # only an import needs it
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a zip that is not a workbook
        raise BadInput("the file is a zip archive but not an .xlsx workbook; save it from "
                       "the spreadsheet as .xlsx (Excel workbook)", "file") from None
    try:
        sheet = book.worksheets[0]
        rows = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            rows.append((number, list(values)))
            if number > MAX_ROWS + 1:
                break
        return _trim(rows)
    except (zipfile.BadZipFile, KeyError, ValueError):
        raise BadInput("the workbook cannot be read; save it again as .xlsx", "file") from None
    finally:
        book.close()


def _csv_rows(content):
    if b"\x00" in content[:4096]:
        raise BadInput("the file is neither an .xlsx workbook nor UTF-8 text; save the sheet "
                       "as .xlsx or as CSV UTF-8", "file")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadInput("the file is neither an .xlsx workbook nor UTF-8 text (an old .xls, "
                       "or a CSV saved in GBK?); save the sheet as .xlsx or as CSV UTF-8",
                       "file") from None
    try:
        return _trim([(number, row) for number, row
                      in enumerate(csv.reader(io.StringIO(text, newline="")), start=1)])
    except csv.Error as err:
        raise BadInput(f"the CSV cannot be read: {err}", "file") from None


def _trim(rows):
    """Drop blank rows at the end (spreadsheets keep formatted empty rows)."""
    while rows and all(_text(v) == "" for v in rows[-1][1]):
        rows.pop()
    return rows


def columns_of(header):
    """``{column name: index}`` from the header row, or BadInput naming what is missing."""
    columns = {}
    for index, value in enumerate(header):
        name = _text(value)
        if not name:
            continue
        if name in columns and name in (*REQUIRED, REASONS):
            raise BadInput(f"the header (row 1) has the column {name} twice", "file")
        columns.setdefault(name, index)
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise BadInput(f"the header (row 1) lacks the column(s) {' '.join(missing)}; it needs "
                       f"{' '.join(REQUIRED)} (and optionally {REASONS})", "file")
    return columns


# -- one row --------------------------------------------------------------------------

def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def parse_kind(value):
    """The ActivityKind from its enum name or its Chinese name, or None."""
    text = _text(value)
    if text.upper() in ACTIVITY_KINDS:
        return text.upper()
    return KIND_BY_CHINESE.get(text)


def parse_day(value):
    """A date from a date cell or ``YYYY-MM-DD`` text; raises ValueError
    with what is wrong."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)):
        raise ValueError(f"{_text(value)} is a number, not a date; format the cell as a date "
                         "or write YYYY-MM-DD")
    text = _text(value)
    if not text:
        raise ValueError("the date is empty; write it as YYYY-MM-DD")
    if not ISO_DAY.match(text):
        raise ValueError(f"{text!r} is not a date; write it as YYYY-MM-DD (e.g. 2017-06-03)")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text} is not a day of the calendar") from None


def split_names(value):
    return [part.strip() for part in SEPARATORS.split(_text(value)) if part.strip()]


def parse_row(number, values, columns):
    """A ``Row`` and no errors, or None and the errors of every bad cell."""
    def cell(column):
        index = columns.get(column)
        return values[index] if index is not None and index < len(values) else None

    errors = []

    def bad(column, message):
        errors.append(RowError(number, column, message))

    org_name = _text(cell(ORG))
    if not org_name:
        bad(ORG, "the organisation is empty; name the branch, party group or committee "
                 "that held the activity")
    kind_text = _text(cell(KIND))
    kind = parse_kind(kind_text)
    if kind is None:
        bad(KIND, (f"{kind_text!r} is not a kind of activity" if kind_text
                   else "the kind is empty") + "; use one of " + "、".join(KIND_BY_CHINESE)
            + " (or " + ", ".join(ACTIVITY_KINDS) + ")")
    theme = _text(cell(THEME))
    if not theme:
        bad(THEME, "every activity needs a theme (次次有主题); it is empty")
    held_on = None
    try:
        held_on = parse_day(cell(DAY))
    except ValueError as err:
        bad(DAY, str(err))

    names, listed_under = [], {}
    for status, column in STATUS_COLUMNS.items():
        for name in split_names(cell(column)):
            if name in listed_under:
                where = listed_under[name]
                bad(column, f"{name} is listed " + ("twice here" if where == column else
                                                    f"under {where} too")
                    + "; list each member once")
                continue
            listed_under[name] = column
            names.append((status, name))

    excused = [name for status, name in names if status == EXCUSED]
    reasons, reason_errors = _pair_reasons(cell(REASONS), excused)
    for message in reason_errors:
        bad(REASONS, message)

    if errors:
        return None, errors
    return Row(number, org_name, kind, theme, held_on, tuple(names), reasons), []


def _pair_reasons(value, excused):
    """``{name: reason}`` for the excused: one reason each in the order of
    请假, or one reason for all."""
    text = _text(value)
    if not excused:
        return {}, ([f"{REASONS} is filled but nobody is listed under 请假"] if text else [])
    if not text:
        return {}, [f"{'、'.join(excused)} excused without a reason; an excused absence needs "
                    f"its reason ({REASONS})"]
    if len(excused) == 1:
        return {excused[0]: text}, []
    parts = split_names(text)
    if len(parts) == 1:
        return {name: parts[0] for name in excused}, []
    if len(parts) != len(excused):
        return {}, [f"{len(parts)} reasons for {len(excused)} excused members; give one "
                    "reason for all, or one for each in the order of 请假"]
    return dict(zip(excused, parts)), []


def read_rows(content):
    """Every data row of the file: ``(rows, errors)``. BadInput when the
    file itself cannot be read or lacks a column."""
    table = read_table(content)
    columns = columns_of(table[0][1])
    rows, errors = [], []
    for number, values in table[1:]:
        if all(_text(v) == "" for v in values):
            continue
        row, row_errors = parse_row(number, values, columns)
        if row is not None:
            rows.append(row)
        errors.extend(row_errors)
    return rows, errors
