"""The authorisation matrix, generated from the URL configuration (issue 9, item 1).

Every URL pattern of kefu/urls.py (pages, htmx fragments, exports, downloads, the portal and /api/v1/) is
requested by every role of authz_rules.ROLES, and by alice and stella on objects outside their scope
(authz_rules.SCOPED); the answer must be the one authz_rules.RULES gives. A pattern with no rule (and not in
authz_rules.EXCLUDED) fails test_every_url_pattern_has_a_rule, naming it. Refused requests must write
nothing. See docs/authz-matrix.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from kefu.core.xlsx import XLSX_MIME

from . import authz_scenario
from .authz_rules import (
    ACTED,
    BACK,
    BLIND,
    CONSOLE,
    EXCLUDED,
    FILL,
    LOGIN,
    PLOGIN,
    PORTAL,
    REFUSED,
    ROLES,
    RULES,
    SCOPED,
    SEES,
    Rule,
)

# Tables a refused request may still write: the session (logging in, flash messages) and nothing else.
WRITE_ALLOWED_TABLES = frozenset({"django_session"})


@dataclass(frozen=True)
class Endpoint:
    name: str  # the key of RULES: the name `reverse` takes ("customers:detail", "cases-detail")
    route: str  # the full route, for messages ("customers/<int:pk>/")
    api: bool
    methods: frozenset[str]  # for DRF routes the methods the router maps; empty (unknown) for Django views


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, Any]]:
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}:{p.namespace}" if namespace and p.namespace else (p.namespace or namespace)
            yield from _walk(p, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if namespace and p.name else (p.name or "")
            yield name, prefix + str(p.pattern), p.callback


def excluded_reason(name: str, route: str) -> str | None:
    for key, reason in EXCLUDED.items():
        if name == key or (key.endswith(":") and (name.startswith(key) or route.startswith(key[:-1] + "/"))):
            return reason
    if "(?P<format>" in route or "<drf_format_suffix:format>" in route:
        return "DRF format-suffix twin of the same view (.json/.api); answered by the same code as its rule"
    return None


def url_patterns(resolver: URLResolver | None = None) -> list[Endpoint]:
    """Every URL pattern of the URLconf except the excluded ones, one per name."""
    seen: dict[str, Endpoint] = {}
    for name, route, callback in _walk(resolver or get_resolver()):
        if excluded_reason(name, route) is not None:
            continue
        key = name or route  # an unnamed pattern is keyed by its route
        methods = frozenset(m.upper() for m in (getattr(callback, "actions", None) or {}))
        seen.setdefault(key, Endpoint(key, route, route.startswith("api/v1/"), methods))
    return list(seen.values())


def without_rule(endpoints: list[Endpoint], rules: dict[str, Rule]) -> list[Endpoint]:
    """The endpoints the rule table says nothing about: each one is a test failure."""
    return [e for e in endpoints if e.name not in rules]


def page_text(r: Any) -> str:
    """What a person would read: the HTML or JSON, or every cell of an xlsx download."""
    body = b"".join(r.streaming_content) if r.streaming else r.content
    if r.get("Content-Type", "").startswith(XLSX_MIME):
        from io import BytesIO

        from openpyxl import load_workbook

        book = load_workbook(BytesIO(body), read_only=True)
        return "\n".join(
            str(v)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for v in row
            if v is not None
        )
    return body.decode(errors="replace")


def base(key: str) -> str:
    """A rule's URL pattern name. Extra rows for the same pattern carry a suffix: a query
    ("customers:units?export=xlsx", the page's xlsx export) or a method ("customers-detail PATCH")."""
    return key.split("?", 1)[0].split(" ", 1)[0]


def columns(name: str) -> list[str]:
    """The matrix columns of one endpoint: every role, plus the out-of-scope ones where the URL names objects
    that side of the scenario has."""
    out = list(ROLES)
    name = base(name)
    if name in FILL:
        needs, _fill = FILL[name]
        for column, (_user, side) in SCOPED.items():
            if needs and set(needs) <= authz_scenario.SIDE_KEYS[side]:
                out.append(column)
    return out


ENDPOINTS = url_patterns()
ROUTES = {e.name: e for e in ENDPOINTS}
RULED = sorted((k for k in RULES if base(k) in ROUTES), key=lambda k: (ROUTES[base(k)].route, k))
CASES = [(key, c) for key in RULED for c in columns(key)]


# The scenario: built once per module, inside one transaction that is rolled back at the end. -------------


@pytest.fixture(scope="module")
def scenario(django_db_setup, django_db_blocker):
    """The scenario, and one logged-in session per user (each test reuses its cookie instead of logging in)."""
    with django_db_blocker.unblock(), transaction.atomic():
        s = authz_scenario.build()
        # One client for the module: each new Client loads the middleware again, and WhiteNoise's scan of the
        # static files then costs more than the request itself.
        s.client = Client()
        s.sessions = {}
        for key, user in s.users.items():
            s.client.force_login(user)
            s.sessions[key] = s.client.cookies[settings.SESSION_COOKIE_NAME].value
            s.client.cookies.clear()
        yield s
        transaction.set_rollback(True)


class WriteWatcher:
    """Records every statement that changes a table (INSERT, UPDATE, DELETE) while a request runs."""

    def __init__(self) -> None:
        self.writes: list[str] = []

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        head = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
        if head in {"INSERT", "UPDATE", "DELETE", "REPLACE"}:
            target = sql.lower()
            if not any(f'"{t}"' in target or f" {t} " in target for t in WRITE_ALLOWED_TABLES):
                self.writes.append(sql[:160])
        return execute(sql, params, many, context)


_ROW_TOTAL_SQL: list[str] = []


def row_total() -> int:
    """Rows in every table but the session table, in one query."""
    if not _ROW_TOTAL_SQL:
        tables = [t for t in connection.introspection.table_names() if t not in WRITE_ALLOWED_TABLES]
        qn = connection.ops.quote_name
        # Table names come from the database's own catalogue, quoted.
        counts = " + ".join(f"(SELECT COUNT(*) FROM {qn(t)})" for t in tables)  # noqa: S608
        _ROW_TOTAL_SQL.append(f"SELECT {counts}")
    with connection.cursor() as cursor:
        cursor.execute(_ROW_TOTAL_SQL[0])
        return int(cursor.fetchone()[0])


def request(client: Any, endpoint: Endpoint, rule: Rule, url: str, data: dict[str, Any], query: str) -> Any:
    if rule.method == "GET":
        return client.get(url + (f"?{query}" if query else ""))
    if endpoint.api:
        return client.generic(rule.method, url, json.dumps(data), content_type="application/json")
    return client.generic(rule.method, url, _form(data), content_type="application/x-www-form-urlencoded")


def _form(data: dict[str, Any]) -> str:
    from urllib.parse import urlencode

    return urlencode(data, doseq=True)


def describe(r: Any) -> str:
    where = f" -> {r['Location']}" if r.has_header("Location") else ""
    return f"{r.status_code}{where}"


def check(r: Any, expected: Any, markers: list[str]) -> str | None:
    """None if the response is the expected answer, else what was wrong."""
    status, location = r.status_code, r.get("Location", "")
    redirects = {
        LOGIN: lambda: status == 302 and location.startswith("/login/?next="),
        PLOGIN: lambda: status == 302 and location.startswith("/m/login/?next="),
        CONSOLE: lambda: status == 302 and location == "/",
        PORTAL: lambda: status == 302 and location == "/m/",
        BACK: lambda: status == 302,
    }
    groups = {REFUSED: {400, 403, 409}, ACTED: {200, 201, 204, 400, 409}}
    if expected in groups:
        return (
            None if status in groups[expected] else f"expected {expected} {sorted(groups[expected])}, got {describe(r)}"
        )
    if expected in redirects:
        return None if redirects[expected]() else f"expected {expected} redirect, got {describe(r)}"
    if expected in (SEES, BLIND):
        if status != 200:
            return f"expected 200 ({expected}), got {describe(r)}"
        text = page_text(r)
        shown = [m for m in markers if m in text]
        if expected == BLIND and shown:
            return f"expected a page without project A's data, but it shows {shown}"
        if expected == SEES and not shown:
            return f"expected the page to show {markers}, it shows neither"
        return None
    return None if status == expected else f"expected {expected}, got {describe(r)}"


@pytest.mark.parametrize(("name", "column"), CASES, ids=[f"{n.replace(' ', '_')}-{c}" for n, c in CASES])
def test_authz_matrix(scenario, db, name, column):
    endpoint, rule = ROUTES[base(name)], RULES[name]
    expected = rule.expect[column]
    user_key, side = SCOPED.get(column, (column, "A"))
    kwargs: dict[str, Any] = {}
    if base(name) in FILL:
        _needs, fill = FILL[base(name)]
        kwargs = fill(scenario.objects[side])
    url = reverse(base(name), kwargs=kwargs)
    objects = scenario.objects[side]
    data = rule.data(objects) if callable(rule.data) else dict(rule.data)
    query = rule.query(objects) if callable(rule.query) else rule.query
    if "?" in name:
        query = "&".join(q for q in (name.split("?", 1)[1].split(" ", 1)[0], query) if q)
    cache.clear()  # the portal's login and tracking throttles count per IP
    client = scenario.client
    client.cookies.clear()
    if user_key != "anon":
        client.cookies[settings.SESSION_COOKIE_NAME] = scenario.sessions[user_key]
    must_not_write = column.split("@")[0] not in rule.ok or "@" in column
    count_rows = must_not_write and rule.method != "GET"
    before = row_total() if count_rows else 0
    watcher = WriteWatcher()
    with connection.execute_wrapper(watcher):
        r = request(client, endpoint, rule, url, data, query)
    problem = check(r, expected, scenario.markers)
    assert problem is None, f"{rule.method} /{endpoint.route} as {column}: {problem}"
    if must_not_write:
        assert watcher.writes == [], f"{rule.method} {url} as {column} was refused but wrote: {watcher.writes}"
        if count_rows:
            assert row_total() == before, f"{rule.method} {url} as {column} changed the number of rows"


def test_every_url_pattern_has_a_rule():
    missing = without_rule(ENDPOINTS, RULES)
    assert not missing, "URL patterns without an authorisation rule in kefu/core/tests/authz_rules.py:\n" + "\n".join(
        f"  {e.name}  (/{e.route})" for e in missing
    )
    stale = sorted(k for k in RULES if base(k) not in ROUTES)
    assert not stale, f"rules for URL patterns that no longer exist: {stale}"
    unfilled = sorted(e.name for e in ENDPOINTS if "<" in e.route and e.name in RULES and e.name not in FILL)
    assert not unfilled, f"URL patterns with arguments but no way to fill them (authz_rules.FILL): {unfilled}"
    for name, rule in RULES.items():
        assert set(rule.expect) >= set(ROLES) | set(SCOPED), name
    wrong = [
        f"{k}: {RULES[k].method} not in {sorted(ROUTES[base(k)].methods)}"
        for k in RULED
        if ROUTES[base(k)].methods and RULES[k].method not in ROUTES[base(k)].methods
    ]
    assert not wrong, f"rules asking with a method the API route does not map: {wrong}"


def test_a_new_url_pattern_without_a_rule_is_reported():
    """The detection itself: a URLconf with one more pattern than the rule table knows fails by name."""
    from django.http import HttpResponse
    from django.urls import include, path

    def view(request):
        return HttpResponse("new")

    extra = URLResolver(
        get_resolver().pattern,
        [path("", include("kefu.urls")), path("brand-new/<int:pk>/", view, name="brand_new")],
    )
    endpoints = url_patterns(extra)
    assert [e.name for e in without_rule(endpoints, RULES)] == ["brand_new"]
    assert {e.name for e in without_rule(ENDPOINTS, RULES)} == set()
    # Excluded routes stay out; format-suffix twins of API routes are not counted twice.
    names = [e.name for e in endpoints]
    assert "admin:index" not in names and "core:healthz" not in names
    assert names.count("cases-detail") == 1


def test_matrix_size_is_recorded():
    """The matrix's size, printed (pytest -s) and written to test-artifacts/authz-matrix.txt with every cell."""
    patterns = {base(k) for k in RULED}
    size = f"authz matrix: {len(patterns)} URL patterns (+{len(RULED) - len(patterns)} extra rows: exports, API writes,"
    size += " other-project probes)"
    size += f" x {len(ROLES)} roles (+{len(SCOPED)} out-of-scope columns where the URL names an object)"
    size += f" = {len(CASES)} cases; {len(EXCLUDED)} exclusion rules"
    print(size)
    out = Path(__file__).resolve().parents[3] / "test-artifacts" / "authz-matrix.txt"
    out.parent.mkdir(exist_ok=True)
    header = ["pattern", "method", *ROLES, *SCOPED]
    lines = [size, "", "\t".join(header)]
    for key in RULED:
        rule = RULES[key]
        present = set(columns(key))
        cells = [str(rule.expect[c]) if c in present else "-" for c in (*ROLES, *SCOPED)]
        lines.append("\t".join([key, rule.method, *cells]))
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert len(CASES) >= len(RULED) * len(ROLES)


def test_the_write_watch_sees_a_write(scenario, db):
    """The "refused requests write nothing" check is not vacuous: a request that writes is seen writing."""
    client = scenario.client
    client.cookies.clear()
    client.cookies[settings.SESSION_COOKIE_NAME] = scenario.sessions["alice"]
    before = row_total()
    watcher = WriteWatcher()
    with connection.execute_wrapper(watcher):
        r = client.post(
            reverse("customers:note_add", kwargs={"pk": scenario.objects["A"]["customer"].pk}), {"text": "备注"}
        )
    assert r.status_code == 302
    assert any("INSERT" in w.upper() for w in watcher.writes)
    assert row_total() > before
