"""The report centre (报表中心): the index of every report, and the page of each case report with its filters,
tables, charts, xlsx export (the same builder, so the same numbers) and A4 printing."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from typing import Any
from urllib.parse import quote

from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from kefu.core.db_router import replica_reads
from kefu.core.types import AuthedRequest
from kefu.core.xlsx import XLSX_MIME
from kefu.org.models import User
from kefu.org.roles import Perm
from kefu.org.scope import access
from kefu.reports import case_reports, registry
from kefu.reports.base import (
    PERIOD_LABELS,
    Filters,
    ReportFilterForm,
    Table,
    filter_data,
    may_view_reports,
    report_projects,
    scope_line,
)


def _now() -> dt.datetime:
    """The report's "now" (today's defaults, the case list links' last day). A function so tests can fix it."""
    return timezone.now()


@require_GET
def index(request: AuthedRequest) -> HttpResponse:
    """Every report of the centre, by group, each with a line saying what it shows."""
    if not may_view_reports(request.user):
        raise Http404
    groups: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()
    for r in registry.all_reports().values():
        groups.setdefault(str(r.group), []).append(
            {
                "key": r.key,
                "title": r.title,
                "url": r.url,
                "description": case_reports.DESCRIPTIONS.get(r.key, ""),
                "periods": "、".join(str(PERIOD_LABELS[p]) for p in r.periods),
            }
        )
    return render(request, "reports/index.html", {"nav": "reports", "groups": list(groups.items())})


def links_exact(user: User, current: Any, f: Filters) -> bool:
    """Whether /cases/ lists exactly what the report counts. The list shows the cases of the project chosen at
    the top of the console (all of the user's when 全部项目), narrowed by the link's own project: it must be
    the report's project, or the user's case scope must be the report's scope."""
    if current is not None:
        return f.project is not None and f.project.pk == current.pk
    cases = access(user, Perm.VIEW_CASES)
    if f.project is not None:
        return cases.covers_project(f.project.pk)
    reports = access(user, Perm.VIEW_REPORTS)
    if reports.all_projects or cases.all_projects:
        return reports.all_projects and cases.all_projects
    return cases.project_ids == reports.project_ids and not cases.zone_ids


def _unlinked(tables: list[Table]) -> None:
    """Counts shown as plain numbers (the list would not show exactly them)."""
    for t in tables:
        kinds = [c.kind for c in t.cols]
        for row in [*t.rows, *([t.foot] if t.foot is not None else [])]:
            for i, kind in enumerate(kinds):
                if kind == "count" and row[i] is not None:
                    row[i] = (row[i][0], "")


@require_GET
@replica_reads()
def report(request: AuthedRequest, key: str) -> HttpResponse:
    """/reports/<key>/: ?<filters>, ?export=xlsx. Reads from the replica when one is configured."""
    user = request.user
    if not may_view_reports(user):
        raise Http404
    r = registry.get(key)
    if r is None:
        raise Http404
    if r.url != request.path:  # a report with a page of its own (the visit reports)
        given = request.GET.urlencode()
        sep = "&" if "?" in r.url else "?"
        return HttpResponseRedirect(r.url + (sep + given if given else ""))
    now = _now()
    projects = list(report_projects(user))
    data = filter_data(request.GET, request.kefu_project, projects, now, r.periods[0])
    form = ReportFilterForm(data, user=user, now=now, periods=r.periods)
    tables: list[Table] = []
    scope = ""
    linked = False
    if form.is_valid():
        f = form.filters()
        if request.GET.get("export") == "xlsx":
            name, content = r.workbook(user, f, now)
            return _xlsx(name, content)
        tables = r.build(user, f, now)
        linked = links_exact(user, request.kefu_project, f)
        if not linked:
            _unlinked(tables)
        scope = scope_line(f)
    query = request.GET.copy()
    query.pop("export", None)
    base = query.urlencode()
    ctx = {
        "nav": "reports",
        "report": r,
        "form": form,
        "tables": [t.render() for t in tables],
        "charts": [{**t.chart, "data_id": f"{t.chart['id']}-data"} for t in tables if t.chart and t.rows],
        "scope_line": scope,
        "linked": linked,
        "has_counts": any(c.kind == "count" for t in tables for c in t.cols),
        "export_url": "?" + (f"{base}&" if base else "") + "export=xlsx",
        "periods": list(r.periods),
    }
    return render(request, "reports/report.html", ctx)


def _xlsx(name: str, content: bytes) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_MIME)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'{name}-{stamp}.xlsx')}"
    return response
