"""The QC analysis pages (质量管理): error rates, cycle times, stuck items, the daily reconciliation (日结) and the
staff scorecard (绩效). Thin: every figure comes from kefu.quality.selectors, reconcile or scorecard; this module
only turns them into tables, and the same rows feed the page and its xlsx (?export=xlsx). docs/quality.md."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from kefu.core import formats
from kefu.core.shortcuts import attempt
from kefu.core.types import AuthedRequest
from kefu.core.xlsx import Sheet, xlsx_sheets_response
from kefu.org.models import Department, Project, User
from kefu.org.roles import Perm
from kefu.org.scope import can
from kefu.tickets.states import Channel

from . import reconcile, scorecard, selectors, services
from .models import ScorecardWeights, Stage, StuckThreshold

# Who may read each page (any of these permissions, in the project).
PERMS: dict[str, tuple[Perm, ...]] = {
    "errors": (Perm.VIEW_REPORTS, Perm.QC_REVIEW),
    "cycle": (Perm.VIEW_REPORTS, Perm.QC_REVIEW),
    "stuck": (Perm.VIEW_REPORTS, Perm.QC_REVIEW, Perm.SIGN_OFF_DAY),
    "reconciliation": (Perm.VIEW_REPORTS, Perm.QC_REVIEW, Perm.SIGN_OFF_DAY),
    "scorecard": (Perm.VIEW_REPORTS, Perm.MANAGE_QC),
}
ALL = "all"
MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
PERIODS = [("month", gettext_lazy("按月")), ("range", gettext_lazy("日期范围"))]
BY = [
    ("operator", gettext_lazy("按经办人")),
    ("department", gettext_lazy("按部门")),
    ("category", gettext_lazy("按分类")),
]
STAGES = list(Stage)  # the page order: dispatch, accept, handle, first_reply, visit, close
TREND_MONTHS = 12
MAX_RANGE_DAYS = 366


def _now() -> dt.datetime:
    """The pages' "now" (stuck items, the default month). A function so that tests can fix it."""
    return timezone.now()


def duration_zh(seconds: float | None) -> str:
    """Seconds as the reports show a measured time: 2天3小时, 5小时20分钟, 45分钟 (— when there is none)."""
    return formats.duration_zh(seconds, minutes=True)


def _when(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _pct(rate: float | None) -> float | None:
    """A share (0.75) as the pages show it: a percentage with one decimal (75.0)."""
    return None if rate is None else round(rate * 100, 1)


# Tables: the same rows for the page and the workbook ------------------------------------------------------


@dataclass
class Col:
    label: str
    # text | int | pct (a share, shown as a percentage) | num (int as is, float with one decimal) | dur (seconds)
    # | link ((text, href)) | when (a datetime)
    kind: str = "int"
    css: str = ""  # a class for the page's cells of this column
    short: str = ""  # the page's label under a group heading (the workbook keeps the full label)

    @property
    def header(self) -> str:
        return f"{self.label}(%)" if self.kind == "pct" else self.label

    @property
    def numeric(self) -> bool:
        return self.kind in ("int", "pct", "num", "dur")


def cell_text(col: Col, value: Any) -> str:
    """A value as the page (and, for durations and dates, the workbook) shows it."""
    if value is None:
        return "—" if col.numeric else ""
    if col.kind == "pct":
        return f"{value * 100:.1f}%"
    if col.kind == "num":
        return f"{value:.1f}" if isinstance(value, float) else f"{value:,}"
    if col.kind == "int":
        return f"{value:,}"
    if col.kind == "dur":
        return duration_zh(value)
    if col.kind == "link":
        return str(value[0])
    if col.kind == "when":
        return _when(value)
    return str(value)


def cell_xlsx(col: Col, value: Any) -> Any:
    if value is None:
        return None
    if col.kind == "pct":
        return _pct(value)
    if col.kind in ("dur", "link", "when"):
        return cell_text(col, value)
    return value


@dataclass
class Row:
    values: list[Any]
    css: str = ""  # a class for the page's <tr>
    key: str = ""  # data-key on the page (what the row is about)
    extra: dict[str, Any] = field(default_factory=dict)  # page-only: per-row actions


@dataclass
class Table:
    key: str
    title: str
    cols: list[Col]
    rows: list[Row]
    note: str = ""
    css: str = ""  # a class for the page's <table>
    groups: list[tuple[str, int]] = field(default_factory=list)  # page headings over columns ("": none)
    head: list[list[dict[str, Any]]] = field(default_factory=list)
    body: list[dict[str, Any]] = field(default_factory=list)

    def _head(self) -> list[list[dict[str, Any]]]:
        def th(c: Col, text: str, **kw: int) -> dict[str, Any]:
            return {"text": text, "num": c.numeric, "colspan": 1, "rowspan": 1, **kw}

        if not self.groups:
            return [[th(c, c.label) for c in self.cols]]
        top: list[dict[str, Any]] = []
        below: list[dict[str, Any]] = []
        i = 0
        for label, span in self.groups:
            cols = self.cols[i : i + span]
            i += span
            if not label:
                top += [th(c, c.label, rowspan=2) for c in cols]
                continue
            top.append({"text": label, "num": False, "colspan": span, "rowspan": 1, "group": True})
            below += [th(c, c.short or c.label) for c in cols]
        return [top, below]

    def render(self) -> Table:
        self.head = self._head()
        self.body = []
        for row in self.rows:
            cells = []
            for c, v in zip(self.cols, row.values, strict=True):
                href = v[1] if c.kind == "link" and v is not None else ""
                css = " ".join(x for x in ("num" if c.numeric else "", c.css) if x)
                cells.append({"text": cell_text(c, v), "css": css, "href": href})
            self.body.append({"cells": cells, "css": row.css, "key": row.key, **row.extra})
        return self

    def sheet(self) -> Sheet:
        rows = [[cell_xlsx(c, v) for c, v in zip(self.cols, r.values, strict=True)] for r in self.rows]
        return self.title, [c.header for c in self.cols], rows


# The filter bar ---------------------------------------------------------------------------------------------


class StaffField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return obj.display_name


@dataclass
class Filters:
    project: Project | None  # None: all the reader's projects
    project_ids: list[int] | None  # None: every project (head office)
    start: dt.date
    end: dt.date
    label: str
    department: Department | None = None
    operator: User | None = None
    by: str = "operator"


def _month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    first = dt.date(year, month, 1)
    return first, dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)


