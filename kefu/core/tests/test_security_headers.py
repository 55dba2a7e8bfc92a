"""Security headers and the Content Security Policy on pages, the portal and the API; the production settings
(KEFU_PRODUCTION=1) loaded in a fresh interpreter, and `manage.py check --deploy` clean there."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token

from kefu.core.tests.security_html import crawl, csp_offences, nonce_of, parse
from kefu.org.models import User

ROOT = Path(__file__).resolve().parents[3]

POLICY = [
    "default-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
    "img-src 'self' data: blob:",
]


def directives(header: str) -> dict[str, list[str]]:
    out = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def assert_security_headers(r) -> None:
    csp = r.headers["Content-Security-Policy"]
    for d in POLICY:
        assert d in csp, d
    parsed = directives(csp)
    for name in ("script-src", "style-src"):
        assert parsed[name][0] == "'self'" and all(v.startswith("'nonce-") for v in parsed[name][1:]), csp
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "same-origin"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_a_staff_page_carries_the_security_headers_and_its_scripts_carry_the_nonce(client, world):
    client.force_login(world.mia)
    r = client.get("/")
    assert r.status_code == 200
    assert_security_headers(r)
    nonce = nonce_of(r.headers["Content-Security-Policy"])
    page = parse(r.content.decode())
    assert nonce and page.inline_scripts() and all(s.attrs["nonce"] == nonce for s in page.inline_scripts())
    assert csp_offences(page, nonce) == []
    # A fresh nonce for every response.
    assert nonce_of(client.get("/").headers["Content-Security-Policy"]) != nonce


def test_the_login_page_and_the_portal_carry_the_security_headers(client, db):
    for url in ("/login/", "/m/login/", "/m/signup/", "/m/track/"):
        r = client.get(url)
        assert r.status_code == 200, url
        assert_security_headers(r)
        assert csp_offences(parse(r.content.decode()), nonce_of(r.headers["Content-Security-Policy"])) == []


def test_the_api_carries_the_security_headers(client, world):
    token = Token.objects.create(user=world.alice)
    r = client.get("/api/v1/cases/", headers={"Authorization": f"Token {token.key}"})
    assert r.status_code == 200
    assert_security_headers(r)
    r = client.get("/api/v1/cases/")  # refused, and still with the headers
    assert r.status_code in (401, 403)
    assert_security_headers(r)


def test_the_api_docs_page_relaxes_only_style_src_for_swagger_ui(client, world):
    client.force_login(world.mia)
    r = client.get("/api/docs/")
    assert r.status_code == 200
    parsed = directives(r.headers["Content-Security-Policy"])
    assert parsed["style-src"] == ["'self'", "'unsafe-inline'"]
    assert parsed["script-src"][0] == "'self'" and "'unsafe-inline'" not in parsed["script-src"]
    page = parse(r.content.decode())
    assert page.inline_scripts() == []  # Swagger UI's start script comes as a file (the split view)


def test_every_page_of_the_demo_obeys_the_content_security_policy(client, db):
    """Crawls the demo's pages as the manager, a steward and a resident: no inline event handler, no style
    attribute, no javascript: URL, every inline <script> and <style> with the response's nonce."""
    call_command("seed_demo", "--small", verbosity=0)
    offences, pages = [], 0
    for username, start, limit in (("jingli", "/", 120), ("guanjia1", "/", 30), ("yezhu1", "/m/", 40)):
        client.force_login(User.objects.get(username=username))
        for url, response, page in crawl(client, start, limit, 2):
            pages += 1
            assert "Content-Security-Policy" in response.headers, url
            # A fragment swapped in by htmx runs under the nonce of the page it lands on, not its own: none at all.
            fragment = not any(e.tag == "html" for e in page.elements)
            nonce = None if fragment else nonce_of(response.headers["Content-Security-Policy"])
            offences += [f"{url}: {o}" for o in csp_offences(page, nonce)]
        client.logout()
    assert pages > 100
    assert offences == []


