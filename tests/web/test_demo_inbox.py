"""`make run` (demo mode): the demo people's pages, announcements and reminders arrive in the built-in
demo inbox (/demo/inbox) without an SMTP server or Slack, with buttons that act; outside demo mode
there is no inbox."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from onwatch.bootstrap import Onwatch
from onwatch.config.schema import OnwatchConfig
from onwatch.db.uow import Database
from onwatch.kernel.clock import FakeClock
from onwatch.settings import Settings
from tests.databases import settings_for
from tests.web_helpers import Browser, set_passwords

GENERIC = "/api/v1/integrations/generic/demo-generic-webhook-key-0001"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return settings_for(database_url, demo=True)


@pytest.fixture
def site(onwatch: Onwatch, org: OnwatchConfig, db: Database, clock: FakeClock) -> Iterator[TestClient]:
    set_passwords(db, clock, "amara", "nadia")
    with TestClient(onwatch.api()) as client:
        yield client


def test_a_first_alert_pages_the_on_call_into_the_demo_inbox_and_its_button_acknowledges(
    onwatch: Onwatch, site: TestClient
) -> None:
    fired = site.post(GENERIC, json={"summary": "Checkout 5xx above 2%", "dedup_key": "first"})
    assert fired.status_code == 202, fired.text
    onwatch.worker().run_once()  # the engine of `make run`, with the demo's channels
    browser = Browser(site)
    browser.sign_in("amara")
    inbox = browser.get("/demo/inbox").text
    assert "Checkout 5xx above 2%" in inbox and "page by email to" in inbox
    assert '<a href="/demo/inbox" aria-current="page">Demo inbox</a>' in inbox
    ack = inbox.split('href="http://onwatch.test/a/', 1)[1].split('"', 1)[0]
    confirm = browser.get(f"/a/{ack}")
    assert confirm.status_code == 200 and "Acknowledge" in confirm.text


def test_declaring_announces_into_the_demo_inbox(onwatch: Onwatch, site: TestClient) -> None:
    browser = Browser(site)
    browser.sign_in("nadia")
    declared = browser.post("/incidents", {"title": "Git pushes hang", "severity": "S2"})
    assert declared.status_code == 303, declared.text
    onwatch.worker().run_once()
    inbox = browser.get("/demo/inbox").text
    assert "announcement by slack to" in inbox and "Git pushes hang" in inbox


def test_there_is_no_inbox_outside_demo_mode(database_url: str, org: OnwatchConfig) -> None:
    from tests.databases import built

    ow = built(database_url)
    set_passwords(ow.db, ow.clock, "amara")
    with TestClient(ow.api()) as client:
        browser = Browser(client)
        browser.sign_in("amara")
        assert browser.get("/demo/inbox").status_code == 404
        assert "Demo inbox" not in browser.get("/").text