class FilterForm(forms.Form):
    project = forms.ChoiceField(label=gettext_lazy("项目"), required=False)
    period = forms.ChoiceField(label=gettext_lazy("统计周期"), choices=PERIODS, required=False)
    month = forms.CharField(label=gettext_lazy("月份"), required=False, widget=forms.TextInput(attrs={"type": "month"}))
    date_from = forms.DateField(
        label=gettext_lazy("开始日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("请输入有效的日期")},
    )
    date_to = forms.DateField(
        label=gettext_lazy("结束日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("请输入有效的日期")},
    )
    by = forms.ChoiceField(label=gettext_lazy("统计维度"), choices=BY, required=False)
    department = forms.ModelChoiceField(
        label=gettext_lazy("部门"),
        queryset=Department.objects.none(),
        required=False,
        empty_label=gettext_lazy("全部"),
        error_messages={"invalid_choice": gettext_lazy("所选部门不存在或不在您的查看范围内")},
    )
    operator = StaffField(
        label=gettext_lazy("经办人"),
        queryset=User.objects.none(),
        required=False,
        empty_label=gettext_lazy("全部"),
        error_messages={"invalid_choice": gettext_lazy("所选人员不存在或不在您的查看范围内")},
    )

    def __init__(
        self, data: QueryDict, *, scope: selectors.ReportScope, allow_all: bool, fields: Sequence[str]
    ) -> None:
        super().__init__(data)
        for name in list(self.fields):
            if name != "project" and name not in fields:
                del self.fields[name]
        self.scope, self.allow_all = scope, allow_all
        choices = [(str(p.pk), p.name) for p in scope.projects]
        if allow_all and len(scope.projects) > 1:
            choices.insert(0, (ALL, _("全部项目")))
        project_field: Any = self.fields["project"]
        project_field.choices = choices
        project_field.error_messages["invalid_choice"] = _("所选项目不在您的查看范围内")
        if "department" in self.fields:
            dept: Any = self.fields["department"]
            dept.queryset = Department.objects.filter(Q(project__in=scope.ids) | Q(project__isnull=True)).order_by(
                "project__code", "sort", "code"
            )
        if "operator" in self.fields:
            op: Any = self.fields["operator"]
            op.queryset = selectors.report_staff(None if scope.all_projects else scope.ids)

    def clean_project(self) -> Project | None:
        value = self.cleaned_data.get("project") or ALL
        if value == ALL:
            if not self.allow_all:
                raise forms.ValidationError(_("请选择项目"))
            return None
        return next(p for p in self.scope.projects if str(p.pk) == value)

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        project, dept = d.get("project"), d.get("department")
        if project is not None and dept is not None and dept.project_id not in (None, project.pk):
            self.add_error("department", _("所选部门不属于所选项目"))
        d["span"] = self._span(d)
        return d

    def _span(self, d: dict[str, Any]) -> tuple[dt.date, dt.date, str] | None:
        if "month" not in self.fields:
            return None
        if d.get("period") == "range":
            start, end = d.get("date_from"), d.get("date_to")
            if "date_from" in self.errors or "date_to" in self.errors:
                return None
            if start is None or end is None:
                self.add_error("date_from" if start is None else "date_to", _("按日期范围统计请填写开始和结束日期"))
                return None
            if end < start:
                self.add_error("date_to", _("结束日期不能早于开始日期"))
                return None
            if (end - start).days >= MAX_RANGE_DAYS:
                self.add_error("date_to", _("日期范围不能超过一年"))
                return None
            return start, end, f"{start:%Y-%m-%d} 至 {end:%Y-%m-%d}"
        m = MONTH.match((d.get("month") or "").strip())
        if m is None or not 1 <= int(m[2]) <= 12:
            self.add_error("month", _("请选择月份（如 2026-11）"))
            return None
        start, end = _month_bounds(int(m[1]), int(m[2]))
        return start, end, _("%(y)s年%(m)s月") % {"y": start.year, "m": start.month}

    def filters(self) -> Filters:
        d = self.cleaned_data
        project: Project | None = d["project"]
        ids = [project.pk] if project else (None if self.scope.all_projects else self.scope.ids)
        start, end, label = d["span"]
        return Filters(
            project=project,
            project_ids=ids,
            start=start,
            end=end,
            label=label,
            department=d.get("department"),
            operator=d.get("operator"),
            by=d.get("by") or "operator",
        )


def _scope(request: AuthedRequest, page: str) -> selectors.ReportScope:
    scope = selectors.report_scope(request.user, PERMS[page])
    if not scope.projects:
        raise Http404
    return scope


def _filter_data(request: AuthedRequest, scope: selectors.ReportScope, allow_all: bool) -> QueryDict:
    """The query string with the defaults: the current project (head office's "all" where the page allows it),
    this month. A project outside the reader's scope answers 404, like a missing one."""
    data = request.GET.copy()
    ids = {str(pk) for pk in scope.ids}
    chosen = data.get("project", "")
    if chosen and chosen != ALL and chosen not in ids:
        raise Http404
    if not chosen or (chosen == ALL and not allow_all):  # a page about one project's figures: the default one
        current = request.kefu_project
        if current is not None and str(current.pk) in ids:
            data["project"] = str(current.pk)
        elif allow_all and len(ids) > 1:
            data["project"] = ALL
        else:
            data["project"] = str(scope.projects[0].pk)
    if not data.get("period"):
        data["period"] = "month"
    if not data.get("month"):
        data["month"] = f"{timezone.localdate(_now()):%Y-%m}"
    return data


def _filters(request: AuthedRequest, page: str, fields: Sequence[str], allow_all: bool) -> FilterForm:
    scope = _scope(request, page)
    return FilterForm(_filter_data(request, scope, allow_all), scope=scope, allow_all=allow_all, fields=fields)


def _members(f: Filters) -> set[int] | None:
    return selectors.department_members(f.department.pk) if f.department else None


def _people(f: Filters) -> set[int] | None:
    """The operators to show: the chosen one, or the chosen department's staff (None: everyone)."""
    members = _members(f)
    if f.operator is None:
        return members
    return {f.operator.pk} if members is None or f.operator.pk in members else set()


def _keep(rows: Iterable[Any], key: Callable[[Any], Any], allowed: set[Any] | None) -> list[Any]:
    """The selector's rows for the chosen people or department (the rows themselves are not changed)."""
    return [r for r in rows if allowed is None or key(r) in allowed]


def _scope_line(f: Filters) -> str:
    items = [
        _("统计周期：%(v)s") % {"v": f.label},
        _("项目：%(v)s") % {"v": f.project.name if f.project else _("全部项目")},
    ]
    if f.department:
        items.append(_("部门：%(v)s") % {"v": f.department.name})
    if f.operator:
        items.append(_("经办人：%(v)s") % {"v": f.operator.display_name})
    return " · ".join(items)


def _export_url(request: AuthedRequest) -> str:
    query = request.GET.copy()
    query["export"] = "xlsx"
    return "?" + query.urlencode()


def _page(request: AuthedRequest, template: str, ctx: dict[str, Any], status: int = 200) -> HttpResponse:
    tables: list[Table] = ctx.get("tables", [])
    ctx["tables"] = [t.render() for t in tables]
    ctx["charts"] = [{**c, "data_id": f"{c['id']}-data"} for c in ctx.get("charts", [])]
    ctx.setdefault("export_url", _export_url(request))
    return render(request, template, ctx, status=status)


# 1. Error rates ---------------------------------------------------------------------------------------------


def _rate_cols(first: str) -> list[Col]:
    return [
        Col(first, "text"),
        Col(_("检查数量")),
        Col(_("差错数")),
        Col(_("致命差错")),
        Col(_("差错率"), "pct"),
        Col(_("致命差错率"), "pct"),
    ]


def _rate_row(r: selectors.ErrorRate) -> Row:
    return Row([r.label, r.checked, r.errors, r.fatal, r.rate, r.fatal_rate], key=str(r.key or ""))


def error_tables(f: Filters) -> tuple[list[Table], list[dict[str, Any]]]:
    ids, start, end = f.project_ids, f.start, f.end
    by_operator = _keep(selectors.error_rates(ids, start, end, by="operator"), lambda r: r.key, _people(f))
    by_department = _keep(
        selectors.error_rates(f.project_ids, f.start, f.end, by="department"),
        lambda r: r.key,
        {f.department.pk} if f.department else None,
    )
    by_stage = selectors.error_rates(f.project_ids, f.start, f.end, by="stage")
    trend = selectors.error_trend(f.project_ids, TREND_MONTHS, f.end, operator_id=f.operator.pk if f.operator else None)
    note = _(
        "差错率 = 期间内登记的差错数 ÷ 期间内检查的数量（质检表“检查数量”之和）；致命差错率 = 致命差错数 ÷ 检查数量。"
        "检查数量按质检记录的经办人、部门、环节归属，差错按差错本身的责任人、环节归属。"
    )
    tables = [
        Table("by_operator", _("按经办人"), _rate_cols(_("经办人")), [_rate_row(r) for r in by_operator], note),
        Table("by_department", _("按部门"), _rate_cols(_("部门")), [_rate_row(r) for r in by_department]),
        Table(
            "by_stage",
            _("按环节"),
            _rate_cols(_("环节")),
            [_rate_row(r) for r in by_stage],
            _("按环节统计为所选项目的全部数据，不受部门、经办人筛选影响。") if f.department or f.operator else "",
        ),
    ]
    months = [_("%(y)s年%(m)s月") % {"y": r["month"].year, "m": r["month"].month} for r in trend]
    cols = [Col(_("月份"), "text"), *_rate_cols("")[1:]]
    rows = [
        Row([m, r["checked"], r["errors"], r["fatal"], r["rate"], r["fatal_rate"]], key=f"{r['month']:%Y-%m}")
        for m, r in zip(months, trend, strict=True)
    ]
    who = f.operator.display_name if f.operator else (f.project.name if f.project else _("全部项目"))
    trend_title = _("差错率月度趋势（%(who)s）") % {"who": who}
    tables.append(Table("trend", trend_title, cols, rows))
    charts = []
    if trend:
        charts.append(
            {
                "type": "line",
                "id": "chart-trend",
                "table": "trend",
                "title": trend_title,
                "unit": "%",
                "labels": months,
                "series": [
                    {"name": _("差错率"), "values": [_pct(r["rate"]) for r in trend]},
                    {"name": _("致命差错率"), "values": [_pct(r["fatal_rate"]) for r in trend]},
                ],
            }
        )
    return tables, charts


@require_GET
def errors(request: AuthedRequest) -> HttpResponse:
    """差错率 (/quality/errors/): by operator, department and stage, and the monthly trend."""
    form = _filters(request, "errors", ("period", "month", "date_from", "date_to", "department", "operator"), True)
    ctx: dict[str, Any] = {"nav": "qc_errors", "page_title": _("差错率分析"), "form": form}
    if form.is_valid():
        f = form.filters()
        ctx["tables"], ctx["charts"] = error_tables(f)
        ctx["scope_line"] = _scope_line(f)
        if request.GET.get("export") == "xlsx":
            return xlsx_sheets_response(f"{_('差错率')}-{f.label}", [t.sheet() for t in ctx["tables"]])
    return _page(request, "quality/reports/errors.html", ctx)


# 2. Cycle times -----------------------------------------------------------------------------------------------


def _stage_order(rows: list[selectors.CycleTime]) -> list[selectors.CycleTime]:
    order = {s.value: i for i, s in enumerate(STAGES)}
    return sorted(rows, key=lambda c: (order.get(c.stage, 99), c.label))


def _stage_label(stage: str) -> str:
    return str(Stage(stage).label) if stage in Stage.values else stage


def cycle_tables(f: Filters) -> tuple[list[Table], list[dict[str, Any]]]:
    by_names = dict(BY)
    overall = _stage_order(selectors.cycle_times(f.project_ids, f.start, f.end, by="stage"))
    time_cols = [Col(_("件数")), Col(_("中位数"), "dur"), Col(_("P90"), "dur"), Col(_("最长"), "dur")]
    note = _(
        "每个环节从开始事件到结束事件的时长（见质控说明），按结束时间落在统计期间内统计；中位数和 P90 按最近秩法："
        "n 个时长升序排列后取第 ⌈p×n⌉ 个。"
    )
    tables = [
        Table(
            "by_stage",
            _("各环节时长"),
            [Col(_("环节"), "text"), *time_cols],
            [Row([_stage_label(c.stage), c.n, c.median, c.p90, c.max], key=c.stage) for c in overall],
            note,
        )
    ]
    allowed: set[Any] | None = None
    if f.by == "operator":
        allowed = _people(f)
    elif f.by == "department":
        allowed = {f.department.pk} if f.department else None
    grouped = _keep(
        _stage_order(selectors.cycle_times(f.project_ids, f.start, f.end, by=f.by)), lambda c: c.key, allowed
    )
    first = {"operator": _("经办人"), "department": _("部门"), "category": _("分类")}[f.by]
    tables.append(
        Table(
            "by_group",
            _("各环节时长（%(by)s）") % {"by": by_names[f.by]},
            [Col(first, "text"), Col(_("环节"), "text"), *time_cols],
            [Row([c.label, _stage_label(c.stage), c.n, c.median, c.p90, c.max], key=str(c.key)) for c in grouped],
            _("按分类统计不受部门、经办人筛选影响。") if f.by == "category" and (f.department or f.operator) else "",
        )
    )
    rows = _keep(
        selectors.handovers(f.project_ids, f.start, f.end, operator_id=f.operator.pk if f.operator else None),
        lambda h: h.key,
        _members(f),
    )
    cols = [Col(_("经办人"), "text"), Col(_("交接合计"))]
    for s in STAGES:
        cols += [
            Col(f"{s.label}·{_('件数')}", short=_("件数")),
            Col(f"{s.label}·{_('中位数')}", "dur", short=_("中位数")),
            Col(f"{s.label}·P90", "dur", short="P90"),
        ]
    body = []
    for h in rows:
        values: list[Any] = [h.label, h.total]
        for s in STAGES:
            c = h.stages.get(s.value)
            values += [c.n, c.median, c.p90] if c else [0, None, None]
        body.append(Row(values, key=str(h.key)))
    tables.append(
        Table(
            "handovers",
            _("每人工作量与交接间隔（%(p)s）") % {"p": f.label},
            cols,
            body,
            _("交接合计 = 该员工在期间内结束（交出）的环节数；各环节的件数、中位数和 P90 为其经手时长。"),
            css="compact",
            groups=[("", 2), *[(str(s.label), 3) for s in STAGES]],
        )
    )
    charts = []
    if overall:
        charts.append(
            {
                "type": "bar",
                "id": "chart-stages",
                "table": "by_stage",
                "title": _("各环节时长（小时）"),
                "unit": "h",
                "labels": [_stage_label(c.stage) for c in overall],
                "series": [
                    {
                        "name": name,
                        "values": [None if v is None else round(v / 3600, 1) for v in vals],
                        "texts": [duration_zh(v) for v in vals],
                    }
                    for name, vals in (
                        (_("中位数"), [c.median for c in overall]),
                        (_("P90"), [c.p90 for c in overall]),
                    )
                ],
            }
        )
    return tables, charts


@require_GET
def cycle(request: AuthedRequest) -> HttpResponse:
    """处理时效 (/quality/cycle/): cycle time per stage by operator, department or category, and each
    operator's month of hand-overs."""
    form = _filters(request, "cycle", ("period", "month", "date_from", "date_to", "by", "department", "operator"), True)
    ctx: dict[str, Any] = {"nav": "qc_cycle", "page_title": _("处理时效分析"), "form": form, "landscape": True}
    if form.is_valid():
        f = form.filters()
        ctx["tables"], ctx["charts"] = cycle_tables(f)
        ctx["scope_line"] = _scope_line(f)
        if request.GET.get("export") == "xlsx":
            return xlsx_sheets_response(f"{_('处理时效')}-{f.label}", [t.sheet() for t in ctx["tables"]])
    return _page(request, "quality/reports/cycle.html", ctx)


# 3. Stuck items ------------------------------------------------------------------------------------------------


def stuck_tables(project: Project, now: dt.datetime) -> list[Table]:
    result = selectors.stuck(project.pk, now=now)
    limits = selectors.thresholds(project.pk)
    counts = Table(
        "counts",
        _("各环节滞留数量"),
        [Col(_("环节"), "text"), Col(_("滞留阈值"), "dur"), Col(_("滞留数量"))],
        [
            Row(
                [
                    str(item.label),
                    limits[item.value] * 3600 if item.value in limits else None,
                    result.counts.get(item.value),
                ],
                css="stuck" if result.counts.get(item.value) else "",
                key=item.value,
            )
            for item in StuckThreshold.Item
        ],
        _("停留在某一环节超过该环节阈值的事项即为滞留；未设置阈值的环节不统计。"),
    )
    items = Table(
        "items",
        _("滞留清单（超时最严重的在前）"),
        [
            Col(_("环节"), "text"),
            Col(_("工单编号"), "link"),
            Col(_("标题"), "text", css="wrap"),
            Col(_("滞留起始"), "when"),
            Col(_("已滞留"), "dur", css="idle"),
            Col(_("阈值"), "dur"),
            Col(_("当前经办"), "text"),
        ],
        [
            Row(
                [i.label, (i.number, i.url), i.title, i.since, i.hours * 3600, i.threshold * 3600, i.who],
                css="late" if i.hours >= 2 * i.threshold else "",
                key=i.number,
            )
            for i in result.items
        ],
    )
    if sum(result.counts.values()) > len(result.items):
        items.note = _("清单每个环节最多显示 500 条。")
    return [counts, items]


@require_GET
def stuck(request: AuthedRequest) -> HttpResponse:
    """滞留监控 (/quality/stuck/?project=<id>): what is idle beyond its threshold now, most overdue first."""
    form = _filters(request, "stuck", (), False)
    ctx: dict[str, Any] = {"nav": "qc_stuck", "page_title": _("滞留监控"), "form": form}
    if form.is_valid():
        project = form.cleaned_data["project"]
        now = _now()
        ctx["tables"] = stuck_tables(project, now)
        ctx["scope_line"] = _("项目：%(p)s · 统计时间：%(t)s") % {"p": project.name, "t": _when(now)}
        if request.GET.get("export") == "xlsx":
            label = _("滞留清单")
            name = f"{label}-{project.name}-{timezone.localtime(now):%Y%m%d}"
            return xlsx_sheets_response(name, [t.sheet() for t in ctx["tables"]])
    return _page(request, "quality/reports/stuck.html", ctx)


# 4. Daily reconciliation ------------------------------------------------------------------------------------------

RECON_COLS = [
    ("opening", gettext_lazy("期初在办")),
    ("new", gettext_lazy("新增")),
    ("reopened", gettext_lazy("重新打开")),
    ("finished", gettext_lazy("办结/关闭/取消")),
    ("closing", gettext_lazy("期末在办(推算)")),
    ("closing_actual", gettext_lazy("期末在办(实际)")),
    ("state_new", gettext_lazy("待派单")),
    ("state_in_progress", gettext_lazy("处理中")),
    ("state_waiting", gettext_lazy("挂起/等待他方")),
    ("state_resolved", gettext_lazy("已办结待回访")),
    ("closed_today", gettext_lazy("当日关闭")),
]


def _balance(mismatch: bool, difference: int, state_total: int, closing: int) -> str:
    if not mismatch:
        return _("平")
    parts = []
    if difference:
        more = _("实际比推算多 %(n)s") if difference > 0 else _("实际比推算少 %(n)s")
        parts.append(more % {"n": abs(difference)})
    if state_total != closing:
        parts.append(_("各状态合计 %(s)s ≠ 推算 %(c)s") % {"s": state_total, "c": closing})
    return _("不平") + ("：" + "；".join(parts) if parts else "")


def reconciliation_table(project: Project, start: dt.date, end: dt.date) -> Table:
    rows = list(selectors.reconciliations(project.pk, start, end))
    days = selectors.reconciliation_days(project.pk, start, end)
    channels = dict(Channel.choices)
    cols = [
        Col(_("日期"), "text"),
        Col(_("渠道"), "text"),
        *[Col(str(label)) for _f, label in RECON_COLS],
        Col(_("差异(实际−推算)"), css="diff"),
        Col(_("核对"), "text", css="balance"),
        Col(_("签核"), "text", css="signed"),
        Col(_("说明"), "text", css="note"),
    ]
    body: list[Row] = []
    for i, r in enumerate(rows):
        body.append(
            Row(
                [
                    f"{r.day:%Y-%m-%d}",
                    str(channels.get(r.channel, r.channel)),
                    *[getattr(r, f) for f, _label in RECON_COLS],
                    r.difference,
                    _balance(r.mismatch, r.difference, r.state_total, r.closing),
                    f"{r.signed_off_by.display_name} {_when(r.signed_off_at)}" if r.signed_off_by else "",
                    r.note,
                ],
                css="mismatch" if r.mismatch else "",
                key=f"{r.day:%Y-%m-%d}/{r.channel}",
            )
        )
        last_of_day = i + 1 == len(rows) or rows[i + 1].day != r.day
        if not last_of_day:
            continue
        d = days[r.day]
        if d["channels"] > 1:
            body.append(
                Row(
                    [
                        f"{r.day:%Y-%m-%d}",
                        _("当日合计"),
                        *[d[f] for f, _label in RECON_COLS],
                        d["difference"],
                        _("不平") if d["mismatched"] else _("平"),
                        "",
                        "",
                    ],
                    css="total" + (" mismatch" if d["mismatched"] else ""),
                    key=f"{r.day:%Y-%m-%d}/total",
                )
            )
        body[-1].extra = {
            "day": f"{r.day:%Y-%m-%d}",
            "mismatch": bool(d["mismatched"]),
            "signed": d["signed"] == d["channels"],
        }
    return Table(
        "days",
        _("%(p)s 日结（%(y)s年%(m)s月）") % {"p": project.name, "y": start.year, "m": start.month},
        cols,
        body,
        _(
            "期末在办(推算) = 期初在办 + 新增 + 重新打开 − 办结/关闭/取消；期末在办(实际)按工单当前状态倒推到当日末。"
            "两者不等、或各状态合计与推算不等即为不平，需说明原因后签核。"
        ),
    )


def _month_of(form: FilterForm) -> tuple[dt.date, dt.date]:
    start, end, _label = form.cleaned_data["span"]
    return start, end


def _reconciliation_ctx(request: AuthedRequest, form: FilterForm) -> dict[str, Any]:
    ctx: dict[str, Any] = {
        "nav": "qc_reconciliation",
        "page_title": _("日结"),
        "form": form,
        "landscape": True,
    }
    if not form.is_valid():
        return ctx
    project: Project = form.cleaned_data["project"]
    start, end = _month_of(form)
    table = reconciliation_table(project, start, end)
    today = timezone.localdate(_now())
    days = [row.extra for row in table.rows if row.extra]
    have = {d["day"] for d in days}
    day = start
    missing = []
    while day <= min(end, today - dt.timedelta(days=1)):
        if f"{day:%Y-%m-%d}" not in have:
            missing.append(f"{day:%Y-%m-%d}")
        day += dt.timedelta(days=1)
    prev_month = start - dt.timedelta(days=1)
    next_month = end + dt.timedelta(days=1)
    ctx.update(
        {
            "tables": [table],
            "project": project,
            "month": f"{start:%Y-%m}",
            "missing": missing,
            "unsigned": [d for d in days if not d["signed"]],
            "may_sign": can(request.user, Perm.SIGN_OFF_DAY, project.pk),
            "prev_url": f"?project={project.pk}&month={prev_month:%Y-%m}",
            "next_url": f"?project={project.pk}&month={next_month:%Y-%m}" if next_month <= today else "",
            "scope_line": _("项目：%(p)s · 月份：%(y)s年%(m)s月")
            % {"p": project.name, "y": start.year, "m": start.month},
        }
    )
    return ctx


@require_GET
def reconciliation(request: AuthedRequest) -> HttpResponse:
    """日结 (/quality/reconciliation/): the stored days of a month, per channel, with sign-off and recompute."""
    form = _filters(request, "reconciliation", ("month",), False)
    ctx = _reconciliation_ctx(request, form)
    if form.is_valid() and request.GET.get("export") == "xlsx":
        table: Table = ctx["tables"][0]
        return xlsx_sheets_response(f"{_('日结')}-{ctx['project'].name}-{ctx['month']}", [table.sheet()])
    return _page(request, "quality/reports/reconciliation.html", ctx)


class DayForm(forms.Form):
    day = forms.DateField(
        error_messages={"invalid": gettext_lazy("请选择有效的日期"), "required": gettext_lazy("请选择日期")}
    )
    note = forms.CharField(required=False, max_length=1000)


def _day_project(request: AuthedRequest) -> Project:
    """The project of a reconciliation action: one of the page's projects, else 404."""
    scope = _scope(request, "reconciliation")
    project = next((p for p in scope.projects if str(p.pk) == request.POST.get("project", "")), None)
    if project is None:
        raise Http404
    return project


def _back(project: Project, day: dt.date | None) -> HttpResponse:
    month = f"&month={day:%Y-%m}" if day else ""
    return redirect(f"{reverse('qc_reports:reconciliation')}?project={project.pk}{month}")


@require_POST
def reconciliation_recompute(request: AuthedRequest) -> HttpResponse:
    """重新计算 one day (reconcile.reconcile_day, which keeps the sign-off fields)."""
    project = _day_project(request)
    if not can(request.user, Perm.SIGN_OFF_DAY, project.pk):
        raise PermissionDenied(services.MSG_FORBIDDEN)
    form = DayForm(request.POST)
    if not form.is_valid():
        messages.error(request, str(form.errors["day"][0]))
        return _back(project, None)
    day = form.cleaned_data["day"]
    if day >= timezone.localdate(_now()):
        messages.error(request, _("只能计算今天以前的日结"))
        return _back(project, day)
    rows = reconcile.reconcile_day(project, day, now=_now())
    if rows:
        done = _("已重新计算 %(d)s 的日结（%(n)s 个渠道）") % {"d": f"{day:%Y-%m-%d}", "n": len(rows)}
        messages.success(request, done)
    else:
        messages.info(request, _("%(d)s 没有在办或发生变动的工单，无需日结") % {"d": f"{day:%Y-%m-%d}"})
    return _back(project, day)


@require_POST
def reconciliation_sign_off(request: AuthedRequest) -> HttpResponse:
    """签核 a day (services.reconciliation_sign_off: a day that does not balance needs a note)."""
    project = _day_project(request)
    form = DayForm(request.POST)
    if not form.is_valid():
        messages.error(request, str(form.errors.get("day", form.errors.get("note", [""]))[0]))
        return _back(project, None)
    day, note, user = form.cleaned_data["day"], form.cleaned_data["note"], request.user
    ok, _n = attempt(
        request, lambda: services.reconciliation_sign_off(actor=user, project=project, day=day, note=note, now=_now())
    )
    if ok:
        messages.success(request, _("已签核 %(d)s 的日结") % {"d": f"{day:%Y-%m-%d}"})
    return _back(project, day)


# 5. Scorecard -----------------------------------------------------------------------------------------------------


def _weight_label(name: str) -> str:
    f: Any = ScorecardWeights._meta.get_field(name)
    return str(f.verbose_name)


class WeightsForm(forms.Form):
    """The weights, checked by services.weights_save (0-100 each, summing to 100)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ScorecardWeights.FIELDS:
            self.fields[name] = forms.IntegerField(
                label=_weight_label(name),
                required=False,
                widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": 1}),
                error_messages={"invalid": gettext_lazy("权重须为 0-100 的整数")},
            )

    def values(self) -> dict[str, int]:
        return {k: v if v is not None else 0 for k, v in self.cleaned_data.items()}


def scorecard_tables(project: Project, month: dt.date, department: Department | None) -> list[Table]:
    rows = scorecard.scorecard(project.pk, month)
    members = selectors.department_members(department.pk) if department else None
    headers, table = scorecard.as_table(_keep(rows, lambda r: r.user_id, members))
    cols = [Col(h, "text" if i == 0 else "num") for i, h in enumerate(headers)]
    weights = scorecard.weights_for(project.pk)
    return [
        Table(
            "scorecard",
            _("员工绩效（%(y)s年%(m)s月）") % {"y": month.year, "m": month.month},
            cols,
            [Row(list(r), key=str(r[0])) for r in table],
            _(
                "综合得分 = Σ 权重×指标值 ÷ 有数据指标的权重之和；工作量、完成回访数按本月最高者为 100 折算，"
                "其余为百分比；没有数据的指标不计入（不按 0 分计）。"
            ),
        ),
        Table(
            "weights",
            _("绩效权重"),
            [Col(_("指标"), "text"), Col(_("权重"))],
            [Row([_weight_label(f), getattr(weights, f)], key=f) for f in ScorecardWeights.FIELDS],
            css="narrow",
        ),
    ]


def _scorecard_page(request: AuthedRequest, form: FilterForm, weights_form: WeightsForm | None = None) -> HttpResponse:
    ctx: dict[str, Any] = {"nav": "qc_scorecard", "page_title": _("员工绩效"), "form": form, "landscape": True}
    status = 200
    if form.is_valid():
        project: Project = form.cleaned_data["project"]
        start, _end = _month_of(form)
        department = form.cleaned_data.get("department")
        tables = scorecard_tables(project, start, department)
        if request.method == "GET" and request.GET.get("export") == "xlsx":
            name = f"{_('员工绩效')}-{project.name}-{start:%Y-%m}"
            return xlsx_sheets_response(name, [t.sheet() for t in tables])
        weights = scorecard.weights_for(project.pk)
        may_edit = can(request.user, Perm.MANAGE_QC, project.pk)
        if weights_form is None and may_edit:
            weights_form = WeightsForm(initial={f: getattr(weights, f) for f in ScorecardWeights.FIELDS})
        elif weights_form is not None:
            status = 400
        score_table = tables[0]
        query = {"project": project.pk, "month": f"{start:%Y-%m}", "department": department.pk if department else ""}
        ctx.update(
            {
                "tables": tables,
                "project": project,
                "month": f"{start:%Y-%m}",
                "weights": weights,
                "weights_form": weights_form if may_edit else None,
                "export_url": f"{reverse('qc_reports:scorecard')}?{urlencode({**query, 'export': 'xlsx'})}",
                "scope_line": _("项目：%(p)s · 月份：%(y)s年%(m)s月")
                % {"p": project.name, "y": start.year, "m": start.month},
                "charts": [
                    {
                        "type": "bar",
                        "id": "chart-score",
                        "table": "scorecard",
                        "title": _("综合得分"),
                        "unit": "score",
                        "labels": [r.values[0] for r in score_table.rows],
                        "series": [{"name": _("综合得分"), "values": [r.values[1] for r in score_table.rows]}],
                    }
                ]
                if score_table.rows
                else [],
            }
        )
    return _page(request, "quality/reports/scorecard.html", ctx, status=status)


SCORECARD_FIELDS = ("month", "department")


@require_GET
def scorecard_page(request: AuthedRequest) -> HttpResponse:
    """员工绩效 (/quality/scorecard/): the month's scorecard as scorecard.as_table gives it, and the weights."""
    return _scorecard_page(request, _filters(request, "scorecard", SCORECARD_FIELDS, False))


@require_POST
def scorecard_weights(request: AuthedRequest) -> HttpResponse:
    """Save the weights (services.weights_save: MANAGE_QC, each 0-100, summing to 100)."""
    scope = _scope(request, "scorecard")
    data = QueryDict(mutable=True)
    data["project"], data["month"] = request.POST.get("project", ""), request.POST.get("month", "")
    project = next((p for p in scope.projects if str(p.pk) == data["project"]), None)
    if project is None:
        raise Http404
    if not can(request.user, Perm.MANAGE_QC, project.pk):
        raise PermissionDenied(services.MSG_FORBIDDEN)
    if not data["month"]:
        data["month"] = f"{timezone.localdate(_now()):%Y-%m}"
    form = FilterForm(data, scope=scope, allow_all=False, fields=SCORECARD_FIELDS)
    weights_form = WeightsForm(request.POST)
    if weights_form.is_valid():
        user = request.user
        ok, _w = attempt(
            request,
            lambda: services.weights_save(actor=user, project=project, values=weights_form.values()),
            form=weights_form,
        )
        if ok:
            messages.success(request, _("绩效权重已保存"))
            query = urlencode({"project": project.pk, "month": data["month"]})
            return redirect(f"{reverse('qc_reports:scorecard')}?{query}")
    return _scorecard_page(request, form, weights_form)
