"""The dashboard in headless Chromium: it draws its charts without console errors, a click on a bar opens the
list it counts, and it works on a steward's phone. Screenshots: docs/screenshots/dashboard-manager.png (1366
wide) and docs/screenshots/dashboard-phone-steward.png (390 wide)."""

from __future__ import annotations

import datetime as dt
import os
import random
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from kefu import testing as t
from kefu.browser import browser
from kefu.tickets.models import Case
from kefu.tickets.states import OPEN_STATUSES

from .test_dashboard import build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def busier(w, cases, now: dt.datetime, n: int = 160) -> None:
    """A month of cases in project A, so that the charts have something to show (seeded: the same every run)."""
    rng = random.Random(6)
    kinds = ["repair"] * 6 + ["complaint"] * 2 + ["consultation"] * 3 + ["help", "suggestion", "praise"]
    done = ["closed"] * 8 + ["resolved"] * 2 + ["cancelled"]
    people = [(cases.gc, w.fred), (cases.gc, cases.gus), (cases.kf, w.alice), (cases.kf, w.sam)]
    rows = []
    for i in range(n):
        created = now - dt.timedelta(days=rng.uniform(0, 29.5))
        recent = now - created < dt.timedelta(days=6)
        status = rng.choice(sorted(OPEN_STATUSES)) if recent and rng.random() < 0.45 else rng.choice(done)
        dept, who = rng.choice(people)
        due = created + dt.timedelta(hours=rng.choice([8, 24, 48, 72]))
        resolved = None
        if status in ("closed", "resolved"):
            resolved = min(now, created + dt.timedelta(hours=rng.uniform(1, 80)))
        rows.append(
            Case(
                number=f"TX{i:04d}",
                project=w.a,
                kind=rng.choice(kinds),
                channel="phone",
                status=status,
                zone=rng.choice([w.a1, w.a2]),
                department=None if status == "new" else dept,
                assignee=None if status == "new" else who,
                title=f"演示工单{i}",
                created_by=w.alice,
                created_at=created,
                resolution_due=due,
                resolved_at=resolved,
            )
        )
    Case.objects.bulk_create(rows)


@pytest.fixture
def open_page(live_server):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
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


def test_manager_dashboard_draws_its_charts_and_a_bar_opens_its_list(world, open_page, live_server):
    now = timezone.now()
    cases = build(world, now)
    busier(world, cases, now)
    page = open_page("mia")
    for key in ("intake", "backlog", "kinds", "overdue_departments"):
        page.locator(f"#chart-{key} svg").first.wait_for()
    assert page.get_by_role("heading", name="本月办结及时率").is_visible()
    assert page.get_by_role("heading", name="超时工单最多的处理人").is_visible()
    page.screenshot(path=SCREENSHOTS / "dashboard-manager.png", full_page=True)
    assert page.console_errors == []

    # Click the bar of 挂起 (waiting) in the backlog chart: the list of exactly those cases opens.
    statuses = page.evaluate(
        "() => JSON.parse(document.getElementById('dash-charts').textContent).find(s => s.id === 'chart-backlog')"
    )
    i = statuses["labels"].index("挂起")
    expected = statuses["values"][i]
    assert expected > 0
    x, y = page.evaluate(
        """([i, v]) => {
            const el = document.getElementById('chart-backlog');
            const p = echarts.getInstanceByDom(el).convertToPixel({seriesIndex: 0}, [i, v / 2]);
            const r = el.getBoundingClientRect();
            return [r.left + p[0], r.top + p[1]];
        }""",
        [i, expected],
    )
    with page.expect_navigation():
        page.mouse.click(x, y)
    assert re.search(r"/cases/\?queue=open&status=waiting$", page.url)
    assert page.get_by_test_id("count").inner_text() == f"共 {expected} 条"
    assert page.console_errors == []


def test_steward_dashboard_on_a_phone(world, open_page, live_server):
    now = timezone.now()
    build(world, now)
    page = open_page("stella", PHONE)
    page.locator("#chart-intake svg").first.wait_for()
    tile = page.locator('[data-figure="visits_today"]')
    assert tile.is_visible() and "今日回访" in tile.inner_text()
    # no sideways scrolling on a 390 px screen
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=SCREENSHOTS / "dashboard-phone-steward.png", full_page=True)
    assert page.console_errors == []
    tile.click()
    page.wait_for_url(f"{live_server.url}/visits/today/")
