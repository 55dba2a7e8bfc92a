"""Take the README's screenshots from a running Kefu with demo data.

KEFU_VAR_DIR=/tmp/kefu-shot bin/run &          # or any running instance with demo data
.venv/bin/python tools/screenshots.py http://127.0.0.1:8000 docs/screenshots
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kefu.browser import browser

PAGES = [
    ("customer-list", "/customers/"),
    ("units", "/customers/units/"),
    ("projects", "/org/projects/"),
    ("departments", "/org/departments/"),
    ("staff", "/org/staff/"),
    ("import", "/customers/import/"),
    ("audit", "/audit/"),
    ("home", "/"),
]


def main(base: str, out: Path, username: str = "jingli", password: str = "kefu2026!") -> None:  # noqa: S107 (the demo password)
    out.mkdir(parents=True, exist_ok=True)
    with browser() as b:
        page = b.new_page(viewport={"width": 1366, "height": 860}, locale="zh-CN")
        page.goto(f"{base}/login/")
        page.screenshot(path=out / "login.png")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{base}/")
        # One archive edit, so that the audit log has something to show.
        page.goto(f"{base}/customers/?q=YGHY-000002")
        page.locator("table.list tbody a").first.click()
        page.get_by_role("link", name="编辑档案").click()
        page.get_by_label("备注").fill("业主来电更正：常住人口 3 人")
        page.get_by_role("button", name="保存").click()
        page.wait_for_load_state()
        for name, path in PAGES:
            page.goto(base + path)
            page.screenshot(path=out / f"{name}.png")
        # A customer page: the first key customer, with the phone revealed.
        page.goto(f"{base}/customers/?key=1")
        page.locator("table.list tbody a").first.click()
        page.wait_for_load_state()
        page.screenshot(path=out / "customer-detail.png", full_page=True)
        button = page.get_by_role("button", name="查看完整号码").first
        if button.count():
            button.click()
            page.wait_for_timeout(300)
            page.screenshot(path=out / "customer-detail-revealed.png", full_page=True)
        # Phone size: the archive list on a 390 px screen.
        phone = b.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
        phone.context.add_cookies(page.context.cookies())
        phone.goto(f"{base}/customers/")
        phone.screenshot(path=out / "customer-list-phone.png")
        phone.locator(".mobile-menu summary").click()
        phone.screenshot(path=out / "menu-phone.png")


if __name__ == "__main__":
    base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
    main(base, Path(sys.argv[2] if len(sys.argv) > 2 else "docs/screenshots"))
