"""Return visits in headless Chromium: a steward makes a call-back on her phone; the desk's list and a
plan page on a desktop. Screenshots in test-artifacts/screenshots/visit-*.png."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.utils import timezone

from kefu import testing as t
from kefu.browser import browser
from kefu.visits import services
from kefu.visits.models import ReturnVisit

from .conftest import fill_zone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

ARTIFACTS = Path(os.environ.get("KEFU_ARTIFACTS", "test-artifacts")) / "screenshots"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def open_page(live_server):
    """open_page(username, viewport) -> a logged-in page; console errors collected on page.console_errors."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with browser() as b:
        contexts = []

        def make(username, viewport=DESKTOP):
            phone = viewport is PHONE
            ctx = b.new_context(viewport=viewport, locale="zh-CN", is_mobile=phone, has_touch=phone)
            contexts.append(ctx)
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
        for ctx in contexts:
            ctx.close()


def shot(page, name):
    page.screenshot(path=ARTIFACTS / f"visit-{name}.png", full_page=True)


def test_a_steward_records_a_call_back_on_her_phone(desk, resolved, open_page, live_server):
    w = desk.w
    url = live_server.url
    w.cust_a1.gender = "M"
    w.cust_a1.save()
    leak = resolved()
    visit = ReturnVisit.objects.get(case=leak, status="pending")
    resolved(title="客厅插座没电")
    fill_zone(w.a1, {"10": 11})
    start, end = services.quarter_of(timezone.localdate())
    plan = services.plan_create(actor=w.mia, zone=w.a1, period_start=start, period_end=end, seed=11)
    visited = plan.visits.order_by("pk").first()
    services.visit_record(actor=w.stella, visit=visited, outcome="reached", score=4, customer_words="电梯常坏")
    services.finding_add(actor=w.stella, visit=visited, category="smart", description="1单元电梯门禁失灵", to_case=True)

    stella = open_page("stella", PHONE)
    stella.goto(f"{url}/visits/today/")
    card = stella.locator(f"article[data-visit='{visit.pk}']")
    assert "张先生" in card.inner_text() and "卫生间漏水" in card.inner_text()
    assert card.get_by_role("link", name="拨打电话 · 张先生").get_attribute("href") == "tel:13800001111"
    assert "还剩 2 户" in stella.locator(".plan-link").inner_text()  # this quarter's plan households
    assert stella.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing wider than a phone
    shot(stella, "phone-today")

    card.get_by_role("link", name="登记回访结果").click()
    stella.wait_for_url(f"{url}/visits/{visit.pk}/")
    assert stella.get_by_test_id("phone").inner_text() == "138****1111"
    assert "张先生" in stella.get_by_test_id("script").inner_text()
    reason = stella.get_by_label("不满意原因")
    stella.locator("label[for=o-reached]").click()
    stella.locator("label[for=s-2]").click()
    assert reason.is_visible()  # 2 分: why?
    stella.locator("label[for=s-5]").click()
    stella.locator("label[for=sv-yes]").click()
    assert not reason.is_visible()
    stella.get_by_label("客户意见").fill("师傅很专业，已经不漏了")
    assert stella.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(stella, "phone-record")
    stella.get_by_role("button", name="保存回访结果").click()
    stella.wait_for_url(f"{url}/visits/today/")
    stella.get_by_text(f"回访已登记，工单 {leak.number} 已关闭").wait_for()
    assert stella.locator(f"article[data-visit='{visit.pk}']").count() == 0
    visit.refresh_from_db()
    assert (visit.status, visit.score, visit.solved) == ("done", 5, True)

    # The desk: the list with the finished call in it, and the plan's progress.
    sam = open_page("sam")
    sam.goto(f"{url}/visits/?queue=all")
    assert sam.get_by_test_id("count").inner_text() == "共 5 条"  # 2 call-backs + 3 plan households
    row = sam.locator(f"tr[data-visit='{visit.pk}']")
    assert "5 非常满意" in row.inner_text()
    shot(sam, "list")
    sam.get_by_role("link", name="走访计划", exact=True).click()
    sam.locator("table.plans a").first.click()
    sam.get_by_test_id("progress").wait_for()
    shot(sam, "plan")

    for pg in (stella, sam):
        assert pg.console_errors == [], pg.console_errors
