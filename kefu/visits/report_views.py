"""回访与满意度报表 (/reports/visits/): one page with a filter bar and five reports as tabs, each printable on A4
and exported to xlsx with exactly the page's figures. Thin: the numbers come from visits.reports; this module
only turns them into tables (the same rows feed the page and the workbook)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from kefu.core.db_router import replica_reads
from kefu.core.types import AuthedRequest
from kefu.core.xlsx import xlsx_sheets_response
from kefu.org.models import User
from kefu.reports.base import (
    Col,
    Filters,
    ReportFilterForm,
    Table,
    date_text,
    filter_data,
    scope_line,
)
from kefu.reports.registry import Report

from . import reports
from .models import FindingCategory

REPORTS: dict[str, Any] = {
    "rate": gettext_lazy("回访率与及时率"),
    "satisfaction": gettext_lazy("满意度"),
    "reasons": gettext_lazy("不满意原因"),
    "coverage": gettext_lazy("走访计划覆盖"),
    "surveys": gettext_lazy("满意度调查"),
}
PERIOD_KINDS = ("month", "quarter", "custom")
# One colour per dissatisfaction reason, wherever the reasons are drawn.
REASON_COLOURS = {
    "attitude": "#c62828",
    "slow": "#d46b08",
    "quality": "#531dab",
    "unsolved": "#1858c0",
    "fee": "#08979c",
    "other": "#8a96a8",
    "": "#c3cad5",
}


def _now() -> dt.datetime:
    """The report's "now" (overdue visits, the default month). A function so that tests can fix it."""
    return timezone.now()


# 1. Return-visit rate ----------------------------------------------------------------------------------------


def _rate_cols(first: str) -> list[Col]:
    return [
        Col(first, "text"),
        Col(_("回访任务")),
        Col(_("已回访")),
        Col(_("无法联系")),
        Col(_("拒绝回访")),
        Col(_("待回访")),
        Col(_("已取消")),
        Col(_("回访率"), "pct"),
        Col(_("回访成功率"), "pct"),
        Col(_("按时完成")),
        Col(_("回访及时率"), "pct"),
        Col(_("超时未回访")),
    ]


def _rate_row(r: reports.RateRow) -> list[Any]:
    p = reports.percent
    return [
        r.label, r.total, r.done, r.unreachable, r.refused, r.pending, r.cancelled,
        p(r.rate), p(r.reached_rate), r.on_time, p(r.timeliness), r.overdue,
    ]  # fmt: skip


def rate_tables(user: User, f: Filters, now: dt.datetime) -> list[Table]:
    rep = reports.visit_rate(user, f, now)
    note = _(
        "统计期间内生成的工单回访任务。回访率 =（已回访 + 无法联系 + 拒绝回访）÷（回访任务 − 已取消）；"
        "回访成功率 = 已回访 ÷（回访任务 − 已取消）；回访及时率 = 在回访期限前完成的 ÷ 已完成（已回访 + 无法联系 + "
        "拒绝回访）；超时未回访 = 待回访且已过回访期限（按当前时间）。"
    )
    groups = [
        ("by_project", _("按项目"), _("项目"), rep.by_project),
        ("by_zone", _("按区域"), _("区域"), rep.by_zone),
        ("by_visitor", _("按回访人"), _("回访人"), rep.by_visitor),
    ]
    return [
        Table(key, title, _rate_cols(first), [_rate_row(r) for r in rows], _rate_row(rep.total), note if i == 0 else "")
        for i, (key, title, first, rows) in enumerate(groups)
    ]


# 2. Satisfaction --------------------------------------------------------------------------------------------


def _sat_cols(first: str) -> list[Col]:
    return [
        Col(first, "text"),
        Col(_("回访成功")),
        Col(_("平均分"), "mean"),
        Col(_("满意(4-5分)")),
        Col(_("满意率"), "pct"),
        Col(_("不满意(1-2分)")),
        Col(_("问题未解决")),
    ]


def _sat_row(r: reports.SatisfactionRow) -> list[Any]:
    return [
        r.label,
        r.reached,
        reports.mean_score(r.mean),
        r.satisfied,
        reports.percent(r.csat),
        r.dissatisfied,
        r.unsolved,
    ]


