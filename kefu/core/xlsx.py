"""Writing tables to xlsx (openpyxl), streamed as a download.

Workbooks are written row by row (openpyxl's write-only mode): an export of 50,000 cases holds one row in
memory at a time, not a cell object per value (hundreds of MB, and a web process that stays that large).
openpyxl itself is imported on the first export only, not by every process that imports this module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from io import BytesIO
from itertools import islice
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None)
    return value


Sheet = tuple[str, Sequence[str], Iterable[Sequence[Any]]]  # title, headers, rows


# Column widths follow the longest value of the first WIDTH_SAMPLE rows: a streamed sheet takes its widths
# before its first row.
WIDTH_SAMPLE = 1000


def _fill(ws: Any, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    it = iter(rows)
    first = [[_cell(v) for v in row] for row in islice(it, WIDTH_SAMPLE)]
    widths = [max(8, len(h) * 2 + 2) for h in headers]
    for values in first:
        for i, v in enumerate(values):
            if v is not None and i < len(widths):
                widths[i] = min(60, max(widths[i], len(str(v)) + 2))
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "A2"
    font, fill = Font(bold=True), PatternFill("solid", fgColor="E8F0FE")
    header = []
    for h in headers:
        cell = WriteOnlyCell(ws, value=h)
        cell.font, cell.fill = font, fill
        header.append(cell)
    ws.append(header)
    for values in first:
        ws.append(values)
    del first
    for row in it:
        ws.append([_cell(v) for v in row])


def workbook_sheets_bytes(sheets: Sequence[Sheet]) -> bytes:
    """A workbook with one sheet per (title, headers, rows), in order, written row by row."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for title, headers, rows in sheets or [("Sheet", [], [])]:
        _fill(wb.create_sheet(title[:31]), headers, rows)
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


def workbook_bytes(title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    return workbook_sheets_bytes([(title, headers, rows)])


def _download(filename: str, data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX_MIME)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    name = f"{filename}-{stamp}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


def xlsx_sheets_response(filename: str, sheets: Sequence[Sheet]) -> HttpResponse:
    return _download(filename, workbook_sheets_bytes(sheets))


def xlsx_response(filename: str, title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> HttpResponse:
    return _download(filename, workbook_bytes(title, headers, rows))
