"""The portal on a phone (390x844) in headless Chromium: a resident reports a leak with a photo, follows
the case while it is handled, and rates it. Screenshots: docs/screenshots/portal-report.png,
portal-case.png and portal-rate.png."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings

from kefu.browser import browser
from kefu.tickets import services as ts
from kefu.tickets.models import Case
from kefu.visits.models import CustomerRating

from .conftest import PASSWORD, png

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}


def shot(page, name):
    """The whole page as a phone would show it scrolled through: the viewport grows to the page's height
    (so the sticky header and the tab bar sit at the top and the bottom), then shrinks back."""
    page.evaluate("window.scrollTo(0, 0)")
    height = max(PHONE["height"], page.evaluate("document.documentElement.scrollHeight"))
    page.set_viewport_size({"width": PHONE["width"], "height": height})
    page.wait_for_function("() => Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)")
    page.screenshot(path=SCREENSHOTS / f"portal-{name}.png")
    page.set_viewport_size(PHONE)


def test_a_resident_reports_a_leak_with_a_photo_follows_it_and_rates_it(portal, live_server, tmp_path):
    w = portal.w
    url = live_server.url
    photo = tmp_path / "leak.png"
    photo.write_bytes(png(64, 48, (70, 130, 180)))
    with browser() as b:
        ctx = b.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
        page = ctx.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))

        page.goto(f"{url}/m/report/")
        page.wait_for_url(f"{url}/m/login/?next=/m/report/")
        page.get_by_label("手机号").fill("13800001111")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{url}/m/report/")

        # 报事: a repair in my unit, 漏水渗水, with a photo from the album and a visit time.
        page.locator("label.p-chip", has_text="报修").click()
        assert page.locator("#id_place").input_value() == f"u{w.unit_a1.pk}"
        assert page.locator("#id_category option[data-kind=complaint]").first.is_hidden()
        page.locator("#id_category").select_option(label="水电 · 漏水渗水")
        page.get_by_label("问题描述").fill("卫生间天花板漏水，已经两天了")
        page.get_by_test_id("album").set_input_files(str(photo))
        page.locator(".p-preview img").wait_for()
        page.get_by_label("期望上门日期").fill("2099-01-02")
        page.get_by_label("期望上门时段").select_option(label="上午 9:00-12:00")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        shot(page, "report")
        page.get_by_role("button", name="提交").click()
        page.wait_for_url(f"{url}/m/cases/**")
        case = Case.objects.get(customer=w.cust_a1)
        assert (case.channel, case.category, case.preferred_time) == (
            "portal",
            portal.desk.leak,
            "2099-01-02 上午 9:00-12:00",
        )
        assert page.get_by_test_id("number").inner_text() == case.number
        assert page.locator("[data-testid=steps] li[aria-current=step]").inner_text() == "已受理"
        page.wait_for_function(
            "() => { const i = document.querySelector('[data-testid=photos] img'); return i && i.complete; }"
        )
        assert page.locator("[data-testid=photos] img").evaluate("img => img.naturalWidth") == 64

        # The desk dispatches it; the handler fixes it and says so (public); an internal note stays inside.
        case = ts.case_dispatch(actor=w.alice, case=case, assignee=portal.desk.fred)
        ts.case_comment(actor=w.alice, case=case, body="内部：住户较急", is_public=False)
        ts.case_accept(actor=portal.desk.fred, case=case)
        ts.case_reply(actor=w.alice, case=case, body="维修师傅黄永刚今天下午上门")
        ts.case_resolve(actor=portal.desk.fred, case=case, note="已更换卫生间上方水管接头，试水无渗漏")
        page.reload()
        timeline = page.get_by_test_id("timeline").inner_text()
        assert "已更换卫生间上方水管接头" in timeline and "维修师傅黄永刚今天下午上门" in timeline
        assert "住户较急" not in page.content()
        assert page.locator("[data-testid=steps] li[aria-current=step]").inner_text() == "待评价"
        shot(page, "case")

        # 评价: five stars, two quick tags, a word of thanks.
        page.get_by_role("link", name="评价本次服务").click()
        page.wait_for_url(f"{url}/m/cases/{case.number}/rate/")
        page.locator("label.p-star[title=非常满意]").click()
        assert page.locator("[data-star-label]").inner_text() == "非常满意"
        assert page.locator("label.p-star.on").count() == 5
        page.locator("label.p-chip", has_text="响应及时").click()
        page.locator("label.p-chip", has_text="师傅专业").click()
        page.get_by_label("评价内容（选填）").fill("师傅很专业，已经不漏了")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        shot(page, "rate")
        page.get_by_role("button", name="提交评价").click()
        page.wait_for_url(f"{url}/m/cases/{case.number}/")
        assert "响应及时、师傅专业；师傅很专业，已经不漏了" in page.get_by_test_id("rating").inner_text()
        rating = CustomerRating.objects.get(case=case)
        assert (rating.score, rating.solved, rating.by) == (5, True, portal.zhang)
        assert errors == [], errors
        ctx.close()