def satisfaction_tables(user: User, f: Filters, now: dt.datetime) -> list[Table]:
    rep = reports.satisfaction(user, f)
    note = _(
        "统计期间内回访成功（已回访）的工单回访。满意率 = 4-5 分的回访 ÷ 回访成功数；平均分为 1-5 分的平均；"
        "处理部门和处理人取工单的处理部门和处理人（回访时的处理人，见说明文档）。"
    )
    dept = Table("by_department", _("按处理部门"), _sat_cols(_("处理部门")), [_sat_row(r) for r in rep.by_department])
    dept.foot, dept.note = _sat_row(rep.total), note
    dept.chart = {
        "type": "bar",
        "id": "chart-satisfaction",
        "title": _("各部门满意率(%)"),
        "labels": [r.label for r in rep.by_department],
        "values": [reports.percent(r.csat) for r in rep.by_department],
    }
    staff = Table("by_staff", _("按处理人"), _sat_cols(_("处理人")), [_sat_row(r) for r in rep.by_staff])
    staff.foot = _sat_row(rep.total)
    category = Table("by_category", _("按工单分类"), _sat_cols(_("分类")), [_sat_row(r) for r in rep.by_category])
    category.foot = _sat_row(rep.total)
    return [dept, staff, category]


# 3. Reasons -------------------------------------------------------------------------------------------------


def reason_tables(user: User, f: Filters, now: dt.datetime) -> list[Table]:
    rep = reports.reasons(user, f)
    cols = [Col(_("不满意原因"), "text"), Col(_("次数")), Col(_("占比"), "pct"), Col(_("工单"), "cases")]
    rows = [[r.label, r.count, reports.percent(r.share), r.cases] for r in rep.rows]
    table = Table(
        "reasons",
        _("不满意原因"),
        cols,
        rows,
        [_("合计"), rep.total, 100.0 if rep.total else None, []],
        _(
            "统计期间内回访成功、且客户不满意（1-2 分）或问题未解决的工单回访，按回访时登记的原因分组；"
            "占比 = 该原因次数 ÷ 合计。"
        ),
    )
    table.chart = {
        "type": "pie",
        "id": "chart-reasons",
        "title": _("不满意原因占比"),
        "data": [
            {
                "name": r.label,
                "value": r.count,
                "share": reports.percent(r.share),
                "itemStyle": {"color": REASON_COLOURS.get(r.reason, "#8a96a8")},
            }
            for r in rep.rows
        ],
    }
    return [table]


# 4. Plan coverage -------------------------------------------------------------------------------------------


def coverage_tables(user: User, f: Filters, now: dt.datetime) -> list[Table]:
    rep = reports.coverage(user, f)
    categories = list(FindingCategory)
    cols = [
        Col(_("走访计划"), "text"),
        Col(_("项目"), "text"),
        Col(_("区域"), "text"),
        Col(_("管家"), "text"),
        Col(_("开始日期"), "text"),
        Col(_("结束日期"), "text"),
        Col(_("区域户数")),
        Col(_("计划户数")),
        Col(_("已走访")),
        Col(_("无法联系/拒绝")),
        Col(_("待走访")),
        Col(_("已取消")),
        Col(_("覆盖率"), "pct"),
        Col(_("完成率"), "pct"),
        *[Col(str(c.label)) for c in categories],
        Col(_("发现问题合计")),
        Col(_("转工单")),
    ]

    def row(r: reports.PlanRow) -> list[Any]:
        return [
            r.label, r.project, r.zone, r.steward, date_text(r.period_start), date_text(r.period_end),
            r.households, r.planned, r.done, r.unreachable, r.pending, r.cancelled,
            reports.percent(r.coverage), reports.percent(r.completion),
            *[r.findings.get(c.value, 0) for c in categories],
            r.findings_total, r.to_cases,
        ]  # fmt: skip

    plans = Table(
        "plans",
        _("走访计划"),
        cols,
        [row(r) for r in rep.rows],
        row(rep.total),
        _(
            "计划期间与统计期间有重叠的走访计划。覆盖率 = 已走访户数 ÷ 区域户数；完成率 =（计划户数 − 待走访 − "
            "已取消）÷ 计划户数；发现问题按分类统计，转工单为已转为工单的问题数。部门筛选不适用于走访计划。"
        ),
    )
    by_category = Table(
        "findings",
        _("发现问题分类"),
        [Col(_("问题分类"), "text"), Col(_("发现问题")), Col(_("转工单")), Col(_("转工单率"), "pct")],
        [[c.label, c.findings, c.to_cases, reports.percent(c.to_case_rate)] for c in rep.by_category],
    )
    return [plans, by_category]


