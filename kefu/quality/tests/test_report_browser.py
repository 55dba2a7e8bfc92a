"""The daily reconciliation and the scorecard in headless Chromium, after three days of work made through the
services: the day that does not balance is red and cannot be signed off without a note; the scorecard draws
its scores. Screenshots: test-artifacts/screenshots/qc-reconciliation.png and qc-scorecard.png (copied to
docs/screenshots/)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from kefu import testing as t
from kefu.browser import browser
from kefu.quality import reconcile, report_views, services
from kefu.quality.models import Check, Reconciliation
from kefu.tickets import services as ts
from kefu.tickets.models import Case
from kefu.visits import services as vs
from kefu.visits.models import ReturnVisit

from .test_quality import DAY, T0, M, point, run_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

ARTIFACTS = Path(os.environ.get("KEFU_ARTIFACTS", "test-artifacts")) / "screenshots"
H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)
NOW = T0 + 3 * D + H  # 2026-11-05 10:00 in Beijing


@pytest.fixture
def three_days(desk, new_case, monkeypatch):
    """11-02 to 11-04 in project A: repairs by phone and WeChat handled by fred and gus and visited by stella,
    complaint replies reviewed by quinn (one returned), each day reconciled by the night job; 11-03 does not
    balance (a case's status was changed without its event while the job ran); sam signed 11-02 off."""
    monkeypatch.setattr(report_views, "_now", lambda: NOW)
    w = desk.w
    for day in range(3):
        start = T0 + day * D
        for i, (handler, channel) in enumerate([(desk.fred, "phone"), (desk.gus, "wechat"), (desk.fred, "phone")]):
            case = new_case(now=start + i * H, channel=channel, title=f"报修{day}-{i}")
            case = ts.case_dispatch(actor=w.alice, case=case, assignee=handler, now=start + i * H + (10 + 5 * i) * M)
            case = ts.case_accept(actor=handler, case=case, now=start + i * H + (20 + 10 * i) * M)
            if i < 2:
                ts.case_resolve(actor=handler, case=case, note="已修复", now=start + i * H + (90 + 40 * i) * M)
                visit = ReturnVisit.objects.get(case=case, status="pending")
                vs.visit_record(actor=w.stella, visit=visit, outcome="reached", score=5 - i * 2, solved=True,
                                reason="slow" if i else "", now=start + 6 * H)  # fmt: skip
        complaint = new_case(kind="complaint", now=start + 4 * H, title=f"投诉{day}")
        ts.case_reply(actor=w.carl, case=complaint, body="您好，已安排专人处理", now=start + 4 * H + 20 * M)
        check = Check.objects.get(case=complaint)
        if day == 1:
            services.check_return(
                actor=w.quinn, check=check, findings=[services.Finding(point("E06"), "用语生硬")], now=start + 5 * H
            )
        else:
            services.check_pass(actor=w.quinn, check=check, now=start + 5 * H)
    run_case(desk, new_case, T0 + 7 * H, 5 * M, 5 * M, 50 * M)
    stray = new_case(now=T0 + 8 * H, title="门禁不能刷卡")
    for day in range(3):
        if day == 1:
            Case.objects.filter(pk=stray.pk).update(status="closed")
        reconcile.reconcile_day(w.a, DAY + day * D, now=T0 + (day + 1) * D - 8 * H)
        Case.objects.filter(pk=stray.pk).update(status="new")
    services.reconciliation_sign_off(actor=w.sam, project=w.a, day=DAY, now=T0 + D)
    return w


@pytest.fixture
def open_page(live_server):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with browser() as b:
        ctx = b.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")

        def make(username):
            pg = ctx.new_page()
            errors: list[str] = []
            pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            pg.on("pageerror", lambda e: errors.append(str(e)))
            pg.console_errors = errors
            pg.goto(f"{live_server.url}/login/")
            pg.get_by_label("用户名").fill(username)
            pg.get_by_label("密码").fill(t.PASSWORD)
            pg.get_by_role("button", name="登录").click()
            pg.wait_for_url(f"{live_server.url}/")
            return pg

        yield make
        ctx.close()


def test_a_supervisor_signs_off_the_days_and_a_manager_reads_the_scorecard(three_days, open_page, live_server):
    w = three_days
    pg = open_page("mia")
    pg.get_by_role("link", name="日结").click()
    pg.wait_for_url("**/quality/reconciliation/**")
    bad = pg.locator('tr[data-key="2026-11-03/total"]')
    assert "不平" in bad.inner_text()
    assert pg.locator('tr[data-key="2026-11-03/phone"] td.balance').inner_text().startswith("不平：实际比推算少 1")
    colour = pg.locator('tr[data-key="2026-11-03/phone"] td.balance').evaluate("e => getComputedStyle(e).color")
    assert colour == "rgb(198, 40, 40)"  # --c-danger
    assert "已签核" in pg.locator('tr[data-key="2026-11-02/total"]').inner_text()
    # Signing the day off without a note is refused in Chinese; with one it is signed.
    pg.get_by_label("日期", exact=True).select_option("2026-11-03")
    pg.locator(".sign-off").get_by_role("button", name="签核").click()
    pg.wait_for_load_state()
    assert pg.get_by_text("该日账不平，签核时请说明原因").is_visible()
    assert not Reconciliation.objects.filter(day="2026-11-03", signed_off_at__isnull=False).exists()
    pg.get_by_label("日期", exact=True).select_option("2026-11-03")
    pg.get_by_label("说明", exact=True).fill("门禁工单状态被直接修改，已报信息部")
    pg.locator(".sign-off").get_by_role("button", name="签核").click()
    pg.wait_for_load_state()
    assert pg.get_by_text("已签核 2026-11-03 的日结").is_visible()
    assert Reconciliation.objects.filter(day="2026-11-03", signed_off_by=w.mia).count() == 2
    assert "陈建国 2026-11-05 10:00" in pg.locator('tr[data-key="2026-11-03/phone"]').inner_text()
    left = pg.get_by_label("日期", exact=True).locator("option").all_inner_texts()
    assert [o.strip() for o in left] == ["2026-11-04"]  # the days still to sign off
    pg.screenshot(path=ARTIFACTS / "qc-reconciliation.png", full_page=True)

    pg.get_by_role("link", name="员工绩效").click()
    pg.wait_for_url("**/quality/scorecard/**")
    pg.locator('[data-chart="chart-score-data"] svg').wait_for()
    rows = pg.locator('table[data-table="scorecard"] tbody tr')
    assert rows.count() >= 4
    assert pg.get_by_role("heading", name="修改绩效权重").is_visible()
    pg.screenshot(path=ARTIFACTS / "qc-scorecard.png", full_page=True)
    assert pg.console_errors == []
