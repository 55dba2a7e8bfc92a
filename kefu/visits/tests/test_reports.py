"""The return-visit and satisfaction reports: every figure equals a count made by hand, the workbook equals
the page, the filters narrow the numbers, and only report readers of the project see them."""

from __future__ import annotations

import datetime as dt
import os
from io import BytesIO
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from kefu import testing as t
from kefu.surveys import services as survey_services
from kefu.surveys.models import Question
from kefu.tickets import services as ts
from kefu.tickets.models import Case
from kefu.visits import report_views, reports, services
from kefu.visits.models import FindingCategory, ReturnVisit

from .conftest import NOW, fill_zone

H = dt.timedelta(hours=1)
RESOLVED_AT = NOW + 2 * H
REPORT_NOW = NOW + dt.timedelta(days=5)  # the "now" of the report: 2026-11-25
OCTOBER = dt.datetime(2026, 10, 10, 2, 0, tzinfo=dt.UTC)
NOVEMBER = "period=month&month=2026-11"


def pending(case: Case) -> ReturnVisit:
    return ReturnVisit.objects.get(case=case, status=ReturnVisit.Status.PENDING)


def reached(actor, case, score, *, at, solved=True, reason=""):
    return services.visit_record(
        actor=actor, visit=pending(case), outcome="reached", score=score, solved=solved, reason=reason, now=at
    )


@pytest.fixture
def book(desk, resolved, new_case):
    """November 2026 in project A, counted by hand in the tests below.

    case visits (created in November):          visitor  zone  handler  dept  result
      c1  repair                                stella   A1    fred     工程部  reached 5
      c2  repair                                stella   A1    fred     工程部  reached 4
      c3  repair, then resolved again           stella   A1    fred     工程部  reached 2 (quality) → rework,
                                                                             resolved again: a 2nd visit, overdue
      c4  repair                                stella   A1    fred     工程部  reached 3, unsolved, no reason
      c5  repair                                stella   A1    fred     工程部  no answer ×3 → unreachable
      c6  repair                                stella   A1    fred     工程部  refused 50 h after resolution: late
      c7  repair, resolved on 11-24             stella   A1    fred     工程部  pending, not yet due
      c8  repair, reopened by the desk          stella   A1    fred     工程部  cancelled
      c9  complaint                             carl     A1    fred     工程部  reached 1 (attitude), unsolved
      c10 repair on unit_a2                     carl     A2    alice    客服部  reached 5
      c11 repair                                stella   A1    gus      工程部  reached 2 (slow) → rework
    plus an October case (reached 1, fee), a case of project B (reached 1, fee), a Q4 visit plan of zone A1
    and a November survey.
    """
    w = desk.w
    d = SimpleNamespace(desk=desk, w=w)

    def handled(handler, now=NOW, **kw):
        case = new_case(now=now, **kw)
        case = ts.case_dispatch(actor=w.alice, case=case, assignee=handler, now=now + dt.timedelta(minutes=5))
        case = ts.case_accept(actor=handler, case=case, now=now + dt.timedelta(minutes=10))
        return ts.case_resolve(actor=handler, case=case, note="已处理", now=now + 2 * H)

    d.c = {i: resolved() for i in (1, 2, 3, 4, 5, 6, 8)}
    d.c[7] = resolved(now=NOW + dt.timedelta(days=4))
    d.c[9] = resolved(kind="complaint", title="保安态度差")
    d.c[10] = handled(w.alice, unit=w.unit_a2, customer=w.cust_a2, title="楼道灯不亮")
    d.c[11] = handled(desk.gus, title="阳台漏水")
    c = d.c
    reached(w.stella, c[1], 5, at=NOW + 5 * H)
    reached(w.stella, c[2], 4, at=NOW + 6 * H)
    reached(w.stella, c[3], 2, reason="quality", at=NOW + 7 * H)
    ts.case_resolve(actor=desk.fred, case=Case.objects.get(pk=c[3].pk), note="重新更换阀门", now=NOW + 30 * H)
    reached(w.stella, c[4], 3, solved=False, at=NOW + 7 * H)
    visit = pending(c[5])
    for i in range(3):
        visit = services.visit_record(actor=w.stella, visit=visit, outcome="no_answer", now=NOW + (5 + 4 * i) * H)
    services.visit_record(actor=w.stella, visit=pending(c[6]), outcome="refused", now=RESOLVED_AT + 50 * H)
    ts.case_reopen(actor=w.alice, case=c[8], reason="客户来电说仍漏水", now=NOW + 3 * H)
    reached(w.carl, c[9], 1, solved=False, reason="attitude", at=NOW + 8 * H)
    reached(w.carl, c[10], 5, at=NOW + 9 * H)
    reached(w.stella, c[11], 2, reason="slow", at=NOW + 10 * H)

    d.october = resolved(now=OCTOBER, title="十月漏水")
    reached(w.stella, d.october, 1, reason="fee", at=OCTOBER + 5 * H)

    # Project B: bob takes, handles and calls back his own case.
    b_case = ts.case_create(
        actor=w.bob, project=w.b, kind="repair", channel="phone", title="空调不制冷", unit=w.unit_b,
        customer=w.cust_b, now=NOW,
    )  # fmt: skip
    b_case = ts.case_dispatch(actor=w.bob, case=b_case, assignee=w.bob, now=NOW)
    b_case = ts.case_accept(actor=w.bob, case=b_case, now=NOW)
    d.b_case = ts.case_resolve(actor=w.bob, case=b_case, note="已加氟", now=NOW + H)
    reached(w.bob, d.b_case, 1, reason="fee", at=NOW + 3 * H)
    return d


