"""The team page in a real browser: from the navigation to a team, its on-call and its members'
expertise, on to the org chart; accessible (axe-core) and within its Content-Security-Policy."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.browser import Shots, axe_violations, needs_browser
from tests.e2e.test_web_browser import Site, browser, sign_in, site  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.e2e, needs_browser]


def test_a_responder_finds_who_knows_gitaly_on_the_team_page(
    site: Site,  # noqa: F811
    browser: Any,  # noqa: F811
    request: pytest.FixtureRequest,
) -> None:
    from playwright.sync_api import expect

    shots = Shots(request.node.name)
    amara = sign_in(browser, site, "amara")
    amara.click("nav >> a:has-text('Teams')")
    amara.wait_for_url(f"{site.url}/teams")
    amara.click("#teams >> a:has-text('Gitaly')")
    amara.wait_for_url(f"{site.url}/teams/gitaly")
    expect(amara.locator("#team-on-call")).to_contain_text("Kwame Asante")
    expect(amara.locator("#team-owner")).to_have_text("Priya Nair")
    expect(amara.locator("#members tr[data-person='daniel']")).to_contain_text("Git protocols (SSH, HTTPS)")
    expect(amara.locator("#members tr[data-person='kwame']")).to_contain_text("on call")
    shots.take(amara, "gitaly-team-page")
    assert axe_violations(amara) == []
    amara.click("a:has-text('Organisational chart')")
    amara.wait_for_url(f"{site.url}/org")
    expect(amara.locator("#org li[data-person='priya'] li[data-person='daniel']")).to_be_visible()
    shots.take(amara, "org-chart")
    assert axe_violations(amara) == []
