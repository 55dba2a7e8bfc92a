"""Notices in headless Chromium: a manager reads a notice's receipts on a desktop, a resident reads her
notices on a phone (390x844). Screenshots: docs/screenshots/notice-receipts.png and portal-notices.png."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from kefu import testing as t
from kefu.browser import browser
from kefu.notices import services
from kefu.notices.models import Notice, NoticeReceipt

from .conftest import account

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
NAMES = [
    "刘洋", "陈晨", "杨帆", "赵磊", "黄蕾", "周杰", "吴静", "徐涛",
    "孙悦", "马超", "朱琳", "胡斌", "郭敏", "何勇", "高雪", "林峰",
]  # fmt: skip


def more_households(e):
    """Sixteen more residents with portal accounts, spread over the three buildings."""
    buildings = [e.b1, e.b2, e.b3]
    people = []
    for i, name in enumerate(NAMES):
        b = buildings[i % 3]
        unit = t.UnitFactory(building=b, zone=e.w.a1 if b == e.b1 else e.w.a2, number=f"{15 + i // 3}0{1 + i % 3}")
        people.append(account(f"r{i}", name, t.household(unit, name=name)))
    return people


def shot(page, name, phone=False):
    page.evaluate("window.scrollTo(0, 0)")
    if phone:  # the whole page as a phone shows it scrolled through (sticky header and tab bar in place)
        height = max(PHONE["height"], page.evaluate("document.documentElement.scrollHeight"))
        page.set_viewport_size({"width": PHONE["width"], "height": height})
        page.screenshot(path=SCREENSHOTS / f"{name}.png")
        page.set_viewport_size(PHONE)
    else:
        page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def watch(page):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda err: errors.append(str(err)))
    return errors


def test_a_manager_reads_the_receipts_and_a_resident_reads_her_notices_on_her_phone(estate, live_server):
    w = estate.w
    url = live_server.url
    people = more_households(estate)
    estate.zhang.mobile = "13800001111"
    estate.zhang.save()
    now = timezone.now()
    water = services.notice_create(
        actor=w.mia,
        project=w.a,
        title="关于11月25日全小区停水的通知",
        body="尊敬的业主：因市政供水管网改造，11月25日（周二）9:00-17:00 全小区停水，请提前做好储水准备。"
        "恢复供水初期水质可能浑浊，请放水片刻后再使用。给您带来不便，敬请谅解。",
        category=Notice.Category.OUTAGE,
        mode=services.NOW,
        now=now - dt.timedelta(days=2),
    )
    services.notice_create(
        actor=w.sam,
        project=w.a,
        title="1号楼电梯年检",
        body="11月27日 1号楼 2 号电梯年检，暂停使用半天。",
        category=Notice.Category.TIP,
        audience=Notice.Audience.BUILDINGS,
        buildings=[estate.b1],
        mode=services.NOW,
        now=now - dt.timedelta(days=1),
    )
    services.notice_create(
        actor=w.sam,
        project=w.a,
        title="重阳节长者茶话会",
        body="社区活动中心，欢迎长者参加。",
        category=Notice.Category.ACTIVITY,
        audience=Notice.Audience.TAGS,
        tags=[estate.elderly],
        mode=services.NOW,
    )
    services.notice_create(
        actor=w.mia,
        project=w.a,
        title="12月物业费缴费提醒",
        body="请于12月15日前缴纳。",
        category=Notice.Category.BILLING,
        mode=services.SCHEDULE,
        publish_at=now + dt.timedelta(days=3),
    )
    Notice.objects.filter(pk=water.pk).update(created_at=water.published_at - dt.timedelta(minutes=25))
    for i, who in enumerate([estate.wang, estate.chen, estate.sun, *people[::2], people[1], people[5]]):
        services.notice_read(actor=who, notice=water, now=now - dt.timedelta(days=2) + dt.timedelta(minutes=7 * i))
    total = water.receipts.count()
    read = water.receipts.filter(read_at__isnull=False).count()
    assert (total, read) == (21, 13)

    with browser() as b:
        desk = b.new_context(viewport=DESKTOP, locale="zh-CN")
        page = desk.new_page()
        errors = watch(page)
        page.goto(f"{url}/login/")
        page.get_by_label("用户名").fill("mia")
        page.get_by_label("密码").fill(t.PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{url}/")
        page.get_by_role("link", name="通知公告").first.click()
        page.wait_for_url(f"{url}/notices/")
        assert page.get_by_test_id("count").inner_text() == "共 4 条"
        row = page.locator(f"tr[data-notice='{water.pk}']")
        assert "61.9%" in row.inner_text()  # 13 / 21
        row.get_by_role("link", name="关于11月25日全小区停水的通知").click()
        page.wait_for_url(f"{url}/notices/{water.pk}/")
        assert page.get_by_test_id("reached").inner_text() == "21"
        assert page.get_by_test_id("read").inner_text() == "13"
        assert page.get_by_test_id("rate").inner_text() == "61.9%"
        assert page.get_by_test_id("by-building").locator("tbody tr").count() == 3
        shot(page, "notice-receipts")
        page.locator("#receipts").get_by_role("link", name="未读 8").click()
        assert page.get_by_test_id("receipts").locator("tbody tr").count() == 8
        with page.expect_download() as dl:
            page.get_by_role("link", name="导出 Excel").click()
        assert dl.value.suggested_filename.endswith(".xlsx")
        assert errors == [], errors

        phone = b.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
        page = phone.new_page()
        errors = watch(page)
        page.goto(f"{url}/m/notices/")
        page.wait_for_url(f"{url}/m/login/?next=/m/notices/")
        page.get_by_label("手机号").fill("13800001111")
        page.get_by_label("密码").fill(t.PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{url}/m/notices/")
        items = page.get_by_test_id("notices").locator("li.n-item")
        assert items.count() == 3  # the whole estate, building 1, the elderly group; not the scheduled one
        assert page.locator("li.n-item.unread").count() == 3
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.get_by_role("link", name="1号楼电梯年检").click()
        page.wait_for_url(f"{url}/m/notices/**")
        assert "暂停使用半天" in page.locator("article").inner_text()
        page.go_back()
        page.reload()
        assert page.locator("li.n-item.unread").count() == 2
        shot(page, "portal-notices", phone=True)
        assert errors == [], errors
    assert NoticeReceipt.objects.filter(account=estate.zhang, read_at__isnull=False).count() == 1
