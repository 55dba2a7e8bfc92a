"""One repair from end to end, through the real pages only, in headless Chromium (issue 9, item 7).

A resident reports a leak with a photo in the portal (phone), the agent finds it among the cases waiting for
dispatch and dispatches it to field staff (desktop), the field worker accepts, starts and completes it with a
photo (phone), the steward makes the return visit and records it, which closes the case (phone), the QC
reviewer passes the closure on the QC sheet (desktop), and the supervisor computes and signs off the day's
reconciliation (日结) the next morning, where the repair is counted as the portal's new and closed case of the
day. Nothing advances the flow but clicks and typing; the data set up beforehand comes from the fixtures.

Every step asserts what its user sees (the Chinese status words, the same case number) and leaves a
screenshot, test-artifacts/screenshots/e2e-<n>-<step>.png. At the end the database must agree: the case is
closed, its timeline holds the status changes in order, by the right people, with both photos attached.

Why 日结 and not 日盘点: the report centre's daily tally (日盘点, /reports/daily-tally/) counts complaints and
suggestions only (顾客投诉/建议日盘点表, docs/reports.md 2.1); the daily reconciliation of the QC regime counts
every case per channel so that nothing is lost (docs/quality.md), and that is where a repair is tallied.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import timezone

from kefu import testing as t
from kefu.browser import browser
from kefu.portal.tests.conftest import PASSWORD as RESIDENT_PASSWORD
from kefu.portal.tests.conftest import png, portal  # noqa: F401  (the fixture, re-exported)
from kefu.quality.models import Check, Reconciliation, ReviewPolicy
from kefu.tickets.models import Case
from kefu.tickets.states import Status
from kefu.tickets.tests.conftest import desk  # noqa: F401  (the fixture, re-exported)
from kefu.visits.models import ReturnVisit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

ARTIFACTS = Path(os.environ.get("KEFU_ARTIFACTS", "test-artifacts")) / "screenshots"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 360, "height": 740}


@pytest.fixture(scope="module")
def chromium():
    with browser() as b:
        yield b


@pytest.fixture
def open_page(chromium, live_server):
    """open_page(viewport, username=None) -> a page, logged in to the console when a username is given;
    console errors, page errors and failed requests are collected on page.problems."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    cache.clear()  # login throttles count per IP: start every test from zero
    contexts = []

    def make(viewport, username=None):
        phone = viewport is PHONE
        ctx = chromium.new_context(viewport=viewport, locale="zh-CN", is_mobile=phone, has_touch=phone)
        contexts.append(ctx)
        pg = ctx.new_page()
        problems: list[str] = []
        pg.on("console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None)
        pg.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
        pg.on("requestfailed", lambda r: problems.append(f"requestfailed: {r.url} {r.failure}"))
        pg.problems = problems
        if username:
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
    page.screenshot(path=ARTIFACTS / f"e2e-{name}.png", full_page=True)


def fits_the_phone(page):
    return page.evaluate("document.documentElement.scrollWidth") <= page.evaluate("window.innerWidth") + 1


def test_a_repair_reported_in_the_portal_is_handled_visited_reviewed_and_tallied(
    portal,  # noqa: F811
    open_page,
    live_server,
    tmp_path,
    monkeypatch,
):
    w, url = portal.w, live_server.url
    # Setup: project A reviews every repair closure (the default is a tenth), so QC gets this one.
    ReviewPolicy.objects.create(project=w.a, target="closure", kind="repair", mode="all")
    leak, fixed = tmp_path / "leak.png", tmp_path / "fixed.png"
    leak.write_bytes(png(64, 48, (70, 130, 180)))
    fixed.write_bytes(png(64, 48, (90, 160, 90)))

    # 1. 张伟 logs in to the portal on his phone and reports the leak with a photo.
    zhang = open_page(PHONE)
    zhang.goto(f"{url}/m/login/")
    zhang.get_by_label("手机号").fill("13800001111")
    zhang.get_by_label("密码").fill(RESIDENT_PASSWORD)
    zhang.get_by_role("button", name="登录").click()
    zhang.wait_for_url(f"{url}/m/")
    zhang.locator(".p-tabbar").get_by_role("link", name="报事").click()
    zhang.wait_for_url(f"{url}/m/report/")
    zhang.locator("label.p-chip", has_text="报修").click()
    zhang.locator("#id_category").select_option(label="水电 · 漏水渗水")
    zhang.get_by_label("问题描述").fill("卫生间天花板漏水，滴到洗手台上")
    zhang.get_by_test_id("album").set_input_files(str(leak))
    zhang.locator(".p-preview img").wait_for()
    assert fits_the_phone(zhang)
    shot(zhang, "1-portal-report")
    zhang.get_by_role("button", name="提交").click()
    zhang.wait_for_url(f"{url}/m/cases/**")
    number = zhang.get_by_test_id("number").inner_text()
    assert re.fullmatch(r"BX\d{8}-\d{4}", number)  # 报修: BX + the day + a sequence
    assert zhang.locator("[data-testid=steps] li[aria-current=step]").inner_text() == "已受理"
    assert zhang.locator("[data-testid=photos] img").count() == 1
    case = Case.objects.get(number=number)
    assert (case.channel, case.kind, case.status, case.customer) == ("portal", "repair", Status.NEW, w.cust_a1)

    # 2. 王丽 (agent) finds it among the cases waiting for dispatch and dispatches it to 黄永刚 of 工程部.
    alice = open_page(DESKTOP, "alice")
    alice.locator("nav.sidebar").get_by_role("link", name="待派单", exact=True).click()
    row = alice.locator("table.cases tr", has=alice.get_by_role("link", name=number, exact=True))
    assert "待派单" in row.inner_text() and "报修" in row.inner_text()
    row.get_by_role("link", name="派单").click()
    alice.wait_for_url(f"{url}/cases/{number}/**")
    assert alice.get_by_test_id("status").inner_text() == "待派单"
    assert "微物业" in alice.locator("#h-info + dl").inner_text()  # 来源渠道
    panel = alice.locator("#panel")
    panel.get_by_label("处理部门", exact=True).select_option(str(portal.desk.gc.pk))
    panel.get_by_label("处理人", exact=True).select_option(str(w.fred.pk))
    panel.get_by_label("派单说明").fill("业主家卫生间漏水，请今天上门")
    panel.get_by_role("button", name="确定派单").click()
    alice.locator(".msg-success", has_text="已派单").wait_for()
    assert alice.get_by_test_id("status").inner_text() == "已派单"
    shot(alice, "2-desk-dispatched")

    # 3. 黄永刚 (field staff), on his phone: accepts, arrives, completes with a photo.
    fred = open_page(PHONE, "fred")
    fred.goto(f"{url}/cases/jobs/")
    card = fred.locator(f"article[data-number='{number}']")
    assert card.locator(".tag").first.inner_text() == "已派单"
    card.get_by_role("button", name="接单").click()
    fred.locator(".msg-success", has_text="已接单").wait_for()
    assert card.locator(".tag").first.inner_text() == "已接单"
    card.get_by_role("button", name="开始处理（已到场）").click()
    fred.get_by_text("已开始处理").wait_for()
    assert card.locator(".tag").first.inner_text() == "处理中"
    assert fits_the_phone(fred)
    shot(fred, "3-field-in-progress")
    card.locator("summary", has_text="办结").click()
    card.get_by_label("处理结果").fill("已更换卫生间上方水管接头，试水无渗漏")
    card.locator("input[type=file]").set_input_files(str(fixed))
    card.get_by_role("button", name="确认办结").click()
    fred.get_by_text("已办结，等待回访").wait_for()
    assert fred.locator(f"article[data-number='{number}']").count() == 0  # no longer on his list
    shot(fred, "4-field-completed")

    # The resident follows it: 已完成, and now it is his turn to rate (待评价); the worker's words are there.
    zhang.reload()
    assert zhang.locator("[data-testid=steps] li[aria-current=step]").inner_text() == "待评价"
    assert "已更换卫生间上方水管接头" in zhang.get_by_test_id("timeline").inner_text()

    # 4. 孙浩, the steward of zone A1, makes the return visit on her phone: reached, 5 points, solved.
    stella = open_page(PHONE, "stella")
    stella.goto(f"{url}/visits/today/")
    stella.get_by_role("link", name="我的全部待回访 1").click()
    visit_row = stella.locator("tr[data-visit]", has_text=number)
    assert "待回访" in visit_row.inner_text()
    visit_row.get_by_role("link", name="回访", exact=True).click()
    stella.wait_for_url(f"{url}/visits/*/")
    assert number in stella.locator("main").inner_text()
    stella.locator("label[for=o-reached]").click()
    stella.locator("label[for=s-5]").click()
    stella.locator("label[for=sv-yes]").click()
    stella.get_by_label("客户意见").fill("修得很好，已经不漏了")
    assert fits_the_phone(stella)
    shot(stella, "5-return-visit")
    stella.get_by_role("button", name="保存回访结果").click()
    stella.get_by_text(f"回访已登记，工单 {number} 已关闭").wait_for()

    # 5. 徐慧 (QC) finds the closure on her QC sheet and passes it.
    quinn = open_page(DESKTOP, "quinn")
    quinn.locator("nav.sidebar").get_by_role("link", name="质检表", exact=True).click()
    check_row = quinn.locator("tr[data-check]", has_text=number)
    assert "待检查" in check_row.inner_text()
    check_row.get_by_role("link", name="检查").click()
    quinn.wait_for_url(f"{url}/quality/checks/*/")
    assert number in quinn.locator("h1").inner_text()
    assert quinn.get_by_test_id("status").inner_text() == "待检查"
    reviewed = quinn.get_by_test_id("reviewed").inner_text()  # the closure under review: by the visit
    assert "已关闭" in reviewed and "回访满意度 5 分" in reviewed and "孙浩" in reviewed
    quinn.get_by_role("button", name="通过").click()
    quinn.locator(".msg-success", has_text="已检查通过").wait_for()
    assert quinn.get_by_test_id("status").inner_text() == "通过"
    shot(quinn, "6-qc-passed")

    # 6. The next morning 刘晓燕 (supervisor) sees it closed, then computes and signs off yesterday's 日结.
    day = timezone.localdate(case.created_at)
    tomorrow = timezone.now() + dt.timedelta(days=1)
    monkeypatch.setattr("kefu.quality.report_views._now", lambda: tomorrow)  # the pages' clock (documented)
    sam = open_page(DESKTOP, "sam")
    sam.goto(f"{url}/cases/{number}/")
    assert sam.get_by_test_id("status").inner_text() == "已关闭"
    assert sam.locator(".attachments img").count() == 2  # the resident's photo and the worker's
    sam.locator("nav.sidebar").get_by_role("link", name="日结", exact=True).click()
    if timezone.localdate(tomorrow).month != day.month:
        sam.get_by_role("link", name="上月").click()
    sam.get_by_role("button", name=f"计算 {day:%Y-%m-%d}").click()
    sam.locator(".msg-success", has_text=f"已重新计算 {day:%Y-%m-%d} 的日结").wait_for()
    cells = sam.locator(f"tr[data-key='{day:%Y-%m-%d}/portal'] td").all_inner_texts()
    headers = sam.locator("table[data-table=days] thead th").all_inner_texts()
    seen = dict(zip(headers, cells, strict=False))
    assert seen["渠道"] == "微物业"
    assert (seen["新增"], seen["办结/关闭/取消"], seen["当日关闭"], seen["期末在办(实际)"]) == ("1", "1", "1", "0")
    assert seen["核对"] == "平"
    sam.locator("#sign-day").select_option(f"{day:%Y-%m-%d}")
    sam.get_by_role("button", name="签核", exact=True).click()
    sam.locator(".msg-success", has_text=f"已签核 {day:%Y-%m-%d} 的日结").wait_for()
    assert "刘晓燕" in sam.locator(f"tr[data-key='{day:%Y-%m-%d}/portal'] td.signed").inner_text()
    shot(sam, "7-daily-reconciliation")

    # The database agrees with what the pages said.
    case.refresh_from_db()
    assert (case.status, case.assignee, case.department) == (Status.CLOSED, w.fred, portal.desk.gc)
    assert case.attachments.count() == 2
    changes = [
        (e.kind, e.to_status, e.actor.username if e.actor else None)
        for e in case.events.order_by("at", "pk")
        if e.to_status
    ]
    assert changes == [
        ("create", "new", "zhang"),
        ("dispatch", "dispatched", "alice"),
        ("accept", "accepted", "fred"),
        ("start", "in_progress", "fred"),
        ("resolve", "resolved", "fred"),
        ("close", "closed", "stella"),
    ]
    kinds = list(case.events.order_by("at", "pk").values_list("kind", flat=True))
    assert kinds.index("resolve") < kinds.index("visit") < kinds.index("close")
    visit = ReturnVisit.objects.get(case=case)
    assert (visit.status, visit.score, visit.solved, visit.completed_by) == ("done", 5, True, w.stella)
    check = Check.objects.get(case=case)
    assert (check.subject, check.status, check.operator, check.reviewer) == ("closure", "passed", w.stella, w.quinn)
    rec = Reconciliation.objects.get(project=w.a, day=day, channel="portal")
    assert (rec.new, rec.finished, rec.closed_today, rec.closing, rec.mismatch) == (1, 1, 1, 0, False)
    assert rec.signed_off_by == w.sam
    for pg in (zhang, alice, fred, stella, quinn, sam):
        assert pg.problems == [], pg.problems
