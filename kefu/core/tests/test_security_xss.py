"""XSS: script payloads in every user-editable text field of the main models render as text on every page.

The demo data (`seed_demo --small`) fills every table; then every CharField and TextField of Kefu's models
(enumerated from the models, not listed by hand) is overwritten with a payload carrying the field's number:

    javascript:alert(N)//"><img src=x onerror=alert(N)><script>alert(N)</script>{{7*7}}

(shorter fields get "><img src=x onerror=alert(N)> or <svg onload=alert(N)>). Each role's pages are then crawled
from the home page (the staff console) or /m/ (the portal), following links and htmx fragments, and each page is
parsed: no payload may have become markup (a script, an event handler, an <img>, a javascript: URL), and the
payloads must be seen there as text (so the pages did show them). Fields left out are structural (codes, keys,
status names the code reads, derived search text, system-made URLs), listed in SKIP with the reason.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models

from kefu.core.tests.security_html import crawl, live_markup
from kefu.org.models import User

APPS = ["org", "customers", "tickets", "notify", "visits", "surveys", "quality", "reports", "portal", "notices", "kb"]
APPS += ["catalog"]

# Structural text the code reads or writes itself; a user never types it.
SKIP = {
    "org.User.password": "a hash",
    "org.User.first_name": "unused (name is the display name)",
    "org.User.last_name": "unused (name is the display name)",
    "tickets.CaseEvent.kind": "the action's name, read by the timeline code",
    "tickets.CaseEvent.from_status": "a status value",
    "tickets.CaseEvent.to_status": "a status value",
    "tickets.Attachment.content_type": "the sniffed MIME type",
    "tickets.IdempotencyKey.request_hash": "a hash",
    "tickets.SearchDocument.words": "derived search text",
    "tickets.SlaPolicy.escalate_multiples": "a list of numbers the SLA code parses",
    "tickets.CalendarYear.source": "where the holiday table came from",
    "notify.Notification.url": "a link the system makes (reverse())",
    "reports.ReportSubscription.report_key": "a report's registry key",
    "reports.ReportDelivery.period_kind": "a period name",
    "catalog.ServiceOrder.price_unit": "copied from the item's unit choice",
    "kb.FaqArticle.search_question": "derived search text",
    "kb.FaqArticle.search_keywords": "derived search text",
    "kb.FaqArticle.search_answer": "derived search text",
    "kb.Phrase.search_title": "derived search text",
    "kb.Phrase.search_body": "derived search text",
    "customers.RevealLog.channel": "web or api",
    "core.LoginFailure.username": "not shown on pages",
}

# Fields whose payload must be seen on the crawled pages (the text people type and others read).
MUST_SHOW = {
    "tickets.Case.title",
    "tickets.Case.description",
    "tickets.Case.location",
    "tickets.Case.contact_name",
    "tickets.CaseEvent.body",
    "tickets.Category.name",
    "customers.Customer.name",
    "customers.Customer.remark",
    "customers.CustomerNote.text",
    "org.Project.name",
    "org.Zone.name",
    "org.User.name",
    "notices.Notice.title",
    "notices.Notice.body",
    "kb.FaqArticle.question",
    "kb.FaqArticle.answer",
    "kb.Phrase.body",
    "kb.CannedReply.body",
    "visits.ReturnVisit.customer_words",
    "visits.VisitPlan.name",
    "surveys.Survey.name",
    "quality.Check.note",
    "quality.CheckError.cause",
    "visits.VisitAttempt.note",
    "tickets.SlaPolicy.name",
    "tickets.CalendarDay.name",
    "catalog.ServiceItem.name",
}

CRAWL = [  # user, start, most pages, most pages of one route
    ("jingli", "/", 110, 2),
    ("zongbu", "/", 40, 2),
    ("guanjia1", "/", 40, 2),
    ("weixiu1", "/", 20, 2),
    ("zhijian", "/", 40, 2),
    ("yezhu1", "/m/", 40, 2),
]


def payload(k: int, max_length: int | None) -> str | None:
    for p in (
        f'javascript:alert({k})//"><img src=x onerror=alert({k})><script>alert({k})</script>{{{{7*7}}}}',
        f'"><img src=x onerror=alert({k})>',
        f"<svg onload=alert({k})>",
    ):
        if max_length is None or len(p) <= max_length:
            return p
    return None


def text_fields() -> list[tuple[type[models.Model], Any]]:
    out = []
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            unique = {f for ut in model._meta.unique_together for f in ut}
            for c in model._meta.constraints:
                if isinstance(c, models.UniqueConstraint):
                    unique |= set(c.fields)
            for f in model._meta.get_fields():
                if not isinstance(f, models.CharField | models.TextField) or f.primary_key or f.choices:
                    continue
                if f.unique or f.name in unique or f"{model._meta.label}.{f.name}" in SKIP:
                    continue
                out.append((model, f))
    return out


def fill_with_payloads() -> dict[int, str]:
    """Overwrite every text field of every row; returns field number -> "app.Model.field" for tables with rows."""
    names = {}
    for k, (model, f) in enumerate(text_fields(), start=100):
        p = payload(k, f.max_length)
        if p is None:
            continue
        if model._base_manager.update(**{f.name: p}):  # only tables the demo fills
            names[k] = f"{model._meta.label}.{f.name}"
    return names


def deep_pages() -> list[str]:
    """Pages that show the text of rows a breadth-first crawl may not reach: a customer with notes, a visit with
    call attempts, a QC check with errors, the desk settings."""
    from kefu.customers.models import CustomerNote
    from kefu.quality.models import CheckError
    from kefu.visits.models import VisitAttempt

    pages = ["/desk/settings/policies/", "/desk/settings/calendar/", "/desk/settings/categories/"]
    if note := CustomerNote.objects.order_by("pk").first():
        pages.append(f"/customers/{note.customer_id}/")
    if attempt := VisitAttempt.objects.order_by("pk").first():
        pages.append(f"/visits/{attempt.visit_id}/")
    if error := CheckError.objects.order_by("pk").first():
        pages.append(f"/quality/checks/{error.check_item_id}/")
    return pages


@pytest.mark.django_db(transaction=False)
def test_payloads_in_every_text_field_render_as_text_on_every_page(client):
    call_command("seed_demo", "--small", verbosity=0)
    names = fill_with_payloads()
    assert len(names) > 70  # the enumeration found the models' text fields, the demo has rows for them
    assert len(MUST_SHOW & set(names.values())) >= len(MUST_SHOW) - 2
    shown: set[str] = set()
    live: list[str] = []
    literal_template = False
    pages = 0
    for username, start, limit, per_route in CRAWL:
        client.force_login(User.objects.get(username=username))
        starts = [start, *deep_pages()] if username == "zongbu" else [start]
        for url, _response, page in crawl(client, starts, limit, per_route):
            pages += 1
            live += [f"{username} {url}: {m}" for m in live_markup(page)]
            for s in page.all_strings():
                for k in map(int, re.findall(r"alert\((\d+)\)", s)):
                    if k in names:
                        shown.add(names[k])
                literal_template = literal_template or "{{7*7}}" in s
        client.logout()
    assert live == []
    assert pages > 150
    assert sorted((MUST_SHOW & set(names.values())) - shown) == []
    assert literal_template  # shown as typed, never evaluated
