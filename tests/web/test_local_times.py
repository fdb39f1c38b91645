"""Times in the web UI are in the signed-in person's zone (their `timezone` in the config), with UTC on
hover; pages without a person (the public status page) stay in UTC."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from onwatch.bootstrap import Onwatch
from onwatch.config.schema import OnwatchConfig
from onwatch.db.uow import Database
from onwatch.kernel.clock import FakeClock
from tests.web_helpers import Browser, set_passwords


@pytest.fixture
def site(onwatch: Onwatch, org: OnwatchConfig, db: Database, clock: FakeClock) -> Iterator[TestClient]:
    set_passwords(db, clock, "nadia")
    with TestClient(onwatch.api()) as client:
        yield client


def test_nadia_in_paris_reads_paris_time_with_utc_on_hover(site: TestClient) -> None:
    fired = site.post(
        "/api/v1/integrations/generic/demo-generic-webhook-key-0001", json={"summary": "x", "dedup_key": "t"}
    )
    assert fired.status_code == 202
    browser = Browser(site)
    browser.sign_in("nadia")  # timezone: Europe/Paris; the clock says 2026-12-01 09:00 UTC
    page = browser.get("/alerts/1").text
    assert '<span class="local-time" title="2026-12-01 09:00 UTC">2026-12-01 10:00 CET</span>' in page
    assert "2026-12-01 09:00 UTC</dd>" not in page
