"""A review written and completed in a real browser (Chromium through Playwright) against a real
server: open it from the list, write a section with its Markdown preview, save, add a corrective
action, complete it; the incident then carries the final severity and the Review-Completed label."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from onwatch.bootstrap import Onwatch
from onwatch.config.schema import OnwatchConfig
from onwatch.db.uow import Database
from onwatch.kernel.clock import FakeClock
from tests.e2e.browser import CspWatched, Shots, axe_violations, chromium, needs_browser
from tests.e2e.test_web_browser import Site, sign_in
from tests.live import LiveServer
from tests.web_helpers import set_passwords

pytestmark = [pytest.mark.e2e, needs_browser]


@pytest.fixture
def site(onwatch: Onwatch, db: Database, clock: FakeClock, org: OnwatchConfig) -> Iterator[Site]:
    set_passwords(db, clock, "lukas", "nadia")
    with LiveServer(onwatch.api()) as server:
        yield Site(server.url, db, clock)


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as b:
        watched = CspWatched(b)
        yield watched
        assert watched.violations == [], "a page needed something its Content-Security-Policy refuses"


def resolved_s2(site: Site) -> int:
    maria, lukas, nadia = site.api("maria"), site.api("lukas"), site.api("nadia")
    n = maria.post(
        "/api/v1/incidents", json={"title": "Checkout errors", "severity": "S2", "services": ["web"]}
    ).json()["id"]
    assert lukas.post(f"/api/v1/incidents/{n}/roles/eoc/engage", json={}).status_code == 200
    assert nadia.post(f"/api/v1/incidents/{n}/roles/imoc/engage", json={}).status_code == 200
    assert nadia.post(f"/api/v1/incidents/{n}/resolve").status_code == 200
    return int(n)


def test_a_review_is_written_with_a_preview_and_completed_in_the_browser(
    site: Site, browser: Any, request: pytest.FixtureRequest
) -> None:
    n = resolved_s2(site)
    shots = Shots(request.node.name)
    page = sign_in(browser, site, "lukas")
    page.click("nav >> text=Reviews")
    page.click("text=#1 Checkout errors")
    page.wait_for_selector("h1:has-text('Review #1: Checkout errors')")
    assert axe_violations(page) == []
    shots.take(page, "review")
    page.click("summary:has-text('Edit the review')")
    page.fill("#section-summary", "Checkout failed for **12%** of users for 40 minutes.")
    page.click("button:has-text('Preview summary')")
    page.wait_for_selector("#preview-summary strong:has-text('12%')")
    page.fill("#section-root_cause", "A config change halved the connection pool.")
    shots.take(page, "preview")
    page.click("#save-review")
    page.wait_for_selector("#shown-summary strong:has-text('12%')")
    page.fill("#ca-title", "Validate pool sizes in CI")
    page.click("#add-action")
    page.wait_for_selector("td:has-text('Validate pool sizes in CI')")
    page.select_option("#category", "Config-Change")
    page.select_option("#final-severity", "S1")
    page.click("#complete-review")
    page.wait_for_selector("#facts-h:has-text('Completed')")
    shots.take(page, "completed")
    assert "Incident::Review-Completed" in page.inner_text("body")
    incident = site.api("nadia").get(f"/api/v1/incidents/{n}").json()
    assert incident["severity"] == "S1" and "Incident::Review-Completed" in incident["labels"]