# Production settings ----------------------------------------------------------------------------------------


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    # A production process's environment: none of the test run's own settings (KEFU_*, DATABASE_URL), and not
    # DJANGO_ALLOW_ASYNC_UNSAFE, which the browser test modules set for Playwright in this process.
    dropped = {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_") and k not in dropped}
    env.update(
        DJANGO_SETTINGS_MODULE="kefu.settings",
        KEFU_PRODUCTION="1",
        KEFU_VAR_DIR=str(tmp_path),
        KEFU_SECRET_KEY=secrets.token_urlsafe(50),
        KEFU_ALLOWED_HOSTS="kefu.example.cn",
        **extra,
    )
    return env


def load_settings(tmp_path: Path, **extra: str) -> dict[str, object]:
    names = [
        "DEBUG",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SECURE_PROXY_SSL_HEADER",
        "SECURE_CONTENT_TYPE_NOSNIFF",
        "X_FRAME_OPTIONS",
        "SECURE_CSP",
        "ALLOWED_HOSTS",
    ]
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}, default=str))"
    )
    out = subprocess.run(  # noqa: S603  (our own code)
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=production_env(tmp_path, **extra),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_production_settings_turn_on_secure_cookies_hsts_and_the_https_redirect(tmp_path):
    s = load_settings(tmp_path)
    assert s["DEBUG"] is False
    assert s["SESSION_COOKIE_SECURE"] is True and s["CSRF_COOKIE_SECURE"] is True and s["SESSION_COOKIE_HTTPONLY"]
    assert s["SECURE_SSL_REDIRECT"] is True
    assert s["SECURE_HSTS_SECONDS"] >= 31536000
    assert s["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True and s["SECURE_HSTS_PRELOAD"] is True
    assert s["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert s["SECURE_CONTENT_TYPE_NOSNIFF"] is True and s["X_FRAME_OPTIONS"] == "DENY"
    assert s["SECURE_CSP"]["frame-ancestors"] == ["'none'"]
    assert s["ALLOWED_HOSTS"] == ["kefu.example.cn"]
    # KEFU_SSL_REDIRECT=0 leaves the redirect to the proxy and keeps the rest.
    s = load_settings(tmp_path, KEFU_SSL_REDIRECT="0")
    assert s["SECURE_SSL_REDIRECT"] is False and s["SESSION_COOKIE_SECURE"] is True


def test_the_development_settings_keep_cookies_usable_over_plain_http(settings):
    assert not settings.SESSION_COOKIE_SECURE and not getattr(settings, "SECURE_SSL_REDIRECT", False)


def test_check_deploy_reports_no_issues_in_production_mode(tmp_path):
    out = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "System check identified no issues" in out.stdout, out.stdout + out.stderr


def test_check_deploy_does_complain_outside_production_mode(tmp_path):
    """The check above can fail: without KEFU_PRODUCTION the same command reports the insecure settings."""
    env = production_env(tmp_path)
    env.pop("KEFU_PRODUCTION")
    out = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert out.returncode != 0
    assert "security.W004" in out.stderr + out.stdout  # no HSTS
    assert "security.W012" in out.stderr + out.stdout  # session cookie not secure


@pytest.mark.parametrize("path", ["/login/", "/m/login/", "/api/v1/cases/"])
def test_production_redirects_plain_http_to_https_and_sends_hsts_over_https(tmp_path, path):
    """Through the real settings in a fresh interpreter: plain http is sent to https, a request the proxy marks as
    https gets HSTS and secure cookies, the health check answers over plain http."""
    code = f"""
import json, django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
from django.conf import settings
from django.test import override_settings
# Templates need the collectstatic manifest in production; these requests test the middleware, not the files.
override_settings(STORAGES={{**settings.STORAGES, "staticfiles": {{
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}}}).enable()
c = Client()
plain = c.get({path!r}, HTTP_HOST="kefu.example.cn")
secure = c.get({path!r}, HTTP_HOST="kefu.example.cn", HTTP_X_FORWARDED_PROTO="https")
health = c.get("/healthz", HTTP_HOST="kefu.example.cn")
print(json.dumps({{
    "plain": [plain.status_code, plain.get("Location", "")],
    "secure_hsts": secure.get("Strict-Transport-Security", ""),
    "secure_status": secure.status_code,
    "cookies": {{k: bool(v["secure"]) for k, v in secure.cookies.items()}},
    "health": health.status_code,
}}))
"""
    out = subprocess.run(  # noqa: S603  (our own code)
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=production_env(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["plain"] == [301, f"https://kefu.example.cn{path}"]
    assert got["secure_hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert got["secure_status"] != 301
    assert all(got["cookies"].values())
    assert got["health"] != 301
