"""工作台: the dashboard at the home page, per role. Thin: the figures come from kefu.reports.dashboard."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.db_router import replica_reads
from kefu.core.types import AuthedRequest

from .dashboard import Dashboard, dashboard_figures


def _now() -> dt.datetime:
    """The dashboard's clock (tests set it)."""
    return timezone.now()


def sections(d: Dashboard) -> list[dict[str, Any]]:
    """The rows of tiles, in the order a user of each role looks for them."""
    out = []
    if d.jobs:
        out.append({"key": "jobs", "title": _("我的任务"), "tiles": d.jobs})
    own = [f for f in (d.visits_today, d.mine) if f is not None]
    # A steward's own calls and cases first (on the phone they are what the day is made of).
    cases = [*own, *d.tiles] if d.steward and not d.manage else [*d.tiles, *own[::-1]]
    if cases:
        title = _("我负责区域的工单") if d.steward and not d.manage else _("工单概况")
        out.append({"key": "cases", "title": title, "tiles": cases})
    if d.qc_tiles:
        out.append({"key": "qc", "title": _("质检复核"), "tiles": d.qc_tiles})
    return out


@replica_reads()
def dashboard(request: AuthedRequest) -> HttpResponse | None:
    """The dashboard of the signed-in staff member, or None when no part of it is theirs (e.g. an archivist).
    Reads from the replica when one is configured."""
    d = dashboard_figures(request.user, request.kefu_project, _now())
    if d.empty:
        return None
    ctx = {
        "nav": "home",
        "d": d,
        "sections": sections(d),
        "rates": [r for r in (d.sla, d.csat) if r is not None],
        "chart_specs": [c.spec() for c in d.charts],
    }
    return render(request, "reports/dashboard.html", ctx)
