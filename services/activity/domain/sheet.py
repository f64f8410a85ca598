"""Paper records brought as a spreadsheet (a year of a bureau's 三会一课 and
the rest): its columns, and each row as written, names and all. Reading the
file itself (base64 .xlsx or UTF-8 .csv) is shared/sheet.py's. Pure: bytes
in, ``Row``s and ``RowError``s out, each error naming the row (the sheet's:
the header is row 1) and the column (its header). ``importing`` turns the
rows into activity inputs."""
import datetime as dt
from dataclasses import dataclass

from shared import sheet as shared_sheet
from shared.errors import BadInput
from shared.sheet import RowError, parse_day, split_names  # RowError: also importing's
from shared.sheet import text as _text
from shared.vocabulary import (ABSENT, ACTIVITY_DAY, ACTIVITY_KINDS, CENTRAL_GROUP_STUDY,
                               COMMITTEE_MEETING, DEMOCRATIC_LIFE_MEETING, EXCUSED,
                               GENERAL_MEETING, GROUP_MEETING, ORG_LIFE_MEETING, PARTY_LECTURE,
                               PRESENT, VOLUNTEER_SERVICE, WINTER_TRAINING)

MAX_FILE_BYTES = shared_sheet.MAX_FILE_BYTES
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
    return shared_sheet.decode_file(file_b64, MAX_FILE_BYTES, "split the year into parts")


def read_table(content):
    """``[(row number, [cell values])]`` of the file, header included."""
    return shared_sheet.read_table(content, MAX_ROWS, REQUIRED)


def columns_of(header):
    """``{column name: index}`` from the header row, or BadInput naming what is missing."""
    columns, twice = shared_sheet.header_columns(header, (*REQUIRED, REASONS))
    if twice:
        raise BadInput(f"the header (row 1) has the column {twice[0]} twice", "file")
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise BadInput(f"the header (row 1) lacks the column(s) {' '.join(missing)}; it needs "
                       f"{' '.join(REQUIRED)} (and optionally {REASONS})", "file")
    return columns


# -- one row --------------------------------------------------------------------------

def parse_kind(value):
    """The ActivityKind from its enum name or its Chinese name, or None."""
    text = _text(value)
    if text.upper() in ACTIVITY_KINDS:
        return text.upper()
    return KIND_BY_CHINESE.get(text)


def parse_row(number, values, columns):
    """A ``Row`` and no errors, or None and the errors of every bad cell."""
    cell = shared_sheet.cell_of(values, columns)
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
        if shared_sheet.is_blank(values):
            continue
        row, row_errors = parse_row(number, values, columns)
        if row is not None:
            rows.append(row)
        errors.extend(row_errors)
    return rows, errors
