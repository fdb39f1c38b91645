"""Admins see dead timers on the web dashboard (a warning with their number); others do not."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from onwatch.bootstrap import Onwatch
from onwatch.config.apply import apply_config
from onwatch.config.loader import load_config
from onwatch.kernel.clock import FakeClock
from tests.conftest import DEMO_CONFIG
from tests.web_helpers import Browser, set_passwords


@pytest.fixture
def site(onwatch: Onwatch, clock: FakeClock) -> Iterator[TestClient]:
    text = DEMO_CONFIG.read_text().replace(
        "nadia:  {name: Nadia Haddad,", "nadia:  {name: Nadia Haddad, access: admin,"
    )
    apply_config(onwatch.db, load_config(text), now=clock.now(), applied_by="tests")
    set_passwords(onwatch.db, clock, "amara", "nadia")
    with TestClient(onwatch.api()) as client:
        yield client


def test_the_dashboard_warns_admins_of_dead_timers_and_no_one_else(
    onwatch: Onwatch, clock: FakeClock, site: TestClient
) -> None:
    admin, responder = Browser(site), Browser(site)
    assert admin.sign_in("nadia").status_code == 303 and responder.sign_in("amara").status_code == 303
    assert 'id="dead-timers"' not in admin.get("/").text
    worker = onwatch.worker(channels={})
    worker.timer_attempts = 1
    now = clock.now()
    with onwatch.db.write() as uow:  # kinds no handler knows: each fails its one attempt
        uow.timers.schedule("retired_kind", now, {"incident_id": 1}, "retired:1", now)
        uow.timers.schedule("retired_kind", now, {"incident_id": 2}, "retired:2", now)
    worker.run_once()
    page = admin.get("/").text
    assert 'id="dead-timers"' in page and "2 dead timers" in page and "onwatch timers retry" in page
    assert 'id="dead-timers"' not in responder.get("/").text
