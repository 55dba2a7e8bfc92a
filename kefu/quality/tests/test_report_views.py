"""The QC analysis pages through the Django test client: who may see each page (QC reviewer, supervisor and
manager of A yes; agent, steward, field staff no; the manager of B nothing of A), the figures on each page
and in its xlsx equal the selectors' and modules' for a known set of events, sign-off and recompute of a day
through the page, and the scorecard weights refused unless they sum to 100."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from kefu.quality import reconcile, report_views, scorecard, selectors, services
from kefu.quality.models import Check, Reconciliation, ScorecardWeights
from kefu.quality.report_views import duration_zh
from kefu.tickets import services as ts
from kefu.tickets.models import Case
from kefu.visits import services as vs
from kefu.visits.models import ReturnVisit

from .test_quality import DAY, T0, M, point, run_case

H = dt.timedelta(hours=1)
NOW = T0 + dt.timedelta(days=3)  # the pages' "now": 2026-11-05 09:00 in Beijing
NOVEMBER = "month=2026-11"
PAGES = ["errors", "cycle", "stuck", "reconciliation", "scorecard"]


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def fixed_now(monkeypatch):
    monkeypatch.setattr(report_views, "_now", lambda: NOW)
    return NOW


@pytest.fixture
def book(desk, new_case, fixed_now):
    """November 2026 in project A, made through the services:

    - three repairs dispatched by alice, accepted and resolved by fred (dispatch 10/20/60 min, accept 5/15/30 min,
      handle 1/2/4 h), each visited by stella (scores 5, 4, 2);
    - four complaint replies by alice reviewed by quinn: two passed, one returned with E04, one with E05 (fatal)
      and E09;
    - the day reconciled for 11-02 and 11-03, 11-03 made not to balance (a case closed without its event);
    - one case still 待派单 since 11-02 08:00 (stuck at "now", 11-05 09:00; the complaints are too).
    """
    w = desk.w
    d = SimpleNamespace(desk=desk, w=w)
    d.repairs = [
        run_case(desk, new_case, T0 + i * H, dm * M, am * M, rm * M)
        for i, (dm, am, rm) in enumerate([(10, 5, 60), (20, 15, 120), (60, 30, 240)])
    ]
    for case, score in zip(d.repairs, (5, 4, 2), strict=True):
        visit = ReturnVisit.objects.get(case=case, status="pending")
        vs.visit_record(
            actor=w.stella, visit=visit, outcome="reached", score=score, solved=True,
            reason="slow" if score <= 2 else "", now=T0 + 8 * H,
        )  # fmt: skip
    checks = []
    for i in range(4):
        case = new_case(kind="complaint", now=T0 + i * M, title=f"投诉{i}")
        ts.case_reply(actor=w.alice, case=case, body=f"答复{i}", now=T0 + (i + 10) * M)
        checks.append(Check.objects.get(case=case))
    later = T0 + 3 * H
    services.check_pass(actor=w.quinn, check=checks[0], now=later)
    services.check_pass(actor=w.quinn, check=checks[1], now=later)
    services.check_return(
        actor=w.quinn, check=checks[2], findings=[services.Finding(point("E04"), "缺记录")], now=later
    )
    services.check_return(
        actor=w.quinn,
        check=checks[3],
        findings=[services.Finding(point("E05"), "答复错误"), services.Finding(point("E09"), "电话录错")],
        now=later,
    )
    d.waiting = new_case(now=T0 - H, title="门禁坏了")
    reconcile.reconcile_day(w.a, DAY, now=T0 + dt.timedelta(days=1))
    Case.objects.filter(pk=d.waiting.pk).update(status="closed")  # behind the timeline's back
    reconcile.reconcile_day(w.a, DAY + dt.timedelta(days=1), now=T0 + dt.timedelta(days=2))
    Case.objects.filter(pk=d.waiting.pk).update(status="new")
    return d


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(BytesIO(response.content))


def sheet_rows(wb, title):
    ws = wb[title]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def table(response, key):
    return next(t for t in response.context["tables"] if t.key == key)


def texts(response, key):
    return [[c["text"] for c in row["cells"]] for row in table(response, key).body]


def pct(x):
    return None if x is None else round(x * 100, 1)


# Who may see the pages -------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_qc_staff_supervisors_and_managers_of_a_see_the_pages(book, as_user, page):
    w = book.w
    for user in (w.quinn, w.sam, w.mia, w.hera):
        r = as_user(user).get(f"/quality/{page}/?project={w.a.pk}&{NOVEMBER}")
        assert r.status_code == 200, (user.username, page)
        assert "阳光花园" in r.content.decode()


@pytest.mark.parametrize("page", PAGES)
def test_agents_stewards_and_field_staff_are_refused(book, as_user, page):
    w = book.w
    for user in (w.alice, w.stella, w.fred, w.carl, w.bob):
        assert as_user(user).get(f"/quality/{page}/").status_code == 404, (user.username, page)


@pytest.mark.parametrize("page", PAGES)
def test_the_manager_of_b_sees_nothing_of_a(book, as_user, page):
    w = book.w
    client = as_user(w.mike)
    assert client.get(f"/quality/{page}/?project={w.a.pk}").status_code == 404
    r = client.get(f"/quality/{page}/?{NOVEMBER}")
    assert r.status_code == 200
    body = r.content.decode()
    assert "中心大厦" in body and "阳光花园" not in body
    for name in ("王丽", "黄永刚", book.repairs[0].number):
        assert name not in body
    assert client.get(f"/quality/{page}/?project=all").status_code == 200  # "all" is only B for him


def test_head_office_may_choose_all_projects(book, as_user):
    w = book.w
    r = as_user(w.hera).get(f"/quality/errors/?project=all&{NOVEMBER}")
    assert r.status_code == 200
    assert r.context["form"].filters().project_ids is None
    assert "全部项目" in r.content.decode()
    # A page about one project's day does not offer "all": it shows the first project.
    r = as_user(w.hera).get(f"/quality/reconciliation/?project=all&{NOVEMBER}")
    assert r.status_code == 200 and r.context["project"] == w.a
    assert '<option value="all"' not in r.content.decode().split('class="filters')[1]


def test_bad_filters_give_a_chinese_error_and_no_figures(book, as_user):
    w = book.w
    r = as_user(w.mia).get(f"/quality/errors/?project={w.a.pk}&period=range&date_from=2026-11-30&date_to=2026-11-01")
    assert "结束日期不能早于开始日期" in r.content.decode() and not r.context["tables"]
    r = as_user(w.mia).get(f"/quality/cycle/?project={w.a.pk}&month=2026-13")
    assert "请选择月份（如 2026-11）" in r.content.decode()
    r = as_user(w.mia).get(f"/quality/errors/?project={w.a.pk}&{NOVEMBER}&department={book.desk.kf.pk}000")
    assert "所选部门不存在或不在您的查看范围内" in r.content.decode()


def test_durations_read_as_staff_say_them():
    assert [duration_zh(s) for s in (None, 0, 30, 45 * 60, 3 * 3600, 3 * 3600 + 20 * 60, 2 * 86400 + 3 * 3600)] == [
        "—", "0分钟", "不足1分钟", "45分钟", "3小时", "3小时20分钟", "2天3小时",
    ]  # fmt: skip
    assert duration_zh(86400) == "1天"


# 1. Error rates ---------------------------------------------------------------------------------------------


def test_error_rates_on_the_page_and_in_the_workbook_equal_the_selectors(book, as_user):
    w = book.w
    url = f"/quality/errors/?project={w.a.pk}&{NOVEMBER}"
    r = as_user(w.quinn).get(url)
    start, end = dt.date(2026, 11, 1), dt.date(2026, 11, 30)
    wb = workbook(as_user(w.quinn).get(url + "&export=xlsx"))
    for key, by, title in (("by_operator", "operator", "按经办人"), ("by_department", "department", "按部门"),
                           ("by_stage", "stage", "按环节")):  # fmt: skip
        rates = selectors.error_rates([w.a.pk], start, end, by=by)
        assert rates
        assert [row.values for row in table(r, key).rows] == [
            [x.label, x.checked, x.errors, x.fatal, x.rate, x.fatal_rate] for x in rates
        ]
        assert sheet_rows(wb, title)[1:] == [
            [x.label, x.checked, x.errors, x.fatal, pct(x.rate), pct(x.fatal_rate)] for x in rates
        ]
    # alice: 4 checked, 3 errors, 1 fatal: 75.0% and 25.0%, as the page prints them.
    assert texts(r, "by_operator") == [["王丽", "4", "3", "1", "75.0%", "25.0%"]]
    assert sheet_rows(wb, "按经办人")[0] == ["经办人", "检查数量", "差错数", "致命差错", "差错率(%)", "致命差错率(%)"]
    trend = selectors.error_trend([w.a.pk], 12, end)
    assert [row.values[1:] for row in table(r, "trend").rows] == [
        [t["checked"], t["errors"], t["fatal"], t["rate"], t["fatal_rate"]] for t in trend
    ]
    assert texts(r, "trend") == [["2026年11月", "4", "3", "1", "75.0%", "25.0%"]]
    assert sheet_rows(wb, "差错率月度趋势（阳光花园）")[1] == ["2026年11月", 4, 3, 1, 75.0, 25.0]
    # The trend is drawn from the same numbers.
    (chart,) = r.context["charts"]
    assert chart["series"][0]["values"] == [75.0] and chart["series"][1]["values"] == [25.0]


def test_error_rates_for_one_operator_or_department(book, as_user):
    w = book.w
    base = f"/quality/errors/?project={w.a.pk}&{NOVEMBER}"
    r = as_user(w.mia).get(f"{base}&operator={w.fred.pk}")
    assert texts(r, "by_operator") == []  # fred's items were not checked
    assert texts(r, "trend") == []
    r = as_user(w.mia).get(f"{base}&operator={w.alice.pk}")
    assert texts(r, "by_operator")[0][:4] == ["王丽", "4", "3", "1"]
    r = as_user(w.mia).get(f"{base}&department={book.desk.gc.pk}")  # 工程部: fred and gus, no checks
    assert texts(r, "by_operator") == []


# 2. Cycle times ---------------------------------------------------------------------------------------------


def test_cycle_times_on_the_page_and_in_the_workbook_equal_the_selectors(book, as_user):
    w = book.w
    url = f"/quality/cycle/?project={w.a.pk}&{NOVEMBER}&by=operator"
    r = as_user(w.sam).get(url)
    start, end = dt.date(2026, 11, 1), dt.date(2026, 11, 30)
    times = {(c.stage, c.label): c for c in selectors.cycle_times([w.a.pk], start, end, by="operator")}
    rows = {(row.values[1], row.values[0]): row.values[2:] for row in table(r, "by_group").rows}
    dispatch = times[("dispatch", "王丽")]
    assert rows[("受理→派单", "王丽")] == [dispatch.n, dispatch.median, dispatch.p90, dispatch.max]
    assert [dispatch.n, dispatch.median, dispatch.p90, dispatch.max] == [3, 1200, 3600, 3600]
    body = texts(r, "by_group")
    assert ["王丽", "受理→派单", "3", "20分钟", "1小时", "1小时"] in body
    assert ["黄永刚", "接单→办结", "3", "2小时", "4小时", "4小时"] in body
    # Stages in the order a case passes them.
    stages = [row.values[0] for row in table(r, "by_stage").rows]
    assert stages == ["受理→派单", "派单→接单", "接单→办结", "受理→首次答复", "办结→回访", "回访→关闭"]
    wb = workbook(as_user(w.sam).get(url + "&export=xlsx"))
    grouped = sheet_rows(wb, "各环节时长（按经办人）")
    assert grouped[0] == ["经办人", "环节", "件数", "中位数", "P90", "最长"]
    assert ["王丽", "受理→派单", 3, "20分钟", "1小时", "1小时"] in grouped
    # The monthly table: each operator's hand-overs per stage and the time each took them.
    hand = {h.label: h for h in selectors.handovers([w.a.pk], start, end)}
    fred = next(row for row in table(r, "handovers").rows if row.values[0] == "黄永刚")
    assert fred.values[1] == hand["黄永刚"].total == 6  # three accepted, three resolved
    accept = hand["黄永刚"].stages["accept"]
    assert fred.values[5:8] == [accept.n, accept.median, accept.p90] == [3, 900, 1800]
    sheet = sheet_rows(wb, "每人工作量与交接间隔（2026年11月）")
    assert sheet[0][:5] == ["经办人", "交接合计", "受理→派单·件数", "受理→派单·中位数", "受理→派单·P90"]
    assert next(x for x in sheet if x[0] == "黄永刚")[1:8] == [6, 0, None, None, 3, "15分钟", "30分钟"]


def test_cycle_times_by_category_and_department(book, as_user):
    w = book.w
    r = as_user(w.mia).get(f"/quality/cycle/?project={w.a.pk}&{NOVEMBER}&by=category")
    assert ["漏水渗水", "接单→办结", "3", "2小时", "4小时", "4小时"] in texts(r, "by_group")
    r = as_user(w.mia).get(f"/quality/cycle/?project={w.a.pk}&{NOVEMBER}&by=department&department={book.desk.gc.pk}")
    assert {row.values[0] for row in table(r, "by_group").rows} <= {"工程部"}
    assert [row.values[0] for row in table(r, "handovers").rows] == ["黄永刚"]


# 3. Stuck items ----------------------------------------------------------------------------------------------


def test_stuck_items_most_overdue_first_with_the_selectors_figures(book, as_user):
    w = book.w
    r = as_user(w.sam).get(f"/quality/stuck/?project={w.a.pk}")
    result = selectors.stuck(w.a.pk, now=NOW)
    assert [row.values[1][0] for row in table(r, "items").rows] == [i.number for i in result.items]
    assert result.items[0].number == book.waiting.number  # 待派单 for 73 h against 2 h
    first = texts(r, "items")[0]
    assert first[:2] == ["待派单", book.waiting.number] and first[3] == "2026-11-02 08:00"
    assert first[4:] == ["3天1小时", "2小时", ""]
    body = r.content.decode()
    assert f'href="/cases/{book.waiting.number}/"' in body
    counts = {row.key: row.values[2] for row in table(r, "counts").rows}
    assert counts == {k: result.counts.get(k) for k in counts}
    wb = workbook(as_user(w.sam).get(f"/quality/stuck/?project={w.a.pk}&export=xlsx"))
    items = sheet_rows(wb, "滞留清单（超时最严重的在前）")
    assert items[1][:2] == ["待派单", book.waiting.number] and items[1][4:6] == ["3天1小时", "2小时"]
    assert len(items) == 1 + len(result.items)


# 4. Daily reconciliation ----------------------------------------------------------------------------------------


def recon_url(w):
    return f"/quality/reconciliation/?project={w.a.pk}&{NOVEMBER}"


def test_the_reconciliation_shows_the_stored_days_and_the_mismatch_in_red(book, as_user):
    w = book.w
    r = as_user(w.sam).get(recon_url(w))
    stored = list(Reconciliation.objects.filter(project=w.a).order_by("day", "channel"))
    assert len(stored) == 2
    rows = table(r, "days").rows
    fields = ["opening", "new", "reopened", "finished", "closing", "closing_actual", "state_new",
              "state_in_progress", "state_waiting", "state_resolved", "closed_today"]  # fmt: skip
    assert [row.values[2:13] for row in rows] == [[getattr(s, f) for f in fields] for s in stored]
    good, bad = rows
    assert good.css == "" and good.values[14] == "平"
    assert bad.css == "mismatch" and bad.values[13] == -1
    assert bad.values[14] == "不平：实际比推算少 1"
    body = r.content.decode()
    assert 'class="mismatch" data-key="2026-11-03/phone"' in body
    assert '<td class="num diff">-1</td>' in body
    wb = workbook(as_user(w.sam).get(recon_url(w) + "&export=xlsx"))
    sheet = sheet_rows(wb, wb.sheetnames[0])
    assert sheet[0][:3] == ["日期", "渠道", "期初在办"]
    assert [x[2:15] for x in sheet[1:]] == [row.values[2:15] for row in rows]
    # History: last month is a link away and has nothing.
    assert r.context["prev_url"].endswith("month=2026-10")
    october = as_user(w.sam).get(f"/quality/reconciliation/?project={w.a.pk}&month=2026-10")
    assert "本月还没有日结记录" in october.content.decode()


def test_signing_a_day_off_through_the_page(book, as_user):
    w = book.w
    client = as_user(w.sam)
    post = {"project": w.a.pk, "day": "2026-11-03"}
    r = client.post("/quality/reconciliation/sign-off/", post, follow=True)
    assert "该日账不平，签核时请说明原因" in r.content.decode()
    assert not Reconciliation.objects.filter(signed_off_at__isnull=False).exists()
    note = "门禁工单被直接改状态，已报信息部"
    r = client.post("/quality/reconciliation/sign-off/", {**post, "note": note}, follow=True)
    assert "已签核 2026-11-03 的日结" in r.content.decode()
    row = Reconciliation.objects.get(day="2026-11-03")
    assert row.signed_off_by == w.sam and row.signed_off_at == NOW and row.note == note
    r = client.post("/quality/reconciliation/sign-off/", {**post, "note": "再签"}, follow=True)
    assert "该日已签核" in r.content.decode()
    page = client.get(recon_url(w)).content.decode()
    assert "刘晓燕 2026-11-05 09:00" in page and note in page
    wb = workbook(client.get(recon_url(w) + "&export=xlsx"))
    assert sheet_rows(wb, wb.sheetnames[0])[2][15:] == ["刘晓燕 2026-11-05 09:00", note]
    # A QC reviewer reads the page but may not sign; an agent does not reach it.
    first_day = {"project": w.a.pk, "day": "2026-11-02"}
    r = as_user(w.quinn).post("/quality/reconciliation/sign-off/", first_day, follow=True)
    assert "您没有权限执行此操作" in r.content.decode()
    assert as_user(w.alice).post("/quality/reconciliation/sign-off/", post).status_code == 404
    assert as_user(w.mike).post("/quality/reconciliation/sign-off/", post).status_code == 404
    assert not Reconciliation.objects.filter(day="2026-11-02", signed_off_at__isnull=False).exists()


def test_recomputing_a_day_keeps_its_sign_off(book, as_user):
    w = book.w
    services.reconciliation_sign_off(actor=w.sam, project=w.a, day=DAY + dt.timedelta(days=1), note="已查明", now=NOW)
    client = as_user(w.sam)
    r = client.post("/quality/reconciliation/recompute/", {"project": w.a.pk, "day": "2026-11-03"}, follow=True)
    assert "已重新计算 2026-11-03 的日结（1 个渠道）" in r.content.decode()
    row = Reconciliation.objects.get(day="2026-11-03")
    assert not row.mismatch  # the case is back in its status: the day balances now
    assert (row.signed_off_by, row.signed_off_at, row.note, row.computed_at) == (w.sam, NOW, "已查明", NOW)
    # A missing day is computed from the page too; today and later are refused.
    r = client.post("/quality/reconciliation/recompute/", {"project": w.a.pk, "day": "2026-11-04"}, follow=True)
    assert Reconciliation.objects.filter(day="2026-11-04").count() == 1
    r = client.post("/quality/reconciliation/recompute/", {"project": w.a.pk, "day": "2026-11-05"}, follow=True)
    assert "只能计算今天以前的日结" in r.content.decode()
    assert not Reconciliation.objects.filter(day="2026-11-05").exists()
    r = client.post("/quality/reconciliation/recompute/", {"project": w.a.pk, "day": "x"}, follow=True)
    assert "请选择有效的日期" in r.content.decode()
    first_day = {"project": w.a.pk, "day": "2026-11-02"}
    assert as_user(w.quinn).post("/quality/reconciliation/recompute/", first_day).status_code == 403
    assert client.get("/quality/reconciliation/recompute/").status_code == 405


# 5. Scorecard ---------------------------------------------------------------------------------------------------


def test_the_scorecard_page_and_workbook_are_as_table_gives_them(book, as_user):
    w = book.w
    url = f"/quality/scorecard/?project={w.a.pk}&{NOVEMBER}"
    r = as_user(w.mia).get(url)
    headers, rows = scorecard.as_table(scorecard.scorecard(w.a.pk, DAY))
    t = table(r, "scorecard")
    assert [c.label for c in t.cols] == headers
    assert [row.values for row in t.rows] == rows
    fred = next(x for x in texts(r, "scorecard") if x[0] == "黄永刚")
    expected = next(x for x in rows if x[0] == "黄永刚")
    assert fred[2] == str(expected[2]) and fred[1] == f"{expected[1]:.1f}"
    wb = workbook(as_user(w.mia).get(url + "&export=xlsx"))
    assert sheet_rows(wb, "员工绩效（2026年11月）") == [headers, *rows]
    weights = scorecard.weights_for(w.a.pk)
    assert sheet_rows(wb, "绩效权重")[1:] == [
        [str(ScorecardWeights._meta.get_field(f).verbose_name), getattr(weights, f)] for f in ScorecardWeights.FIELDS
    ]
    assert "修改绩效权重" in r.content.decode()
    assert "修改绩效权重" not in as_user(w.quinn).get(url).content.decode()  # QC reads, only managers edit


def test_the_weights_must_sum_to_100(book, as_user):
    w = book.w
    client = as_user(w.mia)
    values = {"workload": 20, "first_reply_on_time": 15, "resolution_on_time": 15, "first_contact_resolution": 10,
              "satisfaction": 20, "accuracy": 15, "visits_done": 10}  # fmt: skip
    r = client.post("/quality/scorecard/weights/", {"project": w.a.pk, "month": "2026-11", **values})
    assert r.status_code == 400 and "各项权重之和须为 100" in r.content.decode()
    assert not ScorecardWeights.objects.exists()
    r = client.post("/quality/scorecard/weights/", {"project": w.a.pk, "month": "2026-11", **values, "workload": "x"})
    assert r.status_code == 400 and "权重须为 0-100 的整数" in r.content.decode()
    r = client.post("/quality/scorecard/weights/", {"project": w.a.pk, "month": "2026-11", **values, "visits_done": 5})
    assert r.status_code == 302 and r["Location"] == f"/quality/scorecard/?project={w.a.pk}&month=2026-11"
    assert ScorecardWeights.objects.get(project=w.a).visits_done == 5
    assert as_user(w.quinn).post("/quality/scorecard/weights/", {"project": w.a.pk, **values}).status_code == 403
    assert as_user(w.mike).post("/quality/scorecard/weights/", {"project": w.a.pk, **values}).status_code == 404
