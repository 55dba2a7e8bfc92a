"""Every named report, in one table: the report centre's index, the pages, the xlsx export and the scheduled
e-mails (kefu.reports.subscriptions) look reports up here, so a report is built by one function wherever it
is read.

A report's builder is `(user, Filters, now) -> list[Table]`; it reads only what the user may report on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kefu.core.xlsx import workbook_sheets_bytes
from kefu.org.models import User

from .base import Filters, Table

Builder = Callable[[User, Filters, dt.datetime], list[Table]]


@dataclass(frozen=True)
class Report:
    key: str  # unique across the report centre, e.g. "complaints-monthly", "visits-rate"
    title: Any  # lazy text
    group: Any  # the heading it is listed under in the report centre
    build: Builder
    url: str  # the page, without a query string
    periods: tuple[str, ...] = ("month", "quarter", "custom")  # the first is the default
    landscape: bool = False  # printed on A4 landscape

    def workbook(self, user: User, f: Filters, now: dt.datetime) -> tuple[str, bytes]:
        """(file name without extension, xlsx bytes): exactly the tables the page shows for these filters."""
        tables = self.build(user, f, now)
        return f"{self.title}-{f.period.label}", workbook_sheets_bytes([t.sheet() for t in tables])


def all_reports() -> dict[str, Report]:
    """Every report, in the order of the report centre."""
    from kefu.reports import case_reports
    from kefu.visits import report_views as visit_reports

    found = [*case_reports.REPORTS, *visit_reports.REPORT_DEFS]
    out: dict[str, Report] = {}
    for r in found:
        if r.key in out:
            raise RuntimeError(f"two reports are named {r.key!r}")
        out[r.key] = r
    return out


def get(key: str) -> Report | None:
    return all_reports().get(key)