@pytest.fixture
def fixed_now(monkeypatch):
    monkeypatch.setattr(report_views, "_now", lambda: REPORT_NOW)


def nov(**kw) -> reports.Filters:
    return reports.Filters(period=reports.month_period(2026, 11), **kw)


# The figures ----------------------------------------------------------------------------------------------------


def row_of(rate: reports.RateRow) -> tuple:
    return (rate.total, rate.done, rate.unreachable, rate.refused, rate.pending, rate.cancelled, rate.on_time,
            rate.overdue)  # fmt: skip


def test_return_visit_rate_and_timeliness_equal_the_count_by_hand(book):
    w = book.w
    rep = reports.visit_rate(w.mia, nov(), now=REPORT_NOW)
    # 12 visits: done c1 c2 c3 c4 c9 c10 c11; unreachable c5; refused c6; pending c3 (again) and c7; cancelled c8.
    assert row_of(rep.total) == (12, 7, 1, 1, 2, 1, 8, 1)
    assert rep.total.rate == 9 / 11 and rep.total.reached_rate == 7 / 11 and rep.total.timeliness == 8 / 9
    assert [(r.label, r.total) for r in rep.by_project] == [("阳光花园", 12)]
    zones = {r.label: row_of(r) for r in rep.by_zone}
    assert zones == {"阳光花园 一区": (11, 6, 1, 1, 2, 1, 7, 1), "阳光花园 二区": (1, 1, 0, 0, 0, 0, 1, 0)}
    visitors = {r.label: r for r in rep.by_visitor}
    assert row_of(visitors["孙浩"]) == (10, 5, 1, 1, 2, 1, 6, 1)
    assert visitors["孙浩"].rate == 7 / 9 and visitors["孙浩"].timeliness == 6 / 7
    assert row_of(visitors["赵敏"]) == (2, 2, 0, 0, 0, 0, 2, 0)
    # Overdue is counted at the report's "now": before c3's second visit fell due, nothing was overdue.
    assert reports.visit_rate(w.mia, nov(), now=NOW + 31 * H).total.overdue == 0


def sat(row: reports.SatisfactionRow) -> tuple:
    return row.reached, row.satisfied, row.dissatisfied, row.unsolved, reports.mean_score(row.mean)


