"""Headless Chromium for browser tests and screenshots (Debian's /usr/bin/chromium via Playwright)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

# The browsers `browser()` has open now (screenshots of a failed test's pages: save_open_pages).
OPEN_BROWSERS: list[Any] = []


def chromium_path() -> str | None:
    for candidate in (os.environ.get("KEFU_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


@contextmanager
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    if path is None:
        raise RuntimeError("Chromium not found: apt-get install -y chromium fonts-wqy-microhei")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        OPEN_BROWSERS.append(b)
        try:
            yield b
        finally:
            OPEN_BROWSERS.remove(b)
            b.close()


def save_open_pages(directory: Path, stem: str) -> list[Path]:
    """A full-page screenshot of every page still open in a browser of `browser()`, as <stem>-<n>.png
    (kefu/conftest.py calls it when a test fails, before the test's fixtures close their pages)."""
    saved: list[Path] = []
    pages = [pg for b in OPEN_BROWSERS for ctx in b.contexts for pg in ctx.pages if not pg.is_closed()]
    for n, pg in enumerate(pages, start=1):
        target = directory / f"{stem}-{n}.png"
        try:
            directory.mkdir(parents=True, exist_ok=True)
            pg.screenshot(path=target, full_page=True, timeout=10_000)
        except Exception:  # noqa: S112  (a crashed or hung page: keep the others)
            continue
        saved.append(target)
    return saved
