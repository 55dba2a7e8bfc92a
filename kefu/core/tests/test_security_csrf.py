"""CSRF: every form carries the token, a POST without it is refused (403), session-authenticated API calls need it
too; only the token-authenticated API is exempt by design (no cookie a browser would send on its own)."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.authtoken.models import Token

from kefu.core.tests.security_html import crawl, parse
from kefu.org.models import User
from kefu.tickets.models import Case


def strict(user=None) -> Client:
    c = Client(enforce_csrf_checks=True)
    if user is not None:
        c.force_login(user)
    return c


def token_of(client: Client, url: str) -> str:
    page = parse(client.get(url).content.decode())
    for e in page.elements:
        if e.tag == "input" and e.attrs.get("name") == "csrfmiddlewaretoken":
            return e.attrs["value"]
    raise AssertionError(f"no CSRF token on {url}")


def walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p.callback


def test_only_the_rest_api_is_exempt_from_the_csrf_check():
    exempt = sorted(route for route, view in walk(get_resolver().url_patterns) if getattr(view, "csrf_exempt", False))
    # DRF's views are exempt from the middleware and check CSRF themselves for session-authenticated requests
    # (SessionAuthentication.enforce_csrf), tested below; no page is exempt.
    assert exempt and all(r.startswith(("api/v1/", "api/schema/", "api/docs/")) for r in exempt), exempt


def test_a_form_post_without_the_token_is_refused_and_writes_nothing(world):
    c = strict(world.alice)
    data = {"kind": "repair", "channel": "phone", "title": "卫生间漏水", "unit": world.unit_a1.pk}
    r = c.post("/cases/new/", data)
    assert r.status_code == 403 and "CSRF" in r.content.decode()
    assert not Case.objects.exists()
    # With the page's token the same client gets past the check (the form then answers for itself).
    r = c.post("/cases/new/", {**data, "csrfmiddlewaretoken": token_of(c, "/cases/new/")})
    assert r.status_code != 403


def test_the_login_forms_need_the_token(world):
    for url in ("/login/", "/m/login/", "/m/signup/"):
        r = strict().post(url, {"username": "alice", "password": "x"})
        assert r.status_code == 403, url
    c = strict()
    r = c.post("/login/", {"username": "alice", "password": "x", "csrfmiddlewaretoken": token_of(c, "/login/")})
    assert r.status_code == 200  # past the check: the form says the password is wrong


def test_the_session_api_needs_the_token_and_the_token_api_does_not(world):
    body = {
        "kind": "repair",
        "channel": "phone",
        "title": "卫生间漏水",
        "project": "A",
        "unit": world.unit_a1.pk,
    }
    c = strict(world.alice)
    r = c.post("/api/v1/cases/", json.dumps(body), content_type="application/json")
    assert r.status_code == 403 and "CSRF" in r.content.decode()
    assert not Case.objects.exists()
    # The page's token, sent as htmx sends it (hx-headers on <body>), lets the session call through.
    page = parse(c.get("/cases/").content.decode())
    [body_tag] = [e for e in page.elements if e.tag == "body"]
    header = json.loads(body_tag.attrs["hx-headers"])["X-CSRFToken"]
    r = c.post("/api/v1/cases/", json.dumps(body), content_type="application/json", headers={"X-CSRFToken": header})
    assert r.status_code == 201, r.content
    # A token-authenticated client has no session cookie to abuse: no CSRF check.
    token = Token.objects.create(user=world.alice)
    r = strict().post(
        "/api/v1/cases/",
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Token {token.key}"},
    )
    assert r.status_code == 201, r.content
    assert Case.objects.count() == 2


def test_a_portal_post_without_the_token_is_refused(world):
    from kefu.portal.services import account_signup

    resident = account_signup(mobile="13600006666", name="赵六", password="Kefu-test-2026")
    c = strict(resident)
    r = c.post("/m/report/", {"kind": "repair", "title": "水管漏水", "description": "厨房"})
    assert r.status_code == 403
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_every_post_form_on_the_demo_pages_carries_the_csrf_token(client):
    call_command("seed_demo", "--small", verbosity=0)
    missing, forms = [], 0
    for username, start, limit in (
        ("jingli", "/", 120),
        ("guanjia1", "/", 30),
        ("weixiu1", "/", 20),
        ("yezhu1", "/m/", 40),
    ):
        client.force_login(User.objects.get(username=username))
        for url, _response, page in crawl(client, start, limit, 2):
            # Forms and their CSRF inputs, in document order: each POST form must hold one before the next form.
            current = None
            for e in page.elements:
                if e.tag == "form":
                    if current is not None and not current[1]:
                        missing.append(current[0])
                    post = e.attrs.get("method", "get").lower() == "post"
                    current = (f"{url} -> {e.attrs.get('action', '')}", False) if post else None
                    forms += post
                elif current is not None and e.tag == "input" and e.attrs.get("name") == "csrfmiddlewaretoken":
                    current = (current[0], True)
            if current is not None and not current[1]:
                missing.append(current[0])
        client.logout()
    assert forms > 50
    assert missing == []
