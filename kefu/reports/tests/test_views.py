"""The report centre's pages: the workbook equals the page cell by cell, every linked number opens a case list of
exactly that many cases, readers see only their projects, bad filters show errors and no tables.

The data set is test_figures.build_book (about ninety cases made through the services)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from io import BytesIO
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from kefu.conftest import login
from kefu.core.middleware import SESSION_KEY
from kefu.reports import case_reports, registry, views
from kefu.reports.base import Filters

from .test_figures import NOVEMBER, Q4, REPORT_NOW, count_volume, module_book, people, scoped, timeline, within

pytestmark = pytest.mark.django_db

MONTHLY = "/reports/complaints-monthly/"


@pytest.fixture(scope="module")
def book(django_db_setup, django_db_blocker):
    """The data set of test_figures, built once for this module."""
    yield from module_book(django_db_blocker)


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    monkeypatch.setattr(views, "_now", lambda: REPORT_NOW)


def as_user(client, user, project: Any = None):
    """Logged in, with the console's current project chosen at the top ("all" for 全部项目)."""
    login(client, user)
    if project is not None:
        session = client.session
        session[SESSION_KEY] = project if project == "all" else str(project.pk)
        session.save()
    return client


class Tables(HTMLParser):
    """The page's report tables as text: {table key: [[cell text, ...], ...]} (body rows, then the foot row),
    and every link in them: [(text, href)]."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.links: list[tuple[str, str]] = []
        self._key: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._href: str | None = None
        self._in_head = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        key = a.get("data-table")
        if tag == "table" and key:
            self._key = key
            self.tables[key] = []
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr" and self._key and not self._in_head:
            self._row = []
        elif tag == "td" and self._row is not None:
            self._cell = []
        elif tag == "a" and self._cell is not None:
            self._href, self._text_start = a.get("href"), len(self._cell)
            self._cell.append("\x1f")  # separates the links of a cell

    def handle_endtag(self, tag: str) -> None:
        if tag == "thead":
            self._in_head = False
        elif tag == "a" and self._cell is not None and self._href is not None:
            text = "".join(self._cell[self._text_start + 1 :])
            self.links.append((text, self._href))
            self._href = None
        elif tag == "td" and self._row is not None and self._cell is not None:
            self._row.append("".join(self._cell).strip("\x1f").strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self._key:
            if self._row:
                self.tables[self._key].append(self._row)
            self._row = None
        elif tag == "table":
            self._key = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data.strip())


def parse(response) -> Tables:
    p = Tables()
    p.feed(response.content.decode())
    return p


def shown(kind: str, value: Any) -> str:
    """An xlsx value as the page shows it (kefu.reports.base.display)."""
    if value is None:
        return "—" if kind in ("int", "pct", "mean", "score", "count") else ""
    if kind == "pct":
        return f"{value:.1f}%"
    if kind == "mean":
        return f"{value:.2f}"
    if kind == "score":
        return f"{value:.1f}"
    if kind in ("int", "count"):
        return f"{value:,}"
    if kind == "cases":
        return "\x1f".join(value.split("、"))
    return str(value)


def workbook(response) -> Any:
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(BytesIO(response.content))


def listed(client, href: str) -> int:
    """How many cases the linked list shows (its "共 n 条")."""
    r = client.get(href)
    assert r.status_code == 200
    n = r.context["page"].paginator.count
    assert re.search(rf'data-testid="count">共 {n:,} 条<', r.content.decode())
    return n


# The page and the workbook --------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["complaints-monthly", "quarterly-analysis", "monthly-tally", "channel-load"])
def test_the_workbook_equals_the_page_cell_by_cell(book, client, key):
    as_user(client, people(book.w.mia))
    query = "period=quarter&quarter=2026-4" if key == "quarterly-analysis" else "period=month&month=2026-11"
    page = client.get(f"/reports/{key}/?{query}")
    assert page.status_code == 200
    tables = page.context["tables"]
    shown_tables = parse(page).tables
    wb = workbook(client.get(f"/reports/{key}/?{query}&export=xlsx"))
    assert wb.sheetnames == [t.title[:31] for t in tables]
    for t, ws in zip(tables, wb.worksheets, strict=True):
        rows = list(ws.iter_rows(values_only=True))
        assert list(rows[0]) == [c.header for c in t.cols]
        on_page = shown_tables[t.key]
        body = rows[1:]
        if not t.rows:
            assert body == [] and len(on_page) == 1  # the page says there is nothing
            continue
        assert len(body) == len(on_page) == len(t.rows) + (1 if t.foot is not None else 0)
        for xlsx_row, page_row in zip(body, on_page, strict=True):
            assert [shown(c.kind, v) for c, v in zip(t.cols, xlsx_row, strict=True)] == page_row, (t.key, page_row)


def test_the_monthly_complaint_report_shows_the_timeline_counts(book, client):
    """The headline row of the page (project A, November) is the independent count of test_figures."""
    facts = timeline()
    complaints = [x for x in within(scoped(facts, project=book.w.a), NOVEMBER) if x.case.kind == "complaint"]
    v = count_volume(complaints)
    as_user(client, people(book.w.mia))
    head = parse(client.get(f"{MONTHLY}?period=month&month=2026-11")).tables["overview"][0]
    assert head[:9] == [
        "本期", "2026-11-01 ~ 2026-11-30", str(v.registered), str(v.cancelled), str(v.received), str(v.finished),
        str(v.open), f"{v.finished / v.received * 100:.1f}%", str(v.on_time),
    ]  # fmt: skip


# Links: each number opens the list of exactly those cases ---------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "current", "query", "reports"),
    [
        # the manager of A, with A chosen at the top
        ("mia", None, "period=month&month=2026-11", ["complaints-monthly", "weekly-summary", "channel-load"]),
        # head office, 全部项目 at the top and in the report
        ("hera", "all", "period=month&month=2026-11&project=all", ["complaints-monthly", "quarterly-analysis"]),
        # a zone; a handling department
        ("mia", None, "period=month&month=2026-11&zone={a1}", ["complaints-monthly", "channel-load"]),
        ("mia", None, "period=month&month=2026-11&department={gc}", ["quarterly-analysis"]),
    ],
)
def test_every_linked_number_lists_exactly_that_many_cases(book, client, who, current, query, reports):
    """Every distinct link of the monthly complaint report, and up to 25 of each other report."""
    user = people(getattr(book.w, who))
    as_user(client, user, current)
    query = query.format(a1=book.w.a1.pk, gc=book.desk.gc.pk)
    periods = {"weekly-summary": "period=week&day=2026-11-18", "quarterly-analysis": "period=quarter&quarter=2026-4"}
    checked = 0
    for key in reports:
        q = query.replace("period=month&month=2026-11", periods.get(key, "period=month&month=2026-11"))
        page = client.get(f"/reports/{key}/?{q}")
        assert page.context["linked"] is True
        links = sorted({(href, text) for text, href in parse(page).links if href.startswith("/cases/?")})
        assert links, key
        for href, text in links if key == "complaints-monthly" else links[:25]:
            assert listed(client, href) == int(text.replace(",", "")), (key, href)
            checked += 1
    assert checked >= 10


def test_links_stay_off_when_the_list_would_show_another_project(book, client):
    """Head office with project A chosen at the top, reading all projects: the list would show A only."""
    as_user(client, people(book.w.hera), book.w.a)
    page = client.get(f"{MONTHLY}?period=month&month=2026-11&project=all")
    assert page.context["linked"] is False
    assert not [href for _text, href in parse(page).links if href.startswith("/cases/?")]
    assert "数字不链接到工单列表" in page.content.decode()
    # the case numbers of the repeat list still open the cases
    assert any(href.startswith("/cases/TS") for _text, href in parse(page).links)


def test_a_count_link_carries_the_reports_filters(book):
    links = case_reports.Links(Filters(NOVEMBER, project=book.w.a, zone=book.w.a1), REPORT_NOW)
    q = parse_qs(urlsplit(links.finished(NOVEMBER, kind="complaint", category=7)).query)
    assert q == {
        "queue": ["all"], "top_level": ["1"], "project": [str(book.w.a.pk)], "zone": [str(book.w.a1.pk)],
        "created_from": ["2026-11-01"], "created_to": ["2026-11-30"], "resolved_from": ["2026-11-01"],
        "resolved_to": ["2026-12-15"], "kind": ["complaint"], "category": ["7"],
    }  # fmt: skip


# Who sees what -------------------------------------------------------------------------------------------------


def test_an_agent_without_the_report_permission_gets_404(book, client):
    as_user(client, people(book.w.alice))
    for url in ("/reports/", MONTHLY, f"{MONTHLY}?export=xlsx", "/reports/daily-tally/"):
        assert client.get(url).status_code == 404


def test_the_manager_of_a_never_sees_project_b(book, client):
    facts = timeline()
    mia = people(book.w.mia)
    as_user(client, mia)
    page = client.get(f"{MONTHLY}?period=month&month=2026-11")
    form = page.context["form"]
    assert [label for _v, label in form.fields["project"].choices] == ["阳光花园"]
    a = count_volume([x for x in within(scoped(facts, project=book.w.a), NOVEMBER) if x.case.kind == "complaint"])
    assert parse(page).tables["overview"][0][4] == str(a.received)
    assert "阳光花园" in page.context["scope_line"]
    # asking for project B is refused, with no tables
    b = client.get(f"{MONTHLY}?period=month&month=2026-11&project={book.w.b.pk}")
    assert b.status_code == 200 and b.context["tables"] == []
    assert "所选项目不在您的报表范围内" in b.content.decode() and "data-table" not in b.content.decode()
    xlsx = client.get(f"{MONTHLY}?period=month&month=2026-11&project={book.w.b.pk}&export=xlsx")
    assert xlsx["Content-Type"].startswith("text/html")  # no workbook either
    # project B's cases are nowhere in the tally of the month
    numbers = {row[0] for row in parse(client.get("/reports/monthly-tally/?month=2026-11")).tables["items"]}
    b_numbers = {x.case.number for x in facts.values() if x.case.project_id == book.w.b.pk}
    assert numbers and not numbers & b_numbers


def test_head_office_sees_every_project(book, client):
    facts = timeline()
    as_user(client, people(book.w.hera), "all")
    page = client.get(f"{MONTHLY}?period=month&month=2026-11&project=all")
    both = count_volume([x for x in within(list(facts.values()), NOVEMBER) if x.case.kind == "complaint"])
    a = count_volume([x for x in within(scoped(facts, project=book.w.a), NOVEMBER) if x.case.kind == "complaint"])
    assert parse(page).tables["overview"][0][4] == str(both.received) != str(a.received)
    assert "全部项目" in page.context["scope_line"]


def test_unknown_reports_are_404_and_visit_reports_live_at_their_own_page(book, client):
    as_user(client, people(book.w.mia))
    assert client.get("/reports/no-such-report/").status_code == 404
    r = client.get("/reports/visits-rate/?month=2026-11")
    assert r.status_code == 302 and r["Location"] == "/reports/visits/?report=rate&month=2026-11"


# Filters -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "error"),
    [
        (f"{MONTHLY}?period=month&month=2026-13", "请选择月份（如 2026-11）"),
        (f"{MONTHLY}?period=custom&date_from=2026-11-20&date_to=2026-11-01", "结束日期不能早于开始日期"),
        (f"{MONTHLY}?period=custom&date_from=2026-11-20&date_to=bad", "请输入有效的日期"),
        (f"{MONTHLY}?period=day", "选择一个有效的选项"),  # the monthly report has no daily period
        ("/reports/daily-tally/?day=2026-02-30", "请输入有效的日期"),
        ("/reports/quarterly-analysis/?period=quarter&quarter=2019-1", "选择一个有效的选项"),
    ],
)
def test_bad_filters_show_an_error_and_no_tables(book, client, url, error):
    as_user(client, people(book.w.mia))
    r = client.get(url)
    body = r.content.decode()
    assert r.status_code == 200 and r.context["tables"] == []
    assert error in body and "请修正筛选条件后再查询" in body and "data-table" not in body


def test_the_filters_narrow_the_figures(book, client):
    """Zone A1 and the 工程部 department each give their own, smaller numbers, equal to the timeline's."""
    facts = timeline()
    as_user(client, people(book.w.mia))
    for param, scope in (("zone", {"zone": book.w.a1}), ("department", {"department": book.desk.gc})):
        value = next(iter(scope.values())).pk
        page = client.get(f"/reports/quarterly-analysis/?period=quarter&quarter=2026-4&{param}={value}")
        total = parse(page).tables["by_kind"][-1]
        v = count_volume(within(scoped(facts, project=book.w.a, **scope), Q4))
        assert total[:4] == ["合计", str(v.registered), str(v.received), str(v.finished)]


