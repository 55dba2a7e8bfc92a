"""Every main page renders at desktop (1366×900) and phone (360×740) size in headless Chromium, without console
errors, page errors, failed requests or error responses for its assets (issue 9, item 7).

The page list is generated from the URLconf: every named route without arguments that answers GET is a page
(opened by the user of its audience), plus one page of each kind that needs an object (DETAIL_PAGES, an object
of the demo data), plus every report of the report centre and every tab of the visit reports. A route that is
not a page (POST-only actions, downloads, htmx fragments, health probes, the API, Django's admin) is listed in
EXCLUDED with the reason; a new route that is neither makes test_every_route_is_a_checked_page_or_excluded fail,
so new pages get checked. The portal and the phone pages of field staff and stewards must also fit the phone's
width (no horizontal scrolling).

The data is the small demo data set (`manage.py seed_demo --small`): real-looking archives, cases in every
status, visits, surveys, QC checks, notices, FAQ and the portal accounts, so that pages show what users see.
Problems are collected page by page and reported together (each failing page also leaves a screenshot in
test-artifacts/screenshots/failures/pages-*.png); the list of what was checked is written to
test-artifacts/pages-render.txt. See docs/browser-tests.md.
"""

from __future__ import annotations

import io
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from kefu.browser import browser
from kefu.core.management.commands.seed_demo import DEMO_PASSWORD

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

ARTIFACTS = Path(os.environ.get("KEFU_ARTIFACTS", "test-artifacts"))
VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 360, "height": 740}}

# Who opens which pages (demo accounts, `seed_demo`): the manager of 阳光花园 holds every permission there.
MANAGER, HEAD_OFFICE, FIELD, STEWARD, RESIDENT, ANONYMOUS = "jingli", "zongbu", "weixiu1", "guanjia1", "yezhu1", ""
YG = "YGHY"  # the demo's residential project

# Routes without arguments opened by someone else than the manager (every other console page: the manager).
USER_OF: dict[str, str] = {
    "login": ANONYMOUS,
    "portal:login": ANONYMOUS,
    "portal:signup": ANONYMOUS,
    "portal:track": ANONYMOUS,
    "desk_settings:policy_create": HEAD_OFFICE,  # the SLA policies of the demo are shared ones: head office's
}
PORTAL_NAMESPACES = ("portal", "portal_notices", "portal_kb", "portal_catalog")
# The pages made for a phone (field staff, stewards): they must fit its width like the portal.
PHONE_PAGES = {"tickets:jobs": FIELD, "visits:today": STEWARD}
# Console pages field staff use on their phones besides tickets:jobs (checked for them too, both sizes).
FIELD_ALSO = ["core:home", "notify:inbox", "notify:preferences", "tickets:workspace"]