def test_satisfaction_by_department_staff_and_category_equals_the_count_by_hand(book):
    rep = reports.satisfaction(book.w.mia, nov())
    # Reached in November: scores 5 4 2 3 1 5 2; unsolved c4 c9.
    assert sat(rep.total) == (7, 3, 3, 2, 3.14) and rep.total.csat == 3 / 7
    assert {r.label: sat(r) for r in rep.by_department} == {"工程部": (6, 2, 3, 2, 2.83), "客服部": (1, 1, 0, 0, 5.0)}
    assert {r.label: sat(r) for r in rep.by_staff} == {
        "黄永刚": (5, 2, 2, 2, 3.0),  # fred: c1 c2 c3 c4 c9
        "葛军": (1, 0, 1, 0, 2.0),  # gus: c11
        "王丽": (1, 1, 0, 0, 5.0),  # alice: c10
    }
    assert {r.label: sat(r) for r in rep.by_category} == {
        "水电 / 漏水渗水": (6, 3, 2, 1, 3.5),
        "服务态度": (1, 0, 1, 1, 1.0),
    }


def test_reasons_list_each_dissatisfied_or_unsolved_visit_with_its_case(book):
    c = book.c
    rep = reports.reasons(book.w.mia, nov())
    assert rep.total == 4
    assert [(r.label, r.count, r.share, r.cases) for r in rep.rows] == [
        ("服务态度差", 1, 0.25, [c[9].number]),
        ("处理不及时", 1, 0.25, [c[11].number]),
        ("维修/处理质量差", 1, 0.25, [c[3].number]),
        ("未填写原因", 1, 0.25, [c[4].number]),
    ]
    october = reports.reasons(book.w.mia, reports.Filters(period=reports.month_period(2026, 10)))
    assert [(r.label, r.cases) for r in october.rows] == [("收费问题", [book.october.number])]


@pytest.fixture
def planned(book):
    """Zone A1's Q4 plan: 9 households at 50% → 5 visits: 2 reached, 1 unreachable, 1 refused, 1 pending;
    three findings (two plumbing, one of them made a case; one attitude)."""
    w = book.w
    fill_zone(w.a1, {"10": 8})
    plan = services.plan_create(
        actor=w.mia, zone=w.a1, period_start=dt.date(2026, 10, 1), period_end=dt.date(2026, 12, 31),
        share_percent=50, seed=3, now=NOW,
    )  # fmt: skip
    v = list(plan.visits.order_by("pk"))
    services.visit_record(actor=w.stella, visit=v[0], outcome="reached", score=4, now=NOW)
    services.visit_record(actor=w.stella, visit=v[1], outcome="reached", score=5, now=NOW)
    for i in range(3):
        services.visit_record(actor=w.stella, visit=v[2], outcome="no_answer", now=NOW + 24 * i * H)
    services.visit_record(actor=w.stella, visit=v[3], outcome="refused", now=NOW)
    add = services.finding_add
    add(actor=w.stella, visit=v[0], category=FindingCategory.PLUMBING, description="厨房下水慢", to_case=True, now=NOW)
    add(actor=w.stella, visit=v[0], category=FindingCategory.ATTITUDE, description="前台接待冷淡", now=NOW)
    add(actor=w.stella, visit=v[1], category=FindingCategory.PLUMBING, description="水压低", now=NOW)
    return plan


def test_plan_coverage_equals_the_count_by_hand(planned):
    rep = reports.coverage(planned.created_by, nov())
    (row,) = rep.rows
    assert (row.label, row.zone, row.steward) == (planned.name, "一区", "孙浩")
    assert (row.households, row.planned, row.done, row.unreachable, row.pending, row.cancelled) == (9, 5, 2, 2, 1, 0)
    assert row.coverage == 2 / 9 and row.completion == 4 / 5
    assert row.findings == {"plumbing": 2, "attitude": 1} and (row.findings_total, row.to_cases) == (3, 1)
    categories = {r.category: (r.findings, r.to_cases) for r in rep.by_category}
    assert categories["plumbing"] == (2, 1) and categories["attitude"] == (1, 0) and categories["civil"] == (0, 0)
    # A September report does not reach the Q4 plan.
    september = reports.Filters(period=reports.Period("custom", dt.date(2026, 9, 1), dt.date(2026, 9, 30)))
    assert reports.coverage(planned.created_by, september).rows == []