# The report centre ---------------------------------------------------------------------------------------------


def test_the_report_centre_lists_every_report_by_group(book, client):
    as_user(client, people(book.w.mia))
    r = client.get("/reports/")
    body = r.content.decode()
    reports = registry.all_reports()
    groups = dict(r.context["groups"])
    assert list(groups) == ["工单与投诉", "回访与满意度"]
    assert sum(len(v) for v in groups.values()) == len(reports)
    for rep in reports.values():
        assert f'href="{rep.url}"' in body and str(rep.title) in body
        assert case_reports.DESCRIPTIONS.get(rep.key)  # each with its one line
    assert "客户投诉情况及处理月报" in body and "周五例会" in body


@pytest.mark.parametrize("report", case_reports.REPORTS, ids=lambda r: r.key)
def test_every_case_report_renders_exports_and_prints_on_a4(book, client, report):
    as_user(client, people(book.w.mia))
    page = client.get(report.url)  # the defaults: this month (December 2026), this week, today...
    assert page.status_code == 200 and page.context["form"].is_valid()
    body = page.content.decode()
    assert f"@page {{ size: A4 {'landscape' if report.landscape else 'portrait'}" in body
    assert "导出 Excel" in body and "data-print" in body  # the print button (kefu.js)
    wb = workbook(client.get(report.url + "?export=xlsx"))
    assert wb.sheetnames == [t.title[:31] for t in page.context["tables"]]


def test_the_daily_tally_lists_the_days_items(book, client):
    as_user(client, people(book.w.mia))
    page = client.get("/reports/daily-tally/?day=2026-11-18")
    t = parse(page).tables
    summary = {row[0]: row[1:] for row in t["summary"]}
    assert list(summary) == ["投诉", "建议", "合计"]
    items = t["items"]
    received = [row for row in items if row[1] == "当日受理"]
    carried = [row for row in items if row[1] == "上日结转"]
    assert len(received) == int(summary["合计"][1]) and len(carried) == int(summary["合计"][0])
    assert all(row[7].startswith("2026-11-18") for row in received)  # 受理时间


def test_a_report_is_a_handful_of_queries_whatever_the_data(book):
    """The cost does not follow the number of cases: the same queries for one project or all."""
    report = registry.get("complaints-monthly")
    assert report is not None
    counts = []
    for user, f in (
        (people(book.w.mia), Filters(NOVEMBER, project=book.w.a)),
        (people(book.w.hera), Filters(NOVEMBER)),
    ):
        with CaptureQueriesContext(connection) as ctx:
            report.build(user, f, REPORT_NOW)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] <= 30
