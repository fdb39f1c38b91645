"""Runbooks in a real browser (Chromium through Playwright) against a real server: the mirrored
repository's index, a page with its links followed inside the mirror, search, a hostile runbook
whose script never runs, the banner once the repository is gone; and an incident's recent changes."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from onwatch.bootstrap import Onwatch
from onwatch.config.apply import apply_config
from onwatch.config.runbooks import RunbooksConfig
from onwatch.config.schema import OnwatchConfig
from onwatch.db.uow import Database
from onwatch.engine.worker import Worker
from onwatch.kernel.clock import FakeClock
from tests.e2e.browser import CspWatched, Shots, axe_violations, chromium, needs_browser
from tests.e2e.test_web_browser import Site, sign_in
from tests.live import LiveServer
from tests.runbooks.helpers import commit, make_repo
from tests.runbooks.test_safe_rendering import HOSTILE
from tests.web_helpers import set_passwords

pytestmark = [pytest.mark.e2e, needs_browser]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = make_repo(tmp_path)
    commit(repo, {"evil.md": HOSTILE}, "a hostile runbook")
    return repo


@pytest.fixture
def worker(onwatch: Onwatch, org: OnwatchConfig, repo: Path) -> Worker:
    mirror = RunbooksConfig(git=str(repo), branch="main")
    apply_config(
        onwatch.db, org.model_copy(update={"runbooks": mirror}), now=onwatch.clock.now(), applied_by="tests"
    )
    worker = onwatch.worker(channels={})
    worker.run_once()
    return worker


@pytest.fixture
def site(onwatch: Onwatch, db: Database, clock: FakeClock, worker: Worker) -> Iterator[Site]:
    set_passwords(db, clock, "lukas")
    with LiveServer(onwatch.api()) as server:
        yield Site(server.url, db, clock)


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as b:
        watched = CspWatched(b)
        yield watched
        assert watched.violations == [], "a page needed something its Content-Security-Policy refuses"


def test_a_runbook_is_read_searched_and_stays_readable_in_the_browser(
    site: Site, browser: Any, worker: Worker, clock: FakeClock, repo: Path, request: pytest.FixtureRequest
) -> None:
    from playwright.sync_api import expect

    shots = Shots(request.node.name)
    page = sign_in(browser, site, "lukas")
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.click("nav >> text=Runbooks")
    page.wait_for_selector("h1:has-text('Runbooks')")
    expect(page.locator("#mirror-fresh")).to_contain_text("onwatch's copy of")
    assert axe_violations(page) == []
    shots.take(page, "index")

    page.click("text=Gitaly: failing over to the replica")
    page.wait_for_url(f"{site.url}/runbooks/gitaly/README.md")
    expect(page.locator("#runbook h1")).to_have_text("Gitaly: failing over to the replica")
    expect(page.locator("#runbook table td").first).to_have_text("5xx on pushes")
    assert axe_violations(page) == []
    shots.take(page, "runbook")
    page.click("#runbook >> text=the failover steps")  # a relative link, resolved inside the mirror
    page.wait_for_url(f"{site.url}/runbooks/gitaly/failover.md")
    expect(page.locator("#runbook h1")).to_have_text("Failover steps")

    page.goto(f"{site.url}/runbooks/evil.md")
    expect(page.locator("#runbook")).to_contain_text("<script>alert('runbook')</script>")  # as text
    page.click("#runbook >> text=click")  # a javascript: link is not a link: nothing runs
    page.wait_for_timeout(300)
    assert dialogs == []
    assert (
        page.evaluate(
            "() => document.querySelectorAll('#runbook script, #runbook iframe, #runbook img').length"
        )
        == 0
    )

    page.goto(f"{site.url}/runbooks")
    page.fill("#q", "praefect")
    page.click("button:has-text('Search')")
    expect(page.locator("#search-results")).to_contain_text("Failover steps")

    shutil.rmtree(repo)
    clock.advance(timedelta(minutes=15))
    worker.run_once()
    page.goto(f"{site.url}/runbooks/gitaly/README.md")
    expect(page.locator("#mirror-stale")).to_contain_text("could not be read")
    expect(page.locator("#runbook h1")).to_have_text("Gitaly: failing over to the replica")
    shots.take(page, "stale")


def test_an_incidents_recent_changes_load_on_its_page(site: Site, browser: Any, clock: FakeClock) -> None:
    from playwright.sync_api import expect

    maria = site.api("maria")
    deploy = {
        "service": "web",
        "summary": "Deploy web v2.3.1",
        "time": (clock.now() - timedelta(hours=1)).isoformat(),
    }
    assert maria.post("/api/v1/changes", json=deploy).status_code == 201
    n = maria.post(
        "/api/v1/incidents", json={"title": "Checkout errors", "severity": "S3", "services": ["web"]}
    ).json()["id"]
    page = sign_in(browser, site, "lukas")
    page.goto(f"{site.url}/incidents/{n}")
    expect(page.locator("#recent-changes")).to_contain_text("Deploy web v2.3.1")
    expect(page.locator("#recent-changes")).to_contain_text("1 h 0 min before")
    assert axe_violations(page) == []