def answer(world, response, overall, nps):
    s = response.survey
    answers = {q.pk: 4 for q in s.questions.filter(kind=Question.Kind.RATING)}
    answers[s.questions.get(kind=Question.Kind.OVERALL).pk] = overall
    answers[s.questions.get(kind=Question.Kind.NPS).pk] = nps
    survey_services.response_submit(actor=world.sam, response=response, answers=answers, now=NOW)


def make_survey(world):
    s = survey_services.survey_create(
        actor=world.mia, project=world.a, name="2026年11月满意度调查", period_start=dt.date(2026, 11, 1),
        period_end=dt.date(2026, 11, 30), now=NOW,
    )  # fmt: skip
    s = survey_services.survey_open(actor=world.mia, survey=s, seed=1, now=NOW)
    r = {x.unit_id: x for x in s.responses.all()}
    answer(world, r[world.unit_a2.pk], 5, 10)
    answer(world, r[world.unit_a1.pk], 4, 9)
    others = [x for x in s.responses.order_by("unit_id") if x.unit_id not in (world.unit_a1.pk, world.unit_a2.pk)]
    answer(world, others[0], 2, 3)
    survey_services.response_decline(actor=world.sam, response=others[1], now=NOW)
    survey_services.survey_create(
        actor=world.mia, project=world.a, name="草稿调查", period_start=dt.date(2026, 11, 1),
        period_end=dt.date(2026, 11, 30), now=NOW,
    )  # fmt: skip
    return s


@pytest.fixture
def surveyed(book, planned):
    """A November survey of the 10 households of project A (after `planned` filled zone A1): 3 answers
    (overall 5 from unit_a2 in zone A2, 4, 2; NPS 10, 9, 3), one declined; and a draft that is not counted."""
    return make_survey(book.w)


def test_a_survey_line_per_survey_of_the_period_with_its_figures(surveyed, book):
    w = book.w
    (row,) = reports.surveys(w.mia, nov())
    f = row.figures
    assert (row.name, f.invited, f.answered, f.scored, f.satisfied) == ("2026年11月满意度调查", 10, 3, 3, 2)
    assert f.response_rate == 3 / 10 and f.csat == 2 / 3 and f.mean == pytest.approx(11 / 3)
    assert (row.nps.promoters, row.nps.detractors, row.nps.answers) == (2, 1, 3)
    assert row.url == f"/surveys/{surveyed.pk}/results/"
    (a2,) = reports.surveys(w.mia, nov(zone=w.a2))
    assert (a2.figures.invited, a2.figures.answered, a2.figures.satisfied) == (1, 1, 1)
    assert reports.surveys(w.mia, reports.Filters(period=reports.month_period(2026, 10))) == []
    assert reports.surveys(w.mike, nov()) == []
    # The unhappy respondent's follow-up is a visit, but not a case visit: the visit figures do not move.
    assert ReturnVisit.objects.filter(source=ReturnVisit.Source.SURVEY).count() == 1
    assert reports.visit_rate(w.mia, nov(), now=REPORT_NOW).total.total == 12


def test_the_cost_does_not_grow_with_the_visits(book, resolved):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            reports.visit_rate(book.w.mia, nov(), now=REPORT_NOW)
            reports.satisfaction(book.w.mia, nov())
            reports.reasons(book.w.mia, nov())
        return len(ctx.captured_queries)

    count()  # the reader's scope is read once and cached
    before = count()
    for score in (5, 4, 3, 2, 1):
        reached(book.w.stella, resolved(), score, reason="other" if score <= 2 else "", at=NOW + 5 * H)
    assert reports.satisfaction(book.w.mia, nov()).total.reached == 12
    assert count() == before


# The page and the workbook --------------------------------------------------------------------------------------


def get(client, user, query=""):
    client.force_login(user)
    return client.get("/reports/visits/" + (f"?{query}" if query else ""))


def texts(cells) -> list[str]:
    return [c["text"] if not c["links"] else "、".join(n for n, _href in c["links"]) for c in cells]


def page_value(cell):
    if cell["links"]:
        return "、".join(n for n, _href in cell["links"])
    if cell["num"]:
        return None if cell["text"] == "—" else float(cell["text"].rstrip("%").replace(",", ""))
    return cell["text"] or None