POST_ONLY = "POST only (an action behind a button; GET answers 405)"
FRAGMENT = "htmx fragment inside a page (checked as part of that page)"
DOWNLOAD = "a file download (xlsx, image), not a page"
EXCLUDED: dict[str, str] = {
    "logout": POST_ONLY,
    "set_language": POST_ONLY,
    "core:set_project": POST_ONLY,
    "core:healthz": "health probe for the load balancer (plain text)",
    "core:readyz": "readiness probe for the load balancer (plain text)",
    "api-schema": "the OpenAPI document (YAML), fuzzed by schemathesis (item 2)",
    "notify:mark_read": POST_ONLY,
    "notify:open": "marks a notification read and redirects to its case (checked: the case page)",
    "notify:outbox_resend": POST_ONLY,
    "tickets:lookup": FRAGMENT,
    "tickets:duplicates": FRAGMENT,
    "tickets:bulk_dispatch": POST_ONLY,
    "tickets:panel": FRAGMENT + "; each panel also renders in the page with ?panel=",
    "tickets:file": DOWNLOAD,
    "customers:contact_add": POST_ONLY,
    "customers:contact_remove": POST_ONLY,
    "customers:contact_reveal": POST_ONLY,
    "customers:id_reveal": POST_ONLY,
    "customers:note_add": POST_ONLY,
    "customers:grade_set": POST_ONLY,
    "customers:key_set": POST_ONLY,
    "customers:key_remove": POST_ONLY,
    "customers:move_out": POST_ONLY,
    "customers:asset_record_add": POST_ONLY,
    "customers:import_template": DOWNLOAD,
    "kb:faq_delete": POST_ONLY,
    "kb:phrase_delete": POST_ONLY,
    "kb:canned_delete": POST_ONLY,
    "kb:canned_render": FRAGMENT,
    "notices:publish": POST_ONLY,
    "notices:withdraw": POST_ONLY,
    "notices:export": DOWNLOAD,
    "catalog:toggle": POST_ONLY,
    "org:zone_assign": POST_ONLY,
    "org:zone_edit": POST_ONLY + " (the form is on the zone's page)",
    "org:staff_edit": POST_ONLY + " (the form is on the staff member's page)",
    "org:role_edit": POST_ONLY + " (the form is on the staff member's page)",
    "customers:move_in": POST_ONLY + " (the form is on the customer's page)",
    "desk_settings:category_create": POST_ONLY + " (the form is on the category list)",
    "reports:subscription_new": POST_ONLY + " (the form is on the subscriptions page)",
    "reports:subscription_edit": POST_ONLY + " (the form is on the subscriptions page)",
    "org:role_add": POST_ONLY,
    "org:role_end": POST_ONLY,
    "desk_settings:category_toggle": POST_ONLY,
    "desk_settings:day_save": POST_ONLY,
    "desk_settings:day_delete": POST_ONLY,
    "desk_settings:year_mark": POST_ONLY,
    "visits:sign_off": POST_ONLY,
    "visits:finding_add": POST_ONLY,
    "visits:finding_case": POST_ONLY,
    "visits:reassign": POST_ONLY,
    "visits:plan_close": POST_ONLY,
    "visits:policy_new": POST_ONLY,
    "visits:policy_edit": POST_ONLY,
    "visits:script_new": POST_ONLY,
    "visits:script_edit": POST_ONLY,
    "surveys:open": POST_ONLY,
    "surveys:close": POST_ONLY,
    "surveys:decline": POST_ONLY,
    "quality:check_review": POST_ONLY,
    "quality:check_correct": POST_ONLY,
    "quality:plan_new": POST_ONLY,
    "quality:plan_edit": POST_ONLY,
    "quality:draw_new": POST_ONLY,
    "quality:point_new": POST_ONLY,
    "quality:point_edit": POST_ONLY,
    "quality:rule_new": POST_ONLY,
    "quality:rule_edit": POST_ONLY,
    "quality:thresholds": POST_ONLY,
    "qc_reports:reconciliation_recompute": POST_ONLY,
    "qc_reports:reconciliation_sign_off": POST_ONLY,
    "qc_reports:scorecard_weights": POST_ONLY,
    "reports:subscription_toggle": POST_ONLY,
    "reports:subscription_delete": POST_ONLY,
    "reports:subscription_send": POST_ONLY,
    "portal:logout": POST_ONLY,
    "portal:comment": POST_ONLY,
    "portal:cancel": POST_ONLY,
    "portal:file": DOWNLOAD,
    "portal_admin:approve": POST_ONLY,
    "portal_admin:reject": POST_ONLY,
}
EXCLUDED_PREFIXES = {
    "admin:": "Django's admin site (superusers only, Django's own pages)",
    "/api/v1/": "the REST API (JSON), covered by the API and schemathesis tests",
}


def _case_actions() -> dict[str, str]:
    from kefu.tickets.views import SPECS

    return {f"tickets:{action}": POST_ONLY + " (a case action)" for action in SPECS}


# Pages that need an object: route name -> (user, a function of the demo data giving the path).
def _one(model: Any, **filters: Any) -> Any:
    obj = model.objects.filter(**filters).order_by("pk").first()
    assert obj is not None, f"the demo data has no {model.__name__} with {filters}"
    return obj


def _pk(model_path: str, **filters: Any) -> Callable[[str], str]:
    def path(name: str) -> str:
        from django.apps import apps

        return reverse(name, args=[_one(apps.get_model(model_path), **filters).pk])

    return path


def _case_path(name: str, **filters: Any) -> Callable[[str], str]:
    def path(_name: str) -> str:
        from kefu.tickets.models import Case

        return reverse(name, args=[_one(Case, **filters).number])

    return path


