"""End-to-end checks in headless Chromium: login, archive list, customer page, in Chinese."""

import os
from pathlib import Path

import pytest

from kefu import testing as t
from kefu.browser import browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

ARTIFACTS = Path(os.environ.get("KEFU_ARTIFACTS", "test-artifacts")) / "screenshots"


@pytest.fixture
def page(live_server):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with browser() as b:
        ctx = b.new_context(viewport={"width": 1366, "height": 860}, locale="zh-CN")
        pg = ctx.new_page()
        errors: list[str] = []
        pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.console_errors = errors
        yield pg
        ctx.close()


def login(page, live_server, username):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(t.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")


def test_it_logs_in_and_browses_the_archive_in_chinese(world, page, live_server):
    page.goto(f"{live_server.url}/customers/")
    assert "/login/" in page.url
    page.screenshot(path=ARTIFACTS / "login.png")
    page.get_by_label("用户名").fill("alice")
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    assert page.get_by_text("用户名或密码错误").is_visible()

    login(page, live_server, "alice")
    assert page.get_by_role("heading", name="工作台 · 阳光花园").is_visible()
    page.get_by_role("link", name="客户列表").click()
    assert page.get_by_test_id("count").inner_text() == "共 2 条"
    assert page.get_by_text("138****1111").is_visible()
    assert page.get_by_text("李娜").count() == 0
    page.screenshot(path=ARTIFACTS / "customer-list.png", full_page=True)

    page.get_by_label("姓名/电话/房号/编号").fill("王芳")
    page.get_by_role("button", name="查询").click()
    assert page.get_by_test_id("count").inner_text() == "共 1 条"
    page.get_by_role("link", name="王芳").first.click()
    assert page.get_by_role("heading", name="联系方式").is_visible()

    # Reveal the phone number through htmx; the full number replaces the masked one.
    page.get_by_role("button", name="查看完整号码").click()
    page.get_by_text("13900002222").wait_for()
    page.screenshot(path=ARTIFACTS / "customer-detail.png", full_page=True)
    assert page.console_errors == []


def test_it_switches_the_interface_to_english(world, page, live_server):
    login(page, live_server, "alice")
    with page.expect_navigation():
        page.get_by_label("Language").select_option("en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Dashboard · 阳光花园").is_visible()


MAIN_PAGES = [
    "/",
    "/customers/",
    "/customers/units/",
    "/customers/assets/",
    "/customers/key/",
    "/customers/tags/",
    "/customers/import/",
    "/org/projects/",
    "/org/departments/",
    "/org/staff/",
    "/audit/",
]


@pytest.mark.parametrize("viewport", [{"width": 1366, "height": 860}, {"width": 360, "height": 740}])
def test_it_renders_every_main_page_without_console_errors(world, page, live_server, viewport):
    page.set_viewport_size(viewport)
    login(page, live_server, "mia")
    for path in [*MAIN_PAGES, f"/customers/{world.cust_a1.pk}/", f"/customers/units/{world.unit_a1.pk}/"]:
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200, path
        assert page.locator("h1").first.is_visible(), path
    assert page.console_errors == []
    if viewport["width"] < 400:
        # On a phone the side menu folds into the ☰ button.
        page.locator(".mobile-menu summary").click()
        page.locator(".mobile-menu").get_by_role("link", name="员工与岗位").click()
        page.wait_for_url(f"{live_server.url}/org/staff/")
