"""The Content Security Policy in headless Chromium: the pages work under it without a single violation (charts
drawn, tooltips shown, htmx panels, confirm dialogs and the project switcher driven by kefu.js instead of inline
handlers), and it does refuse what an injection would bring (an inline handler, a script without the nonce)."""

from __future__ import annotations

import os

import pytest
from django.utils import timezone

from kefu import testing as t
from kefu.browser import browser
from kefu.customers.models import Contact
from kefu.reports.tests.test_dashboard import build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

# Every violation the page reports, kept across navigations of the same page.
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sample || ""));
});
"""


@pytest.fixture
def open_page(live_server):
    with browser() as b:
        contexts = []

        def make(username):
            ctx = b.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
            contexts.append(ctx)
            pg = ctx.new_page()
            pg.add_init_script(WATCH)
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


def violations(page) -> list[str]:
    return page.evaluate("() => window.__csp")


def test_the_pages_work_under_the_policy_without_a_violation(world, open_page, live_server):
    build(world, timezone.now())
    page = open_page("mia")
    # The dashboard (the home page): ECharts draws (SVG), and a tooltip shows (rich text, no style attributes).
    page.locator("#chart-intake svg").first.wait_for()
    box = page.locator("#chart-intake").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.move(box["x"] + box["width"] / 2 + 5, box["y"] + box["height"] / 2)
    assert violations(page) == [] and page.console_errors == []

    # The project switcher submits on change (data-autosubmit, no onchange=).
    page.goto(f"{live_server.url}/customers/")
    with page.expect_navigation():
        page.locator("#project-select").select_option(str(world.a.pk))
    assert violations(page) == []

    # A confirm dialog (data-confirm, no onsubmit=): dismissed, nothing happens; accepted, the contact goes.
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" and "/contacts/" in r.url else None)
    page.goto(f"{live_server.url}/customers/{world.cust_a1.pk}/")
    remove = page.locator("form[data-confirm] button", has_text="删除").first
    asked: list[str] = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    remove.click()
    page.once("dialog", lambda d: (asked.append(d.message), d.accept()))
    with page.expect_navigation():
        remove.click()
    assert asked == ["确定删除该联系方式？"] * 2
    assert len(posts) == 1  # only the accepted one was sent
    assert Contact.objects.filter(customer=world.cust_a1).count() == 0
    assert violations(page) == [] and page.console_errors == []


def test_the_policy_refuses_injected_handlers_and_scripts(world, open_page, live_server):
    page = open_page("mia")
    page.evaluate(
        """() => {
            document.body.insertAdjacentHTML("beforeend", '<img src="/nope.png" onerror="window.__pwned = 1">');
            const s = document.createElement("script");
            s.textContent = "window.__pwned2 = 1";
            document.body.appendChild(s);
        }"""
    )
    page.wait_for_function("() => window.__csp.length >= 2")
    assert page.evaluate("() => [window.__pwned, window.__pwned2]") == [None, None]
    seen = " ".join(violations(page))
    assert "script-src" in seen
