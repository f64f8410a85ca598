"""Spreadsheets for the import tests (rosters, paper records of activities)."""
import io

from openpyxl import Workbook


def xlsx_bytes(*rows, header=None):
    """An .xlsx file of ``rows`` under ``header`` (no header row if None)."""
    book = Workbook()
    page = book.active
    if header is not None:
        page.append(list(header))
    for row in rows:
        page.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