def _portal_survey(_name: str) -> str:
    """The demo's open survey asks other households: one of its pending questionnaires goes to the resident."""
    from kefu.customers.models import Customer
    from kefu.surveys.models import Response

    response = _one(Response, survey__status="open", status="pending")
    response.customer = _one(Customer, account__username=RESIDENT)
    response.save(update_fields=["customer"])
    return reverse("portal:survey", args=[response.pk])


def _resident_case(*statuses: str) -> Callable[[str], str]:
    def path(name: str) -> str:
        from kefu.tickets.models import Case

        return reverse(name, args=[_one(Case, customer__account__username=RESIDENT, status__in=statuses).number])

    return path


OPEN = ("new", "dispatched", "accepted", "in_progress", "waiting")
DETAIL_PAGES: dict[str, tuple[str, Callable[[str], str]]] = {
    "tickets:detail": (MANAGER, _case_path("tickets:detail", project__code=YG, status="closed")),
    "customers:detail": (MANAGER, _pk("customers.Customer", occupancies__unit__project__code=YG)),
    "customers:edit": (MANAGER, _pk("customers.Customer", occupancies__unit__project__code=YG)),
    "customers:unit_detail": (MANAGER, _pk("customers.Unit", project__code=YG)),
    "customers:asset_detail": (MANAGER, _pk("customers.Asset", project__code=YG)),
    "org:project_edit": (MANAGER, _pk("org.Project", code=YG)),
    "org:zone_create": (MANAGER, _pk("org.Project", code=YG)),
    "org:zone": (MANAGER, _pk("org.Zone", project__code=YG)),
    "org:department_edit": (MANAGER, _pk("org.Department", project__code=YG)),
    "org:staff_detail": (MANAGER, _pk("org.User", username="kefu1")),
    "desk_settings:category_edit": (HEAD_OFFICE, _pk("tickets.Category", project__isnull=True)),
    "desk_settings:policy_edit": (HEAD_OFFICE, _pk("tickets.SlaPolicy", project__isnull=True)),
    "desk_settings:day_edit": (HEAD_OFFICE, _pk("tickets.CalendarDay")),
    "catalog:edit": (MANAGER, _pk("catalog.ServiceItem", project__code=YG)),
    "notices:detail": (MANAGER, _pk("notices.Notice", project__code=YG)),
    "notices:edit": (MANAGER, _pk("notices.Notice", project__code=YG)),
    "kb:faq_detail": (MANAGER, _pk("kb.FaqArticle")),
    "kb:faq_edit": (MANAGER, _pk("kb.FaqArticle")),
    "kb:phrase_edit": (HEAD_OFFICE, _pk("kb.Phrase")),  # shared phrases: head office
    "kb:canned_edit": (HEAD_OFFICE, _pk("kb.CannedReply")),
    "visits:detail": (MANAGER, _pk("visits.ReturnVisit", project__code=YG, status="pending")),
    "visits:plan": (MANAGER, _pk("visits.VisitPlan", project__code=YG)),
    "surveys:detail": (MANAGER, _pk("surveys.Survey", project__code=YG)),
    "surveys:edit": (MANAGER, _pk("surveys.Survey", project__code=YG, status="open")),
    "surveys:results": (MANAGER, _pk("surveys.Survey", project__code=YG, status="closed")),
    "surveys:responses": (MANAGER, _pk("surveys.Survey", project__code=YG, status="open")),
    "surveys:answer": (MANAGER, _pk("surveys.Response", survey__project__code=YG, survey__status="open")),
    "quality:check": (MANAGER, _pk("quality.Check", project__code=YG)),
    "quality:draw": (MANAGER, _pk("quality.SamplingDraw", plan__project__code=YG)),
    "portal_admin:verification": (MANAGER, _pk("portal.VerificationRequest", project__code=YG)),
    "portal:case": (RESIDENT, _resident_case(*OPEN)),
    "portal:rate": (RESIDENT, _resident_case("resolved", "closed")),
    "portal:survey": (RESIDENT, _portal_survey),
    "portal_notices:detail": (RESIDENT, _pk("notices.Notice", project__code=YG, status="published")),
    "portal_kb:faq_detail": (RESIDENT, _pk("kb.FaqArticle", is_published=True)),
    "portal_catalog:order": (RESIDENT, _pk("catalog.ServiceItem", project__code=YG, is_active=True)),
    "reports:report": (MANAGER, lambda _n: ""),  # every report of the centre: see pages()
}


# The routes of the URLconf ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str  # namespace:name
    route: str  # /cases/<str:number>/
    has_args: bool


