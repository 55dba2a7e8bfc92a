"""The knowledge base in headless Chromium: an agent inserts a canned reply on a case page (desktop), a
resident searches the FAQ on their phone (390x844). Screenshots test-artifacts/screenshots/canned-reply.png
and portal-faq.png (copied to docs/screenshots/)."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from django.test import Client

from kefu import testing as t
from kefu.browser import browser
from kefu.tickets import services as ts
from kefu.tickets.models import Category

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

ARTIFACTS = Path(os.environ.get("KEFU_ARTIFACTS", "test-artifacts")) / "screenshots"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def chromium():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with browser() as b:
        yield b


def watch(page):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def test_an_agent_inserts_a_canned_reply_on_the_case_page(demo_kb, chromium, live_server):
    from playwright.sync_api import expect

    d = demo_kb
    now = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    case = ts.case_create(
        actor=d.kefu1,
        project=d.yg,
        kind="repair",
        channel="phone",
        title="卫生间漏水",
        description="卫生间天花板渗水，楼上可能漏水。",
        category=Category.objects.get(project__isnull=True, kind="repair", code="SD-LS"),
        customer=d.customer,
        unit=d.customer.occupancies.get().unit,
        preferred_time="今天 15:00-17:00",
        now=now,
    )
    ts.case_dispatch(actor=d.kefu1, case=case, assignee=d.weixiu1, now=now + dt.timedelta(minutes=5))

    ctx = chromium.new_context(viewport=DESKTOP, locale="zh-CN")
    page = ctx.new_page()
    errors = watch(page)
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill("kefu1")
    page.get_by_label("密码").fill(t.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")

    # The knowledge base itself: the FAQ searched by words, the phrases by scene.
    page.goto(f"{live_server.url}/kb/faq/?q=停车费怎么交")
    assert (
        page.locator("table.kb-faq tbody tr").first.locator("td.title a").inner_text() == "停车费怎么交？月卡怎么续费？"
    )
    page.screenshot(path=ARTIFACTS / "kb-faq.png", full_page=True)
    page.goto(f"{live_server.url}/kb/phrases/")
    assert page.get_by_role("heading", name="投诉安抚").is_visible()
    page.screenshot(path=ARTIFACTS / "kb-phrases.png", full_page=True)

    page.goto(f"{live_server.url}/cases/{case.number}/")
    page.locator("a[data-action='reply']").click()
    box = page.locator("#panel textarea[name='body']")
    box.wait_for()
    box.fill("您好，")
    picker = page.get_by_label("插入常用回复")
    assert "我的签名" in picker.inner_text() and "报修已受理" in picker.inner_text()
    picker.select_option(label="报修已受理")
    expected = (
        f"您好，\n张先生您好，您的报修已受理（工单号 {case.number}），"
        "维修人员将于今天 15:00-17:00上门，届时请家中留人。如需改约请致电 010-84712345。\n阳光花园物业服务中心"
    )
    expect(box).to_have_value(expected)
    expect(picker).to_have_value("")  # ready for the next one
    picker.select_option(label="我的签名")
    expect(box).to_have_value(
        re.compile(r"阳光花园物业服务中心\n如有疑问请随时联系我：王丽，阳光花园物业服务中心，电话 010-84712345。$")
    )
    page.screenshot(path=ARTIFACTS / "canned-reply.png")

    page.get_by_role("button", name="确定答复客户").click()
    page.get_by_text("答复已记录").wait_for()
    assert "张先生您好，您的报修已受理" in page.locator(".case-timeline").inner_text()
    assert errors == [], errors
    ctx.close()


def test_a_resident_searches_the_faq_on_the_phone(demo_kb, chromium, live_server):
    client = Client()
    client.force_login(demo_kb.yezhu)
    ctx = chromium.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    ctx.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = ctx.new_page()
    errors = watch(page)

    page.goto(f"{live_server.url}/m/faq/")
    chips = page.get_by_role("navigation", name="问题分类")
    chips.get_by_role("link", name="其他").click()
    page.wait_for_url(re.compile(r"category="))
    assert "怎么在微物业上报事（报修、投诉、建议）？" in page.inner_text("main")  # shared by all projects
    chips.get_by_role("link", name="门禁").click()
    page.wait_for_url(re.compile(r"category=%E9%97%A8"))
    assert "门禁卡丢了怎么补办？" in page.inner_text("main")
    assert "访客怎么进入写字楼？" not in page.inner_text("main")  # the office tower's
    chips.get_by_role("link", name="全部").click()
    page.get_by_label("搜索问题").fill("停车费怎么交")
    page.get_by_role("button", name="搜索").click()
    page.wait_for_url(re.compile(r"/m/faq/\?q="))
    results = page.get_by_test_id("faq-results").locator("li")
    assert results.first.locator(".pf-q").inner_text() == "停车费怎么交？月卡怎么续费？"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert results.nth(1).locator(".pf-q").inner_text() == "临时停车怎么收费？"
    page.screenshot(path=ARTIFACTS / "portal-faq.png")

    results.first.locator("a").click()
    page.get_by_test_id("answer").wait_for()
    assert "月租车位续费" in page.get_by_test_id("answer").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert errors == [], errors
    ctx.close()
