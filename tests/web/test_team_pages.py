"""The team page and the organisational chart (PROCESS.md §2 rule 8): owner, on-call now, members
with title, expertise and whether they can answer now; the org chart puts everyone under their
manager. Demo clock: Tue 2026-12-01 09:00Z, kwame on the Gitaly schedule."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from onwatch.bootstrap import Onwatch
from onwatch.config.schema import OnwatchConfig
from tests.web_helpers import Browser, set_passwords


@pytest.fixture
def site(onwatch: Onwatch, org: OnwatchConfig) -> Iterator[TestClient]:
    set_passwords(onwatch.db, onwatch.clock, "amara")
    with TestClient(onwatch.api()) as site:
        yield site


def test_team_pages_and_the_org_chart_need_a_sign_in(site: TestClient) -> None:
    for path in ("/teams", "/teams/gitaly", "/org"):
        response = Browser(site).get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == f"/login?next={path}"


def test_the_gitaly_team_page_lists_its_owner_on_call_services_and_members_expertise(
    site: TestClient,
) -> None:
    browser = Browser(site)
    browser.sign_in("amara")
    page = browser.get("/teams/gitaly").text
    assert '<dd id="team-owner">Priya Nair</dd>' in page
    assert 'Kwame Asante <span class="muted">(schedule gitaly)</span>' in page
    assert '<a href="/services/git">Git</a>' in page
    assert 'Gitaly <span class="muted">(gitaly)</span>' in page
    daniel = page.split('data-person="daniel"')[1].split("</tr>")[0]
    assert "Backend Engineer, Gitaly" in daniel and "Gitaly, Git protocols (SSH, HTTPS)" in daniel
    assert "off hours" in daniel and "Tue 04:00" in daniel
    listing = browser.get("/teams").text
    assert '<a href="/teams/gitaly">Gitaly</a>' in listing and "no schedule" in listing  # database has none
    assert browser.get("/teams/nope").status_code == 404


def test_the_org_chart_puts_everyone_under_their_manager(site: TestClient) -> None:
    browser = Browser(site)
    browser.sign_in("amara")
    page = browser.get("/org").text
    grace = page.split('<li data-person="grace">')[1]
    priya = grace.split('<li data-person="priya">')[1]
    assert '<li data-person="daniel">' in priya and '<li data-person="kwame">' in priya
    assert page.count('<li data-person="') == 18