def routes() -> list[Route]:
    found: list[Route] = []

    def walk(patterns: list[Any], prefix: str, namespaces: list[str]) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern), [*namespaces, p.namespace] if p.namespace else namespaces)
            elif isinstance(p, URLPattern) and p.name:
                route = prefix + str(p.pattern)
                has_args = bool(getattr(p.pattern, "converters", None)) or "(?P<" in route or "(" in route
                found.append(Route(":".join([*namespaces, p.name]), route, has_args))

    walk(get_resolver().url_patterns, "/", [])
    return found


def exclusion(r: Route) -> str | None:
    for prefix, reason in EXCLUDED_PREFIXES.items():
        if r.name.startswith(prefix) or r.route.startswith(prefix):
            return reason
    return EXCLUDED.get(r.name) or _case_actions().get(r.name)


@dataclass
class Page:
    label: str  # the route name, or the route name and what is special
    user: str
    path: str
    fits_phone: bool = False  # must not scroll sideways at phone size
    result: dict[str, Any] = field(default_factory=dict)


def pages() -> list[Page]:
    """The pages to open, from the URLconf (needs the demo data for the pages of objects)."""
    from kefu.reports.registry import all_reports

    out: list[Page] = []
    for r in routes():
        if exclusion(r) is not None:
            continue
        portal = r.name.split(":")[0] in PORTAL_NAMESPACES
        if r.has_args:
            user, path = DETAIL_PAGES[r.name]
            if r.name == "reports:report":
                for report in all_reports().values():  # the case reports and the visit reports' tabs
                    out.append(Page(f"report {report.key}", MANAGER, report.url))
                continue
            out.append(Page(r.name, user, path(r.name), fits_phone=portal))
            continue
        if r.name in PHONE_PAGES:
            out.append(Page(r.name, PHONE_PAGES[r.name], reverse(r.name), fits_phone=True))
            continue
        user = USER_OF.get(r.name, RESIDENT if portal else MANAGER)
        out.append(Page(r.name, user, reverse(r.name), fits_phone=portal))
    for name in FIELD_ALSO:
        out.append(Page(f"{name} (field staff)", FIELD, reverse(name)))
    out.append(Page("tickets:detail (field staff)", FIELD, _field_case()))
    return out


def _field_case() -> str:
    from kefu.tickets.models import Case

    return reverse("tickets:detail", args=[_one(Case, assignee__username=FIELD, status__in=OPEN).number])


def test_every_route_is_a_checked_page_or_excluded():
    """A new route must be a page this module opens or be excluded here with a reason."""
    names = {r.name for r in routes()}
    unclassified = [
        r.route + "  " + r.name for r in routes() if r.has_args and exclusion(r) is None and r.name not in DETAIL_PAGES
    ]
    assert unclassified == [], "add these routes to DETAIL_PAGES or EXCLUDED: " + ", ".join(unclassified)
    stale = sorted((set(EXCLUDED) | set(DETAIL_PAGES) | set(USER_OF) | set(PHONE_PAGES) | set(FIELD_ALSO)) - names)
    assert stale == [], f"routes that no longer exist: {stale}"
    assert {"tickets:workspace", "portal:report", "tickets:jobs", "reports:index"} <= names


# The browser ----------------------------------------------------------------------------------------------------