def sheet_value(v):
    if isinstance(v, bool):
        return v
    if isinstance(v, int | float):
        return float(v)
    return v or None


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(BytesIO(response.content))


def test_the_page_defaults_to_this_month_of_the_current_project(book, client, fixed_now):
    r = get(client, book.w.mia)
    assert r.status_code == 200
    body = r.content.decode()
    assert "统计周期：2026年11月（2026-11-01 至 2026-11-30）" in body and "项目：阳光花园" in body
    by_project, _by_zone, by_visitor = r.context["tables"]
    assert [texts(row) for row in by_project.body] == [
        ["阳光花园", "12", "7", "1", "1", "2", "1", "81.8%", "63.6%", "8", "88.9%", "1"]
    ]
    assert texts(by_project.foot_cells)[0] == "合计"
    assert {texts(row)[0]: texts(row)[7] for row in by_visitor.body} == {"孙浩": "77.8%", "赵敏": "100.0%"}
    # The report menu, the tabs, print on A4 without the menu and the filters.
    assert 'href="/reports/visits/"' in body and "?report=satisfaction" in body
    assert "@media print" in body and "size: A4" in body and "no-print" in body


@pytest.mark.parametrize("report", ["rate", "satisfaction", "reasons", "coverage", "surveys"])
def test_each_report_exports_exactly_the_pages_figures(surveyed, book, client, fixed_now, report):
    query = f"report={report}&{NOVEMBER}"
    page = get(client, book.w.mia, query)
    tables = page.context["tables"]
    wb = workbook(client.get(f"/reports/visits/?{query}&export=xlsx"))
    assert wb.sheetnames == [t.title for t in tables]
    for table in tables:
        ws = wb[table.title]
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        assert rows[0] == [c.header for c in table.cols]
        shown = [[page_value(c) for c in row] for row in table.body]
        if table.foot_cells:
            shown.append([page_value(c) for c in table.foot_cells])
        assert [[sheet_value(v) for v in row] for row in rows[1:]] == shown
        assert shown, f"{report}/{table.key} is empty: the comparison would prove nothing"


def test_the_workbook_holds_the_hand_counted_figures(surveyed, book, client, fixed_now):
    c = book.c
    wb = workbook(get(client, book.w.mia, f"report=rate&{NOVEMBER}&export=xlsx"))
    rows = list(wb["按项目"].iter_rows(values_only=True))
    assert rows[0][:3] == ("项目", "回访任务", "已回访") and rows[0][7] == "回访率(%)"
    assert rows[1] == ("阳光花园", 12, 7, 1, 1, 2, 1, 81.8, 63.6, 8, 88.9, 1)
    wb = workbook(get(client, book.w.mia, f"report=satisfaction&{NOVEMBER}&export=xlsx"))
    assert list(wb["按处理部门"].iter_rows(values_only=True))[1:] == [
        ("工程部", 6, 2.83, 2, 33.3, 3, 2),
        ("客服部", 1, 5.0, 1, 100.0, 0, 0),
        ("合计", 7, 3.14, 3, 42.9, 3, 2),
    ]
    wb = workbook(get(client, book.w.mia, f"report=reasons&{NOVEMBER}&export=xlsx"))
    assert list(wb["不满意原因"].iter_rows(values_only=True))[1:] == [
        ("服务态度差", 1, 25.0, c[9].number),
        ("处理不及时", 1, 25.0, c[11].number),
        ("维修/处理质量差", 1, 25.0, c[3].number),
        ("未填写原因", 1, 25.0, c[4].number),
        ("合计", 4, 100.0, None),
    ]
    wb = workbook(get(client, book.w.mia, f"report=coverage&{NOVEMBER}&export=xlsx"))
    header, plan, _total = wb["走访计划"].iter_rows(values_only=True)
    figures = dict(zip(header, plan, strict=True))
    names = ("区域户数", "计划户数", "已走访", "覆盖率(%)", "完成率(%)")
    assert tuple(figures[n] for n in names) == (9, 5, 2, 22.2, 80.0)
    assert (figures["给排水"], figures["服务态度"], figures["发现问题合计"], figures["转工单"]) == (2, 1, 3, 1)
    wb = workbook(get(client, book.w.mia, f"report=surveys&{NOVEMBER}&export=xlsx"))
    header, line = wb["满意度调查"].iter_rows(values_only=True)
    figures = dict(zip(header, line, strict=True))
    assert (figures["样本户数"], figures["已答"], figures["参与率(%)"], figures["满意率(%)"]) == (10, 3, 30.0, 66.7)
    assert (figures["平均分"], figures["NPS"]) == (3.67, 33.3)


