"""The web UI in a real browser against a real server: a responder's incident from sign-in to the
public status page, accessibility (axe-core) of the main pages, phone-sized screens and keyboard use."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from onwatch.bootstrap import Onwatch
from onwatch.config.schema import OnwatchConfig
from onwatch.db.uow import Database
from onwatch.directory.tokens import TokenRole
from onwatch.kernel.clock import FakeClock
from tests.api_helpers import token_for
from tests.e2e.browser import CspWatched, Shots, axe_violations, chromium, needs_browser
from tests.live import LiveServer
from tests.web_helpers import PASSWORD, set_passwords

pytestmark = [pytest.mark.e2e, needs_browser]

GENERIC_KEY = "demo-generic-webhook-key-0001"
TIMEOUT = 10_000


@dataclass
class Site:
    url: str
    db: Database
    clock: FakeClock

    def api(self, person: str) -> httpx.Client:
        token = token_for(self.db, self.clock, TokenRole.RESPONDER, person)
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {token}"}, timeout=10)


@pytest.fixture
def site(onwatch: Onwatch, db: Database, clock: FakeClock, org: OnwatchConfig) -> Iterator[Site]:
    set_passwords(db, clock, "amara", "lukas")
    app = onwatch.api()
    app.state.status_cache.ttl = 0
    with LiveServer(app) as server:
        yield Site(server.url, db, clock)


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as b:
        watched = CspWatched(b)
        yield watched
        assert watched.violations == [], "a page needed something its Content-Security-Policy refuses"


def sign_in(browser: Any, site: Site, person: str, **context: Any) -> Any:
    page = browser.new_context(**context).new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(f"{site.url}/login")
    page.fill("#person", person)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(f"{site.url}/")
    return page


def test_responder_flow_from_sign_in_to_the_public_status_page(
    site: Site, browser: Any, request: pytest.FixtureRequest
) -> None:
    from playwright.sync_api import expect

    shots = Shots(request.node.name)
    amara = sign_in(browser, site, "amara")
    expect(amara.locator("header")).to_contain_text("Amara Okafor")
    shots.take(amara, "signed-in-dashboard")

    # declare an S2 through the form
    amara.click("a:has-text('Declare')")
    amara.fill("#title", "Checkout returns 500 errors")
    amara.select_option("#severity", "S2")
    amara.check("input[name=services][value=web]")
    amara.click("button:has-text('Declare')")
    amara.wait_for_url("**/incidents/*")
    incident_id = int(amara.url.rsplit("/", 1)[1])
    expect(amara.locator("h1")).to_contain_text("Checkout returns 500 errors")
    expect(amara.locator("#state")).to_have_text("investigating")
    shots.take(amara, "declared-s2")

    # a page arrives and is acknowledged through the API: the open page shows it without a reload
    api = site.api("amara")
    fired = api.post(f"/api/v1/integrations/generic/{GENERIC_KEY}",
                     json={"summary": "5xx above 2% on checkout", "status": "firing", "dedup_key": "checkout-5xx"})  # fmt: skip
    assert fired.status_code in (200, 202), fired.text
    group_id = api.get("/api/v1/alert-groups").json()[0]["id"]
    assert (
        api.post(f"/api/v1/alert-groups/{group_id}/attach", json={"incident_id": incident_id}).status_code
        == 200
    )
    assert api.post(f"/api/v1/alert-groups/{group_id}/acknowledge").status_code == 200
    expect(amara.locator("#timeline")).to_contain_text("acknowledged", timeout=TIMEOUT)
    expect(amara.locator("#timeline")).to_contain_text(f"alert group #{group_id}")
    shots.take(amara, "ack-via-api-appears-live")

    # change state, post a public update
    amara.click("button:has-text('Move to identified')")
    expect(amara.locator("#state")).to_have_text("identified")
    amara.fill("#update-body", "We found a bad deploy of the checkout service and are rolling it back.")
    amara.click("button:has-text('Post update')")
    expect(amara.locator("#updates")).to_contain_text("rolling it back")
    expect(amara.locator("[data-countdown] .left")).to_have_text("in 30m")  # S2 while identified: 30 min
    shots.take(amara, "identified-and-update-posted")

    public = browser.new_context().new_page()
    public.set_default_timeout(TIMEOUT)
    public.goto(f"{site.url}/status")
    expect(public.locator("#overall")).to_contain_text("Minor Service Outage")
    # the public sees the CMOC's public title (neutral by default), never the internal one
    expect(public.locator("main")).to_contain_text("Investigating issues with Web")
    expect(public.locator("main")).not_to_contain_text("Checkout returns 500 errors")
    expect(public.locator("main")).to_contain_text("rolling it back")
    shots.take(public, "status-page-active-incident")

    # a non-owner sees resolve disabled, with the reason the rules give
    lukas = sign_in(browser, site, "lukas")
    lukas.goto(f"{site.url}/incidents/{incident_id}")
    resolve = lukas.locator("button[value=resolve]")
    expect(resolve).to_be_disabled()
    expect(lukas.locator("#why-resolve-resolved")).to_have_text(
        "only the owner, Amara Okafor, can resolve this incident"
    )
    shots.take(lukas, "non-owner-resolve-disabled")

    # the owner resolves
    amara.goto(f"{site.url}/incidents/{incident_id}")
    amara.once("dialog", lambda dialog: dialog.accept())  # resolve asks for confirmation
    amara.click("button[value=resolve]")
    expect(amara.locator("#state")).to_have_text("resolved")
    amara.fill("#update-body", "Rolled back; checkout works again.")
    amara.click("button:has-text('Post update')")
    shots.take(amara, "owner-resolved")

    public.goto(f"{site.url}/status")
    expect(public.locator("#overall")).to_have_text("All Systems Operational")
    expect(public.locator("#component-web")).to_contain_text("Operational")
    expect(public.locator("main")).to_contain_text("Investigating issues with Web")  # under past incidents
    public.goto(f"{site.url}/status/incidents/{incident_id}")
    updates = public.locator(".update")
    expect(updates.first).to_contain_text("checkout works again")  # newest first
    expect(updates.nth(1)).to_contain_text("has been resolved")  # the final update resolving posted
    expect(updates.nth(2)).to_contain_text("rolling it back")
    shots.take(public, "status-page-operational")


def test_main_pages_have_no_serious_or_critical_accessibility_violations(
    site: Site, browser: Any, request: pytest.FixtureRequest
) -> None:
    shots = Shots(request.node.name)
    anonymous = browser.new_context().new_page()
    problems: dict[str, list[str]] = {}
    for path in ("/login", "/status/subscribe"):
        anonymous.goto(f"{site.url}{path}")
        problems[path] = axe_violations(anonymous)
    page = sign_in(browser, site, "amara")
    page.goto(f"{site.url}/incidents/new")
    page.fill("#title", "Registry pulls fail")
    page.click("button:has-text('Declare')")
    page.wait_for_url("**/incidents/*")
    incident_path = page.url.removeprefix(site.url)
    api = site.api("amara")
    api.post(
        f"/api/v1/integrations/generic/{GENERIC_KEY}",
        json={"summary": "disk full", "status": "firing", "dedup_key": "d1"},
    )
    group_id = api.get("/api/v1/alert-groups").json()[0]["id"]
    api.post(
        f"/api/v1/incidents/{incident_path.rsplit('/', 1)[1]}/updates", json={"body": "Investigating pulls."}
    )
    for path in ("/", incident_path, "/incidents/new", "/alerts", f"/alerts/{group_id}", "/oncall"):
        page.goto(f"{site.url}{path}")
        problems[path] = axe_violations(page)
    anonymous.goto(f"{site.url}/status")
    problems["/status"] = axe_violations(anonymous)
    shots.take(anonymous, "status")
    assert {path: found for path, found in problems.items() if found} == {}


def test_phone_sized_screens_do_not_scroll_sideways(
    site: Site, browser: Any, request: pytest.FixtureRequest
) -> None:
    shots = Shots(request.node.name)
    phone = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
    page = sign_in(browser, site, "amara", **phone)
    for path, name in (
        ("/", "dashboard"),
        ("/incidents/new", "declare"),
        ("/oncall", "oncall"),
        ("/status", "status"),
    ):
        page.goto(f"{site.url}{path}")
        width = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert width[0] <= width[1], f"{path} is {width[0]}px wide on a {width[1]}px screen"
        shots.take(page, f"phone-{name}")


def test_keyboard_only_sign_in_and_declare(site: Site, browser: Any) -> None:
    from playwright.sync_api import expect

    page = browser.new_context().new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(f"{site.url}/status")
    page.keyboard.press("Tab")
    expect(page.locator(".skip")).to_be_focused()  # the first stop skips to the content
    page.goto(f"{site.url}/login")
    expect(page.locator("#person")).to_be_focused()  # autofocus: type at once
    page.keyboard.type("amara")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{site.url}/")
    page.goto(f"{site.url}/incidents/new")
    expect(page.locator("#title")).to_be_focused()  # autofocus: type at once
    page.keyboard.type("Keyboard-declared incident")
    page.keyboard.press("Enter")  # submits the form
    page.wait_for_url("**/incidents/*")
    expect(page.locator("h1")).to_contain_text("Keyboard-declared incident")
