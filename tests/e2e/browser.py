"""Playwright driving Debian's Chromium (never `playwright install`), with screenshots as artifacts and
axe-core (vendored from npm in tests/vendor) for accessibility checks."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe.min.js"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def skip_reason() -> str | None:
    if not os.path.exists(CHROMIUM):
        return f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium; .ci/run does)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright (Python) is not installed: pip install -e '.[dev]'"
    return None


needs_browser = pytest.mark.skipif(skip_reason() is not None, reason=skip_reason() or "")


@contextmanager
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Shots:
    """Numbered screenshots of a test's steps under tests/artifacts/<test>/."""

    def __init__(self, name: str) -> None:
        self.dir = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def take(self, page: Any, step: str) -> Path:
        self.count += 1
        path = self.dir / f"{self.count:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


def axe_violations(page: Any, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """Run axe-core on the page; describe each violation of the given impacts."""
    # evaluated through DevTools, not added as a <script>: the page's CSP refuses inline scripts
    page.evaluate(f"() => {{ {AXE.read_text()}\n }}")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}"
        for v in result["violations"]
        if v["impact"] in impacts
    ]


class CspWatched:
    """A browser whose contexts record every Content-Security-Policy refusal the pages log, so a test
    can assert that onwatch's own pages never need what their policy forbids."""

    def __init__(self, browser: Any) -> None:
        self.browser = browser
        self.violations: list[str] = []

    def new_context(self, **options: Any) -> Any:
        context = self.browser.new_context(**options)

        def on_console(message: Any) -> None:
            if "Content Security Policy" in message.text:
                self.violations.append(f"{message.location.get('url', '')}: {message.text}")

        context.on("console", on_console)
        return context
