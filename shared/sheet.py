"""A spreadsheet brought by a user (paper records, a roster): the file (base64
.xlsx or UTF-8 .csv, a BOM tolerated), its rows as written, its header, and
the cells every import reads the same way (text, a day, a list of names).
Pure: bytes in, rows and ``RowError``s out, each error naming the row (the
sheet's: the header is row 1) and the column (its header). What the columns
mean is the importing service's business."""
import base64
import binascii
import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass

from shared.errors import BadInput

MAX_FILE_BYTES = 10 * 1024 * 1024

# Names in one cell: 甲、乙 or 甲,乙 or 甲，乙
SEPARATORS = re.compile(r"[、,，]")
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class RowError:
    row: int
    column: str | None
    message: str

    def as_dict(self):
        return {"row": self.row, "column": self.column, "message": self.message}


# -- the file -------------------------------------------------------------------------

def decode_file(file_b64, max_bytes=MAX_FILE_BYTES, advice="split it into parts"):
    """The file's bytes from its base64 text, or BadInput (field ``file``);
    ``advice`` tells what to do with a file over ``max_bytes``."""
    if not isinstance(file_b64, str) or not file_b64.strip():
        raise BadInput("the file is empty; send an .xlsx or UTF-8 .csv as base64", "file")
    text = file_b64.strip()
    if text.startswith("data:") and "," in text:  # a data URL as browsers make them
        text = text.split(",", 1)[1]
    text = "".join(text.split())
    too_big = f"the file is larger than {max_bytes // (1024 * 1024)} MB; {advice}"
    if len(text) * 3 // 4 > max_bytes + 2:
        raise BadInput(too_big, "file")
    try:
        content = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise BadInput("the file is not base64 text; encode the .xlsx or .csv as base64",
                       "file") from None
    if len(content) > max_bytes:
        raise BadInput(too_big, "file")
    return content


def read_table(content, max_rows, required):
    """``[(row number, [cell values])]`` of the first sheet of an .xlsx (a
    zip, so it starts with ``PK``) or of a UTF-8 .csv, header included;
    ``required`` (the columns) only words the message for an empty file."""
    if content[:2] == b"PK":
        rows = _xlsx_rows(content, max_rows)
    else:
        rows = _csv_rows(content)
    if not rows:
        raise BadInput("the file has no rows; its first row names the columns "
                       + " ".join(required), "file")
    if len(rows) > max_rows + 1:
        raise BadInput(f"the file has {len(rows) - 1} rows; at most {max_rows} in one import",
                       "file")
    return rows


def _xlsx_rows(content, max_rows):
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
            if number > max_rows + 1:
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
    while rows and is_blank(rows[-1][1]):
        rows.pop()
    return rows


def header_columns(header, known):
    """``({column name: index}, names written twice among ``known``)`` from
    the header row; an unknown extra column is kept and ignored."""
    columns, twice = {}, []
    for index, value in enumerate(header):
        name = text(value)
        if not name:
            continue
        if name in columns and name in known and name not in twice:
            twice.append(name)
        columns.setdefault(name, index)
    return columns, twice


# -- cells ------------------------------------------------------------------------------

def text(value):
    """A cell as the text a person reads in it (a date cell as YYYY-MM-DD)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def is_blank(values):
    return all(text(v) == "" for v in values)


def cell_of(values, columns):
    """``cell(column)``: the row's value under that header (None if absent)."""
    def cell(column):
        index = columns.get(column)
        return values[index] if index is not None and index < len(values) else None
    return cell


def parse_day(value):
    """A date from a date cell or ``YYYY-MM-DD`` text; raises ValueError
    with what is wrong."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)):
        raise ValueError(f"{text(value)} is a number, not a date; format the cell as a date "
                         "or write YYYY-MM-DD")
    written = text(value)
    if not written:
        raise ValueError("the date is empty; write it as YYYY-MM-DD")
    if not ISO_DAY.match(written):
        raise ValueError(f"{written!r} is not a date; write it as YYYY-MM-DD (e.g. 2017-06-03)")
    try:
        return dt.date.fromisoformat(written)
    except ValueError:
        raise ValueError(f"{written} is not a day of the calendar") from None


def split_names(value):
    """The parts of a list written in one cell (separated by 、 , or ，)."""
    return [part.strip() for part in SEPARATORS.split(text(value)) if part.strip()]
