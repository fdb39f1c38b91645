"""A responder's first hour in the browser: the primary actions are at the top, on a phone too;
resolve asks first; a resolved page says so at the top; the dashboard and the alert pages refresh
themselves."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from onwatch.bootstrap import Onwatch
from onwatch.config.schema import OnwatchConfig
from onwatch.db.uow import Database
from onwatch.kernel.clock import FakeClock
from tests.e2e.browser import CspWatched, Shots, chromium, needs_browser
from tests.e2e.test_web_browser import GENERIC_KEY, Site, sign_in
from tests.live import LiveServer
from tests.web_helpers import set_passwords

pytestmark = [pytest.mark.e2e, needs_browser]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def site(onwatch: Onwatch, db: Database, clock: FakeClock, org: OnwatchConfig) -> Iterator[Site]:
    set_passwords(db, clock, "amara", "lukas")
    with LiveServer(onwatch.api()) as server:
        yield Site(server.url, db, clock)


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as b:
        watched = CspWatched(b)
        yield watched
        assert watched.violations == [], "a page needed something its Content-Security-Policy refuses"


def fire(site: Site, dedup: str = "checkout-5xx") -> int:
    api = site.api("amara")
    body = {
        "summary": "5xx above 2% on checkout",
        "dedup_key": dedup,
        "details": {"runbook_url": "https://runbooks.example/checkout", "description": "checkout 5xx at 7%"},
    }
    assert api.post(f"/api/v1/integrations/generic/{GENERIC_KEY}", json=body).status_code == 202
    return int(next(g["id"] for g in api.get("/api/v1/alert-groups").json()))


def in_view(page: Any, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    size = page.viewport_size
    return bool(box) and box["y"] >= 0 and box["y"] + box["height"] <= size["height"]


def test_on_a_phone_acknowledge_is_on_screen_without_scrolling_and_resolve_asks_first(
    site: Site, browser: Any, request: pytest.FixtureRequest
) -> None:
    from playwright.sync_api import expect

    shots = Shots(request.node.name)
    group_id = fire(site)
    phone = sign_in(browser, site, "amara", **PHONE)
    phone.goto(f"{site.url}/alerts/{group_id}")
    assert phone.evaluate("() => window.scrollY") == 0
    assert in_view(phone, "button[value=acknowledge]"), "Acknowledge is below the fold on a phone"
    assert in_view(phone, "p.runbook")
    shots.take(phone, "alert-on-a-phone")
    phone.click("button[value=acknowledge]")
    expect(phone.locator("button[value=acknowledge]")).to_be_disabled()
    phone.once("dialog", lambda dialog: dialog.dismiss())  # changed their mind
    phone.click("button[value=resolve]")
    expect(phone.locator("button[value=resolve]")).to_be_enabled()
    assert site.api("amara").get(f"/api/v1/alert-groups/{group_id}").json()["status"] == "acknowledged"
    phone.once("dialog", lambda dialog: dialog.accept())
    phone.click("button[value=resolve]")
    expect(phone.locator("#resolved-banner")).to_contain_text("Resolved")
    assert in_view(phone, "#resolved-banner")
    shots.take(phone, "alert-resolved")


def test_on_a_phone_the_incident_page_has_resolve_and_the_situation_room_at_the_top(
    site: Site, browser: Any, request: pytest.FixtureRequest
) -> None:
    from playwright.sync_api import expect

    shots = Shots(request.node.name)
    api = site.api("amara")
    incident = api.post("/api/v1/incidents", json={"title": "Checkout down", "severity": "S3"}).json()
    phone = sign_in(browser, site, "amara", **PHONE)
    phone.goto(f"{site.url}/incidents/{incident['id']}")
    assert in_view(phone, "button[value=resolve]") and in_view(phone, "#situation-room")
    shots.take(phone, "incident-on-a-phone")
    phone.once("dialog", lambda dialog: dialog.accept())
    phone.click("button[value=resolve]")
    expect(phone.locator("#resolved-banner")).to_contain_text("Resolved")
    expect(phone.locator("button[value=resolve]")).to_have_count(0)
    shots.take(phone, "incident-resolved")


def test_the_dashboard_and_alert_pages_show_a_new_alert_without_a_reload(site: Site, browser: Any) -> None:
    from playwright.sync_api import expect

    amara = sign_in(browser, site, "amara")
    alerts = amara.context.new_page()
    alerts.goto(f"{site.url}/alerts")
    expect(amara.locator("main")).to_contain_text("No open alert groups")
    group_id = fire(site)
    expect(amara.locator("main")).to_contain_text("5xx above 2% on checkout", timeout=15_000)
    expect(alerts.locator("main")).to_contain_text("5xx above 2% on checkout", timeout=15_000)
    alerts.goto(f"{site.url}/alerts/{group_id}")
    site.api("lukas").post(f"/api/v1/alert-groups/{group_id}/acknowledge")
    expect(alerts.locator("main")).to_contain_text("by lukas", timeout=15_000)
    expect(alerts.locator("button[value=acknowledge]")).to_be_disabled(timeout=15_000)