# 5. Surveys ---------------------------------------------------------------------------------------------------


def survey_tables(user: User, f: Filters, now: dt.datetime) -> list[Table]:
    rows = reports.surveys(user, f)
    cols = [
        Col(_("调查名称"), "link"),
        Col(_("项目"), "text"),
        Col(_("开始日期"), "text"),
        Col(_("结束日期"), "text"),
        Col(_("状态"), "text"),
        Col(_("样本户数")),
        Col(_("已答")),
        Col(_("参与率"), "pct"),
        Col(_("总体评分数")),
        Col(_("满意率"), "pct"),
        Col(_("平均分"), "mean"),
        Col(_("NPS"), "score"),
    ]
    body = [
        [
            (r.name, r.url), r.project, date_text(r.period_start), date_text(r.period_end), r.status,
            r.figures.invited, r.figures.answered, reports.percent(r.figures.response_rate),
            r.figures.scored, reports.percent(r.figures.csat), reports.mean_score(r.figures.mean),
            reports.one_decimal(r.nps.score),
        ]
        for r in rows
    ]  # fmt: skip
    return [
        Table(
            "surveys",
            _("满意度调查"),
            cols,
            body,
            note=_(
                "调查期间与统计期间有重叠的已发布调查（按所选区域的答卷）。参与率 = 已答 ÷ 样本户数；满意率 = 总体"
                "满意度 4-5 分 ÷ 总体评分数；NPS = 推荐者(9-10分)占比 − 贬损者(0-6分)占比。点击名称查看调查结果。"
            ),
        )
    ]


BUILDERS: dict[str, Callable[[User, Filters, dt.datetime], list[Table]]] = {
    "rate": rate_tables,
    "satisfaction": satisfaction_tables,
    "reasons": reason_tables,
    "coverage": coverage_tables,
    "surveys": survey_tables,
}


GROUP = gettext_lazy("回访与满意度")
REPORT_DEFS = [
    Report(
        f"visits-{key}", title, GROUP, BUILDERS[key], f"/reports/visits/?report={key}", PERIOD_KINDS, key == "coverage"
    )
    for key, title in REPORTS.items()
]

# The page --------------------------------------------------------------------------------------------------------


@require_GET
@replica_reads()
def index(request: AuthedRequest) -> HttpResponse:
    """报表中心 · 回访与满意度: ?report=rate|satisfaction|reasons|coverage|surveys, ?export=xlsx. Reads from the
    replica when one is configured (kefu/core/db_router.py)."""
    user = request.user
    if not reports.may_view_reports(user):
        raise Http404
    now = _now()
    report = request.GET.get("report", "")
    if report not in REPORTS:
        report = "rate"
    projects = list(reports.report_projects(user))
    data = filter_data(request.GET, request.kefu_project, projects, now, "month")
    form = ReportFilterForm(data, user=user, now=now, periods=PERIOD_KINDS)
    tables: list[Table] = []
    scope = ""
    if form.is_valid():
        f = form.filters()
        tables = BUILDERS[report](user, f, now)
        scope = scope_line(f)
        if request.GET.get("export") == "xlsx":
            label = _("回访报表")
            name = f"{label}-{REPORTS[report]}-{f.period.label}"
            return xlsx_sheets_response(name, [t.sheet() for t in tables])
    query = request.GET.copy()
    query.pop("export", None)
    query.pop("report", None)
    base = query.urlencode()
    tabs = [(key, label, f"?report={key}" + (f"&{base}" if base else "")) for key, label in REPORTS.items()]
    ctx = {
        "nav": "visit_reports",
        "form": form,
        "report": report,
        "report_label": REPORTS[report],
        "tabs": tabs,
        "tables": [t.render() for t in tables],
        "charts": [{**t.chart, "data_id": f"{t.chart['id']}-data"} for t in tables if t.chart and t.rows],
        "scope_line": scope,
        "export_url": f"?report={report}" + (f"&{base}" if base else "") + "&export=xlsx",
    }
    return render(request, "visits/reports/index.html", ctx)
