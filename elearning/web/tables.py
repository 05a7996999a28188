"""Exports a trainer takes away: roster and item analysis as CSV and XLSX.

CSV is UTF-8 with a byte-order mark, which spreadsheet programs need to read accents and
non-Latin names correctly, and every cell that a spreadsheet would read as a formula (one that
starts with = + - @, a tab or a carriage return) is prefixed with an apostrophe. XLSX cells are
written as typed values: text stays text, whatever it starts with.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any

import xlsxwriter

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A cell value that no spreadsheet will evaluate (OWASP's CSV-injection advice)."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A CSV file (UTF-8 with BOM, CRLF line ends) with formula-like cells neutralised."""
    return b"".join(csv_stream(header, rows))


def csv_stream(
    header: Sequence[str], rows: Iterable[Sequence[Any]], *, lines: int = 200
) -> Iterator[bytes]:
    """The same CSV file as :func:`to_csv`, a few hundred ``lines`` at a time, for a download
    too large to hold in memory."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([neutralise(name) for name in header])
    for count, row in enumerate(rows, start=1):
        writer.writerow([neutralise(_cell(value)) for value in row])
        if count % lines == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def to_xlsx(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    """An XLSX workbook, one sheet per (title, header, rows); text is never read as a formula."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    bold = workbook.add_format({"bold": True})
    for title, header, rows in sheets:
        sheet = workbook.add_worksheet(title[:31])
        widths = [len(name) for name in header]
        for column, name in enumerate(header):
            sheet.write_string(0, column, name, bold)
        for row_number, row in enumerate(rows, start=1):
            for column, value in enumerate(row):
                value = _cell(value)
                if isinstance(value, int | float):
                    sheet.write_number(row_number, column, value)
                else:
                    text = str(value)
                    sheet.write_string(row_number, column, text)
                    widths[column] = max(widths[column], min(len(text), 60))
        for column, width in enumerate(widths):
            sheet.set_column(column, column, width + 2)
        sheet.freeze_panes(1, 0)
    workbook.close()
    return buffer.getvalue()
