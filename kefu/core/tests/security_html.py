"""HTML inspection shared by the security tests: parses a page with html.parser and reports live markup that came
from data (XSS) and what the Content Security Policy would refuse (inline handlers, style attributes, inline
scripts and styles without the response's nonce)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from django.urls import Resolver404, resolve

URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "poster"}
EXECUTABLE_TYPES = {"", "text/javascript", "module", "application/javascript"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""


@dataclass
class Page:
    elements: list[Element] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)

    def scripts(self) -> list[Element]:
        return [e for e in self.elements if e.tag == "script"]

    def inline_scripts(self) -> list[Element]:
        return [
            e for e in self.scripts() if "src" not in e.attrs and e.attrs.get("type", "").lower() in EXECUTABLE_TYPES
        ]

    def styles(self) -> list[Element]:
        return [e for e in self.elements if e.tag == "style"]

    def all_strings(self) -> list[str]:
        """Every text node and attribute value, as the browser reads them (entities decoded)."""
        out = list(self.texts)
        for e in self.elements:
            out.extend(e.attrs.values())
            if e.text:
                out.append(e.text)
        return out


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._raw: Element | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        el = Element(tag, {k.lower(): (v or "") for k, v in attrs})
        self.page.elements.append(el)
        if tag in ("script", "style"):
            self._raw = el

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.page.elements.append(Element(tag, {k.lower(): (v or "") for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        if self._raw is not None and tag == self._raw.tag:
            self._raw = None

    def handle_data(self, data: str) -> None:
        if self._raw is not None:
            self._raw.text += data
        else:
            self.page.texts.append(data)


def parse(html: str) -> Page:
    p = _Parser()
    p.feed(html)
    p.close()
    return p.page


def live_markup(page: Page, needle: str = "alert(") -> list[str]:
    """Markup a payload such as <script>alert(1)</script> or "><img src=x onerror=alert(1)> would have made live:
    an executable script containing it, an event-handler attribute containing it, an element the payload brought
    (img src=x, svg), a javascript: URL, JSON in a script element that can close it."""
    found = []
    for e in page.elements:
        for name, value in e.attrs.items():
            if name.startswith("on") and needle in value:
                found.append(f"<{e.tag} {name}={value!r}>")
            if name in URL_ATTRS and re.sub(r"[\s\x00-\x1f]", "", value).lower().startswith("javascript:"):
                found.append(f"<{e.tag} {name}={value!r}>")
        if e.tag == "img" and e.attrs.get("src") == "x":
            found.append("<img src=x>")
        if e.tag == "svg" and "onload" in e.attrs:
            found.append("<svg onload>")
        if e.tag == "script":
            kind = e.attrs.get("type", "").lower()
            if kind in EXECUTABLE_TYPES and needle in e.text:
                found.append(f"<script>{e.text[:80]!r}")
            if kind == "application/json" and "<" in e.text:
                found.append(f"<script type=json> with a raw '<': {e.text[:80]!r}")
    return found


def csp_offences(page: Page, nonce: str | None) -> list[str]:
    """What the policy (settings.SECURE_CSP) refuses: inline event handlers, style="" attributes, javascript: URLs,
    inline <script>/<style> without this response's nonce."""
    bad = []
    for e in page.elements:
        for name, value in e.attrs.items():
            if name.startswith("on"):
                bad.append(f"<{e.tag} {name}=...> (inline event handler)")
            if name == "style":
                bad.append(f"<{e.tag} style={value!r}> (style attribute)")
            if name in URL_ATTRS and value.strip().lower().startswith("javascript:"):
                bad.append(f"<{e.tag} {name}={value!r}> (javascript: URL)")
    for e in page.inline_scripts() + page.styles():
        if not nonce or e.attrs.get("nonce") != nonce:
            bad.append(f"<{e.tag}> without the response's nonce: {e.text.strip()[:60]!r}")
    return bad


def nonce_of(csp_header: str) -> str | None:
    m = re.search(r"'nonce-([^']+)'", csp_header or "")
    return m.group(1) if m else None


# Crawling a role's pages ------------------------------------------------------------------------------

SKIP_URL = re.compile(r"logout|export=|/files/|/media/|/static/|^/admin/|^/api/|/i18n/|download|\.xlsx|/print")


def links(page: Page) -> list[str]:
    out = []
    for e in page.elements:
        for attr in ("href", "hx-get"):
            v = e.attrs.get(attr, "")
            if v.startswith("/") and not v.startswith("//"):
                out.append(v.split("#")[0])
    return out


def crawl(client: Any, start: str | list[str], limit: int, per_route: int) -> Iterator[tuple[str, Any, Page]]:
    """GET pages from `start` breadth first, following links and hx-get fragments, at most `per_route` pages of one
    URL pattern and `limit` pages in all; yields (url, response, parsed page) for each HTML page."""
    seen: set[str] = set()
    queue = [start] if isinstance(start, str) else list(start)
    routes: Counter[str] = Counter()
    while queue and routes.total() < limit:
        url = queue.pop(0)
        if url in seen or SKIP_URL.search(url):
            continue
        seen.add(url)
        try:
            route = resolve(url.split("?")[0]).view_name
        except Resolver404:
            continue
        if routes[route] >= per_route:
            continue
        r = client.get(url, headers={"HX-Request": "true"} if "/panel/" in url else {})
        assert r.status_code < 500, url
        if r.status_code != 200 or not r.get("Content-Type", "").startswith("text/html"):
            continue
        routes[route] += 1
        page = parse(r.content.decode())
        yield url, r, page
        queue.extend(u for u in links(page) if u not in seen)