class Watcher:
    """One logged-in tab per user and size; collects what goes wrong while a page loads."""

    def __init__(self, ctx: Any, base: str):
        self.page = ctx.new_page()
        self.base = base
        self.events: list[str] = []
        self.inflight: set[Any] = set()
        pg = self.page
        pg.on("console", lambda m: self.events.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        pg.on("pageerror", lambda e: self.events.append(f"pageerror: {e}"))
        pg.on("request", lambda r: self.inflight.add(r))
        pg.on("requestfinished", lambda r: self.inflight.discard(r))
        pg.on("requestfailed", self._failed)
        pg.on("response", self._response)

    def _failed(self, r: Any) -> None:
        self.inflight.discard(r)
        self.events.append(f"requestfailed: {r.url} {r.failure}")

    def _response(self, r: Any) -> None:
        if r.status >= 400 and r.request.resource_type != "document":
            self.events.append(f"HTTP {r.status}: {r.url}")

    def settle(self) -> None:
        """Wait until htmx and every subresource request has finished (at most 10 s)."""
        self.page.wait_for_function("() => !document.querySelector('.htmx-request')", timeout=10_000)
        deadline = time.monotonic() + 10
        while self.inflight and time.monotonic() < deadline:
            self.page.wait_for_timeout(50)

    def open(self, path: str) -> dict[str, Any]:
        self.events.clear()
        try:
            response = self.page.goto(self.base + path, wait_until="load")
        except Exception as e:  # an error status with an empty body: Chromium shows its own error page
            self.events.append(f"navigation failed: {str(e).splitlines()[0]}")
            response = None
        self.settle()
        status = response.status if response else None
        final = self.page.url.removeprefix(self.base)
        overflow = self.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        return {"status": status, "final": final, "overflow": overflow, "events": list(self.events)}


def _login(w: Watcher, user: str) -> None:
    pg = w.page
    if user == RESIDENT:
        pg.goto(f"{w.base}/m/login/")
        pg.get_by_label("手机号").fill(user)
        pg.get_by_label("密码").fill(DEMO_PASSWORD)
        pg.get_by_role("button", name="登录").click()
        pg.wait_for_url(f"{w.base}/m/")
    elif user:
        pg.goto(f"{w.base}/login/")
        pg.get_by_label("用户名").fill(user)
        pg.get_by_label("密码").fill(DEMO_PASSWORD)
        pg.get_by_role("button", name="登录").click()
        pg.wait_for_url(f"{w.base}/")
    w.settle()


def _problems(page: Page, viewport: str, r: dict[str, Any]) -> list[str]:
    found = []
    if r["status"] != 200:
        found.append(f"HTTP {r['status']} (ended at {r['final']})")
    found += r["events"]
    if viewport == "phone" and page.fits_phone and r["overflow"] > 1:
        found.append(f"scrolls sideways at phone size: {r['overflow']}px wider than the screen")
    return found


def check_pages(base: str, todo: list[Page]) -> tuple[list[str], list[str]]:
    """Open every page at each size; (one line per check, the problems of the pages that failed)."""
    failures_dir = ARTIFACTS / "screenshots" / "failures"
    for old in failures_dir.glob("pages-*.png"):  # a previous run's
        old.unlink()
    lines: list[str] = []
    failures: list[str] = []
    with browser() as b:
        for viewport, size in VIEWPORTS.items():
            phone = viewport == "phone"
            tabs: dict[str, Watcher] = {}
            for page in todo:
                if page.user not in tabs:
                    ctx = b.new_context(viewport=size, locale="zh-CN", is_mobile=phone, has_touch=phone)
                    tabs[page.user] = Watcher(ctx, base)
                    _login(tabs[page.user], page.user)
                r = tabs[page.user].open(page.path)
                problems = _problems(page, viewport, r)
                who = page.user or "anonymous"
                lines.append(
                    f"{viewport:7} {who:8} {page.path:45} {r['status']} overflow={r['overflow']}px "
                    f"{'OK' if not problems else 'FAIL'}  {page.label}"
                )
                if problems:
                    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"pages-{viewport}-{page.label}").strip("_")
                    failures_dir.mkdir(parents=True, exist_ok=True)
                    tabs[page.user].page.screenshot(path=failures_dir / f"{stem}.png", full_page=True)
                    failures.append(f"[{viewport}] {page.label} {page.path} as {who}:\n    " + "\n    ".join(problems))
            for w in tabs.values():
                w.page.context.close()
    return lines, failures


@pytest.mark.browser
@pytest.mark.timeout(600)  # about 130 pages x 2 sizes and the demo data: 3-4 minutes on 2 cores
@pytest.mark.django_db(transaction=True)
def test_every_main_page_renders_cleanly_at_desktop_and_phone_size(live_server):
    call_command("seed_demo", "--small", stdout=io.StringIO())
    cache.clear()  # login throttles count per IP
    todo = pages()
    started = time.monotonic()
    lines, failures = check_pages(live_server.url, todo)
    elapsed = time.monotonic() - started
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    summary = f"{len(todo)} pages x {len(VIEWPORTS)} viewports = {len(lines)} checks in {elapsed:.0f}s, "
    summary += f"{len(failures)} with problems"
    (ARTIFACTS / "pages-render.txt").write_text(summary + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    assert failures == [], summary + "\n" + "\n".join(failures)