def test_reasons_link_to_their_cases_and_charts_draw_the_tables(book, client, fixed_now):
    c = book.c
    body = get(client, book.w.mia, f"report=reasons&{NOVEMBER}").content.decode()
    for i in (3, 4, 9, 11):
        assert f'href="/cases/{c[i].number}/"' in body
    assert c[1].number not in body and book.october.number not in body
    assert 'id="chart-reasons-data"' in body and "echarts.min.js" in body
    r = get(client, book.w.mia, f"report=satisfaction&{NOVEMBER}")
    (chart,) = r.context["charts"]
    assert (chart["type"], chart["labels"], chart["values"]) == ("bar", ["工程部", "客服部"], [33.3, 100.0])


def test_the_survey_line_links_to_its_results(surveyed, book, client, fixed_now):
    body = get(client, book.w.mia, f"report=surveys&{NOVEMBER}").content.decode()
    assert f'href="/surveys/{surveyed.pk}/results/"' in body and "草稿调查" not in body


def test_filters_narrow_the_numbers(surveyed, book, client, fixed_now):
    w = book.w

    def total(query, table=0, column=1):
        r = get(client, w.mia, query)
        assert r.status_code == 200 and not r.context["form"].errors, r.context["form"].errors
        return texts(r.context["tables"][table].foot_cells or r.context["tables"][table].body[0])[column]

    assert total(f"report=rate&{NOVEMBER}") == "12"
    assert total(f"report=rate&{NOVEMBER}&zone={w.a2.pk}") == "1"
    assert total("report=rate&period=quarter&quarter=2026-4") == "13"  # plus October's visit
    assert total(f"report=satisfaction&{NOVEMBER}&department={book.desk.kf.pk}") == "1"
    assert total(f"report=satisfaction&{NOVEMBER}&department={book.desk.gc.pk}") == "6"
    assert total("report=reasons&period=custom&date_from=2026-10-01&date_to=2026-10-31") == "1"
    assert total(f"report=surveys&{NOVEMBER}&zone={w.a2.pk}", column=5) == "1"


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("period=custom&date_from=2026-11-30&date_to=2026-11-01", "date_to", "结束日期不能早于开始日期"),
        ("period=custom&date_from=2026-11-01", "date_to", "自定义周期请填写开始日期和结束日期"),
        ("period=month&month=2026-13", "month", "请选择月份（如 2026-11）"),
        ("zone=999999", "zone", "所选区域不存在或不在您的报表范围内"),
    ],
)
def test_bad_filters_show_a_chinese_error_and_no_numbers(book, client, fixed_now, query, field, message):
    r = get(client, book.w.mia, query)
    assert r.status_code == 200
    assert r.context["form"].errors[field] == [message] and r.context["tables"] == []
    assert message in r.content.decode() and "请修正筛选条件后再查询" in r.content.decode()
    r = get(client, book.w.mia, query + "&export=xlsx")
    assert r["Content-Type"].startswith("text/html")


# Who may read --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["stella", "alice", "fred", "carl", "archie", "bob"])
def test_staff_without_view_reports_get_404(book, client, who):
    user = getattr(book.w, who)
    assert get(client, user).status_code == 404
    assert get(client, user, f"report=satisfaction&{NOVEMBER}&export=xlsx").status_code == 404


@pytest.mark.parametrize("who", ["mia", "sam", "quinn", "hera"])
def test_report_readers_see_the_page(book, client, fixed_now, who):
    assert get(client, getattr(book.w, who), NOVEMBER).status_code == 200


