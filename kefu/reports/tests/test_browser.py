"""The monthly complaint report in headless Chromium: the manager opens it from the report centre, picks
November, and sees the tables with the category chart drawn; on paper the filters and menus are gone.
Screenshot: test-artifacts/screenshots/report-complaints-monthly.png (copied to docs/screenshots/)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kefu import testing as t
from kefu.browser import browser
from kefu.reports import views

from .test_figures import REPORT_NOW, build_book, make_desk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

ARTIFACTS = Path(os.environ.get("KEFU_ARTIFACTS", "test-artifacts")) / "screenshots"
DESKTOP = {"width": 1366, "height": 900}


def test_the_manager_reads_the_monthly_complaint_report_with_its_chart(live_server, monkeypatch):
    monkeypatch.setattr(views, "_now", lambda: REPORT_NOW)
    build_book(make_desk())
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    url = live_server.url
    with browser() as b:
        ctx = b.new_context(viewport=DESKTOP, locale="zh-CN")
        page = ctx.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{url}/login/")
        page.get_by_label("用户名").fill("mia")
        page.get_by_label("密码").fill(t.PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{url}/")

        page.goto(f"{url}/reports/")
        assert page.locator("[data-report]").count() >= 12  # every report of the centre, the visit ones too
        page.get_by_role("link", name="客户投诉情况及处理月报").click()
        page.wait_for_url(f"{url}/reports/complaints-monthly/")
        assert page.locator('[data-field="quarter"]').is_hidden()  # only the month input for 按月
        page.get_by_label("月份").fill("2026-11")
        page.get_by_role("button", name="查询").click()
        page.wait_for_url("**month=2026-11**")
        assert "统计周期：2026年11月（2026-11-01 至 2026-11-30）" in page.get_by_test_id("scope").inner_text()
        chart = page.locator("#chart-categories svg")
        chart.wait_for()
        page.wait_for_timeout(300)  # the bars grow in
        assert page.locator("#chart-categories svg path").count() >= 3  # a bar per category at least
        overview = page.locator("table[data-table=overview] tbody tr").first
        assert overview.locator("td").first.inner_text() == "本期"
        assert page.locator("table[data-table=repeats] tbody a").count() >= 2  # the planted repeats and theirs
        assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
        page.screenshot(path=ARTIFACTS / "report-complaints-monthly.png", full_page=True)

        # On paper: no menu, no filters, no buttons; the tables and the chart stay.
        page.emulate_media(media="print")
        assert page.locator(".sidebar").is_hidden() and page.locator("form.report-filters").is_hidden()
        assert page.get_by_role("button", name="打印").is_hidden()
        assert page.locator("table[data-table=by_group]").is_visible() and chart.is_visible()
        ctx.close()
    assert errors == [], errors
