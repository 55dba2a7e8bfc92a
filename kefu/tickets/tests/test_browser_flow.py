"""The main flow in headless Chromium, with a screenshot at each step (test-artifacts/screenshots/desk-*.png):
a phone complaint logged by alice, dispatched to fred, rejected by fred on his phone, re-dispatched to gus,
accepted and completed by gus on his phone, then closed by sam after the return visit."""

import os
from pathlib import Path

import pytest

from kefu import testing as t
from kefu.browser import browser
from kefu.org.roles import Role
from kefu.tickets.models import Case
from kefu.tickets.states import Status

from .test_views import PNG

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

ARTIFACTS = Path(os.environ.get("KEFU_ARTIFACTS", "test-artifacts")) / "screenshots"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 360, "height": 740}


@pytest.fixture
def open_page(live_server):
    """open_page(username, viewport) -> a logged-in page; console errors collected on page.console_errors."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with browser() as b:
        contexts = []

        def make(username, viewport=DESKTOP):
            ctx = b.new_context(
                viewport=viewport, locale="zh-CN", is_mobile=viewport is PHONE, has_touch=viewport is PHONE
            )
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
    page.screenshot(path=ARTIFACTS / f"desk-{name}.png", full_page=True)


def test_a_phone_complaint_from_intake_to_close(desk, open_page, live_server, tmp_path):
    w = desk.w
    url = live_server.url

    # 1. alice takes the call: the caller's number finds the household; kind, category, description.
    alice = open_page("alice")
    alice.get_by_role("link", name="受理登记").click()
    alice.wait_for_url(f"{url}/cases/new/")
    alice.get_by_label("来电号码/姓名/房号").fill("13800001111")
    alice.locator("#lookup-results [data-pick]").first.wait_for()
    alice.locator("#lookup-results [data-pick]").first.click()
    assert "张伟" in alice.locator("#picked").inner_text()
    assert alice.get_by_label("联系人").input_value() == "张伟"
    alice.locator("#id_kind").select_option("complaint")
    alice.locator("#id_category").select_option(str(desk.attitude.pk))
    alice.get_by_label("来源渠道").select_option("phone")  # label "来源渠道 *"
    alice.get_by_label("详细描述").fill("业主来电投诉：维修师傅上门态度差，卫生间漏水至今未修好")
    alice.locator("#duplicates").get_by_text("选择房屋后显示").wait_for(state="detached")
    shot(alice, "1-intake")
    alice.get_by_role("button", name="保存并派单").click()
    alice.wait_for_url("**/cases/TS**")
    case = Case.objects.get()
    assert alice.get_by_text(f"工单 {case.number} 已受理").is_visible()

    # 2. The dispatch panel is open: to fred of 工程部.
    panel = alice.locator("#panel")
    panel.get_by_label("处理部门", exact=True).select_option(str(desk.gc.pk))
    panel.get_by_label("处理人", exact=True).select_option(str(desk.fred.pk))
    panel.get_by_label("派单说明").fill("请今天上门处理并向业主致歉")
    panel.get_by_role("button", name="确定派单").click()
    alice.locator(".msg-success", has_text="已派单").wait_for()
    assert alice.get_by_test_id("status").inner_text() == "已派单"
    shot(alice, "2-dispatched")

    # 3. fred, on his phone, gives it back: not his trade.
    fred = open_page("fred", PHONE)
    fred.goto(f"{url}/cases/jobs/")
    card = fred.locator(f"article[data-number='{case.number}']")
    assert card.get_by_role("button", name="接单").is_visible()
    card.locator("summary", has_text="退单").click()
    card.get_by_label("退单原因").fill("漏水需土建班组处理，不属水电")
    shot(fred, "3-rejected")
    card.get_by_role("button", name="确认退单").click()
    fred.get_by_text("已退单，工单回到待派单").wait_for()
    case.refresh_from_db()
    assert case.status == Status.NEW and case.assignee is None

    # 4. alice sees the rejection and dispatches again, to gus (the panel opens beside the page via htmx).
    alice.goto(f"{url}/cases/?queue=unassigned")
    alice.get_by_role("link", name=case.number).click()
    alice.locator(".case-actions").get_by_role("link", name="派单", exact=True).click()
    panel = alice.locator("#panel")
    panel.get_by_label("处理人", exact=True).wait_for()
    panel.get_by_label("处理部门", exact=True).select_option(str(desk.gc.pk))
    panel.get_by_label("处理人", exact=True).select_option(str(desk.gus.pk))
    panel.get_by_label("派单说明").fill("转土建葛师傅处理")
    panel.get_by_role("button", name="确定派单").click()
    alice.locator(".msg-success", has_text="已派单").wait_for()
    assert alice.locator(".ev-reject").count() == 1

    # 4b. gus finds it needs the waterproofing specialist and transfers it (转单) to hank.
    hank = t.staff(Role.FIELD_STAFF, w.a, username="hank", department=desk.gc, name="韩师傅")
    gus_desk = open_page("gus")
    gus_desk.goto(f"{url}/cases/{case.number}/")
    gus_desk.locator(".case-actions").get_by_role("link", name="转单", exact=True).click()
    panel = gus_desk.locator("#panel")
    panel.get_by_label("转单原因").fill("卫生间需重做防水，转防水专业韩师傅")
    panel.get_by_label("处理部门", exact=True).select_option(str(desk.gc.pk))
    panel.get_by_label("处理人", exact=True).select_option(str(hank.pk))
    panel.get_by_role("button", name="确定转单").click()
    gus_desk.locator(".msg-success").first.wait_for()
    case.refresh_from_db()
    assert case.assignee == hank and case.status == Status.DISPATCHED
    assert case.events.filter(kind="transfer").count() == 1
    alice.goto(f"{url}/cases/{case.number}/")  # the desk sees the 转单 on the timeline
    assert alice.locator(".ev-transfer").count() == 1
    shot(alice, "4-transferred")

    # 5. hank accepts, arrives, and completes with a photo, all on his phone.
    gus = open_page("hank", PHONE)
    gus.goto(f"{url}/cases/jobs/")
    card = gus.locator(f"article[data-number='{case.number}']")
    card.get_by_role("button", name="接单").click()
    gus.locator(".msg-success", has_text="已接单").wait_for()
    card = gus.locator(f"article[data-number='{case.number}']")
    card.get_by_role("button", name="开始处理（已到场）").click()
    gus.get_by_text("已开始处理").wait_for()
    card = gus.locator(f"article[data-number='{case.number}']")
    card.locator("summary", has_text="办结").click()
    card.get_by_label("处理结果").fill("已重做防水并向业主致歉，试水24小时无渗漏")
    photo = tmp_path / "done.png"
    photo.write_bytes(PNG)
    card.locator("input[type=file]").set_input_files(str(photo))
    shot(gus, "5-completed")
    card.get_by_role("button", name="确认办结").click()
    gus.get_by_text("已办结，等待回访").wait_for()
    case.refresh_from_db()
    assert case.status == Status.RESOLVED and case.attachments.count() == 1

    # 6. sam, after the return visit, closes the case.
    sam = open_page("sam")
    sam.goto(f"{url}/cases/{case.number}/")
    sam.locator(".case-actions").get_by_role("link", name="关闭", exact=True).click()
    sam.locator("#panel").get_by_label("说明").fill("回访业主：满意")
    sam.locator("#panel").get_by_role("button", name="确定关闭").click()
    sam.get_by_text("工单已关闭").wait_for()
    assert sam.get_by_test_id("status").inner_text() == "已关闭"
    assert sam.locator(".attachments img").count() == 1
    shot(sam, "6-resolved")
    case.refresh_from_db()
    assert case.status == Status.CLOSED

    for pg in (alice, fred, gus_desk, gus, sam):
        assert pg.console_errors == [], pg.console_errors
    assert w.alice  # the named users all came from the `desk` fixture
