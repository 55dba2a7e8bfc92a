"""The QC sheet in headless Chromium at desktop size: the QC reviewer opens an item from the sheet and
returns it with one fatal error. Screenshots test-artifacts/screenshots/qc-sheet.png and qc-check.png
(copied to docs/screenshots/)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from kefu import testing as t
from kefu.browser import browser
from kefu.quality import services
from kefu.quality.models import Check, ErrorPoint, ReviewPolicy
from kefu.tickets import services as ts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

ARTIFACTS = Path(os.environ.get("KEFU_ARTIFACTS", "test-artifacts")) / "screenshots"
DESKTOP = {"width": 1366, "height": 900}
T0 = dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC)
M = dt.timedelta(minutes=1)


@pytest.fixture
def open_page(live_server):
    """open_page(username) -> a logged-in desktop page; console errors collected on page.console_errors."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with browser() as b:
        contexts = []

        def make(username):
            ctx = b.new_context(viewport=DESKTOP, locale="zh-CN")
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


def reply(new_case, actor, title, body, at):
    case = new_case(kind="complaint", now=at, title=title)
    ts.case_reply(actor=actor, case=case, body=body, now=at + 12 * M)
    return Check.objects.get(case=case, subject="reply")


def test_the_qc_reviewer_returns_an_item_with_one_fatal_error(desk, new_case, open_page, live_server):
    w = desk.w
    url = live_server.url
    ReviewPolicy.objects.filter(target="closure").update(mode="none")
    point = {p.code: p for p in ErrorPoint.objects.filter(project__isnull=True)}
    passed = reply(new_case, w.carl, "楼上装修噪音扰民", "您好，已联系楼上业主，装修时间调整为9:00-18:00。", T0)
    services.check_pass(actor=w.quinn, check=passed, quantity_checked=1, note="答复及时", now=T0 + 60 * M)
    returned = reply(new_case, w.alice, "地下车库积水", "已经报了，等着吧。", T0 + 30 * M)
    services.check_return(
        actor=w.quinn,
        check=returned,
        findings=[
            services.Finding(point["E06"], "答复生硬，未致歉"),
            services.Finding(point["E04"], "未记录回电时间"),
        ],
        now=T0 + 90 * M,
    )
    reply(new_case, w.carl, "电梯频繁停运", "您好，维保单位今天下午到场检修，修好后给您回电。", T0 + 50 * M)
    target = reply(new_case, w.alice, "保洁不及时，垃圾未清运", "知道了。", T0 + 70 * M)
    for i, title in enumerate(["厨房水龙头漏水", "卫生间地漏返味"]):  # two closed repairs, sampled
        at = T0 + (i + 2) * dt.timedelta(hours=1)
        case = ts.case_dispatch(actor=w.alice, case=new_case(now=at, title=title), assignee=desk.fred, now=at + M)
        case = ts.case_accept(actor=desk.fred, case=case, now=at + 5 * M)
        case = ts.case_resolve(actor=desk.fred, case=case, note="已更换配件", now=at + 60 * M)
        ts.case_close(actor=w.alice, case=case, note="已回访，业主满意", now=at + 90 * M)
    plan = services.sampling_plan_save(
        actor=w.mia, project=w.a, name="已关闭工单抽检", target="closed_cases", mode="share", share_percent=100
    )
    services.sampling_draw(
        actor=w.quinn, plan=plan, period_start=T0.date(), period_end=T0.date(), seed=1, now=T0 + 8 * M * 60
    )

    quinn = open_page("quinn")
    quinn.goto(f"{url}/quality/checks/?queue=all")
    assert quinn.get_by_test_id("count").inner_text() == "共 6 条"
    row = quinn.locator(f"tr[data-check='{returned.pk}']")
    assert "致命 1" in row.inner_text() and "答复生硬，未致歉" in row.inner_text()
    quinn.screenshot(path=ARTIFACTS / "qc-sheet.png", full_page=True)

    quinn.goto(f"{url}/quality/checks/?queue=mine")
    quinn.locator(f"tr[data-check='{target.pk}']").get_by_role("link", name="检查").click()
    quinn.wait_for_url(f"{url}/quality/checks/{target.pk}/")
    assert "知道了。" in quinn.get_by_test_id("reviewed").inner_text()
    fatal = quinn.locator("#id_err-0-fatal")
    assert not fatal.is_checked()
    quinn.locator("#id_err-0-point").select_option(label="E06 用语不文明、态度生硬")
    assert fatal.is_checked()  # E06 is fatal by default
    assert quinn.locator("#id_err-0-operator").input_value() == str(w.alice.pk)  # whose: the operator
    quinn.locator("#id_err-0-cause").fill("答复过于简单生硬，未说明清运时间")
    quinn.get_by_label("检查意见").fill("请重新致电业主致歉并说明清运安排")
    quinn.screenshot(path=ARTIFACTS / "qc-check.png", full_page=True)
    quinn.get_by_role("button", name="退回修改").click()
    quinn.get_by_text("已退回经办人修改，登记差错 1 个").wait_for()
    assert quinn.get_by_test_id("status").inner_text() == "退回修改"
    assert "答复过于简单生硬" in quinn.get_by_test_id("errors").inner_text()
    target.refresh_from_db()
    assert target.status == "returned"
    assert list(target.errors.values_list("point__code", "fatal", "operator")) == [("E06", True, w.alice.pk)]
    assert quinn.console_errors == [], quinn.console_errors
