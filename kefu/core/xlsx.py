"""Writing tables to xlsx (openpyxl), streamed as a download."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from io import BytesIO
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None)
    return value


Sheet = tuple[str, Sequence[str], Iterable[Sequence[Any]]]  # title, headers, rows


def _fill(ws: Any, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    ws.append(list(headers))
    for c in ws[1]:
        c.font = Font(bold=True)
        c.fill = PatternFill("solid", fgColor="E8F0FE")
    widths = [max(8, len(h) * 2 + 2) for h in headers]
    for row in rows:
        values = [_cell(v) for v in row]
        ws.append(values)
        for i, v in enumerate(values):
            if v is not None and i < len(widths):
                widths[i] = min(60, max(widths[i], len(str(v)) + 2))
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "A2"


def workbook_sheets_bytes(sheets: Sequence[Sheet]) -> bytes:
    """A workbook with one sheet per (title, headers, rows), in order."""
    wb = Workbook(write_only=False)
    first = wb.active
    assert first is not None
    for i, (title, headers, rows) in enumerate(sheets):
        ws = first if i == 0 else wb.create_sheet()
        ws.title = title[:31]
        _fill(ws, headers, rows)
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