def test_a_manager_of_project_b_sees_none_of_project_as_numbers(book, client, fixed_now):
    w = book.w
    r = get(client, w.mike, f"report=reasons&{NOVEMBER}")
    (reasons,) = r.context["tables"]
    assert [texts(row) for row in reasons.body] == [["收费问题", "1", "100.0%", book.b_case.number]]
    body = r.content.decode()
    assert all(case.number not in body for case in book.c.values())
    r = get(client, w.mike, f"report=rate&{NOVEMBER}")
    assert [texts(row)[:2] for row in r.context["tables"][0].body] == [["中心大厦", "1"]]
    # Asking for project A by its id is refused, and so is its workbook.
    r = get(client, w.mike, f"report=rate&{NOVEMBER}&project={w.a.pk}")
    assert r.context["form"].errors["project"] == ["所选项目不在您的报表范围内"] and r.context["tables"] == []
    r = get(client, w.mike, f"report=rate&{NOVEMBER}&project={w.a.pk}&zone={w.a1.pk}&export=xlsx")
    assert r["Content-Type"].startswith("text/html") and "阳光花园" not in r.content.decode()


def test_head_office_may_choose_all_projects_or_one(book, client, fixed_now):
    w = book.w
    r = get(client, w.hera, f"report=rate&{NOVEMBER}&project=all")
    assert {texts(row)[0]: texts(row)[1] for row in r.context["tables"][0].body} == {"阳光花园": "12", "中心大厦": "1"}
    r = get(client, w.hera, f"report=rate&{NOVEMBER}&project={w.b.pk}")
    assert [texts(row)[:2] for row in r.context["tables"][0].body] == [["中心大厦", "1"]]
    r = get(client, w.hera, f"report=rate&{NOVEMBER}&project={w.b.pk}&zone={w.a1.pk}")
    assert r.context["form"].errors["zone"] == ["所选区域不属于所选项目"]
    # One project only: no "全部项目" to choose.
    r = get(client, w.mia, NOVEMBER)
    assert "全部项目" not in dict(r.context["form"].fields["project"].choices).values()


# In the browser --------------------------------------------------------------------------------------------------

ARTIFACTS = Path(os.environ.get("KEFU_ARTIFACTS", "test-artifacts")) / "screenshots"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_charts_draw_and_the_page_prints_on_a4_without_menu_and_filters(book, live_server, fixed_now):
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
    from kefu.browser import browser

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with browser() as b:
        ctx = b.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
        page = ctx.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("用户名").fill("mia")
        page.get_by_label("密码").fill(t.PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{live_server.url}/")
        page.get_by_role("link", name="回访与满意度报表").click()
        assert page.get_by_role("heading", name="回访与满意度报表 · 回访率与及时率").is_visible()
        page.get_by_role("link", name="满意度", exact=True).click()
        page.locator("#chart-satisfaction svg").first.wait_for()
        assert page.locator("#chart-satisfaction").get_by_text("33.3%").count() >= 1
        page.screenshot(path=ARTIFACTS / "visit-report-satisfaction.png", full_page=True)
        page.get_by_role("link", name="不满意原因").click()
        page.locator("#chart-reasons svg").first.wait_for()
        assert page.locator("#chart-reasons").get_by_text("服务态度差").count() >= 1
        assert page.locator("#chart-reasons").get_by_text("25.0%").count() >= 1  # one decimal, as in the table
        # Only the chosen period's inputs are shown.
        assert page.get_by_label("月份").is_visible() and not page.get_by_label("开始日期").is_visible()
        page.get_by_label("统计周期").select_option("custom")
        assert page.get_by_label("开始日期").is_visible() and not page.get_by_label("月份").is_visible()
        page.screenshot(path=ARTIFACTS / "visit-report-reasons.png", full_page=True)
        page.emulate_media(media="print")
        assert not page.locator(".sidebar").is_visible() and not page.locator("form.report-filters").is_visible()
        assert page.get_by_role("heading", name="不满意原因", exact=True).is_visible()
        page.screenshot(path=ARTIFACTS / "visit-report-print.png", full_page=True)
        page.pdf(path=ARTIFACTS.parent / "visit-report-reasons.pdf", prefer_css_page_size=True)
        assert errors == []
        ctx.close()
