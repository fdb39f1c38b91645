"""An admin lists the integrations with their receiver URLs (API, CLI, each service's web page), so
pointing monitoring at onwatch needs no reading of the config file."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from onwatch.bootstrap import Onwatch
from onwatch.config.apply import apply_config
from onwatch.config.loader import load_config
from onwatch.config.schema import OnwatchConfig
from onwatch.db.uow import Database
from onwatch.directory.tokens import TokenRole
from onwatch.kernel.clock import FakeClock
from tests.api_helpers import ClientFactory, client_factory
from tests.conftest import DEMO_CONFIG
from tests.web_helpers import Browser, set_passwords

AM = "http://onwatch.test/api/v1/integrations/alertmanager/demo-alertmanager-key-0001"


@pytest.fixture
def site(onwatch: Onwatch, org: OnwatchConfig) -> Iterator[TestClient]:
    with TestClient(onwatch.api()) as client:
        yield client


@pytest.fixture
def as_(site: TestClient, db: Database, clock: FakeClock) -> ClientFactory:
    return client_factory(site, db, clock)


def test_an_admin_lists_every_integration_with_the_url_to_give_monitoring(as_: ClientFactory) -> None:
    listed = as_("nadia", TokenRole.ADMIN).get("/api/v1/integrations")
    assert listed.status_code == 200, listed.text
    by_kind = {r["kind"]: r for r in listed.json()}
    assert by_kind["alertmanager"]["url"] == AM
    assert f"webhook_configs: [{{url: '{AM}', send_resolved: true}}]" in by_kind["alertmanager"]["setup"]
    assert by_kind["pagerduty"]["url"] == "http://onwatch.test/v2/enqueue"
    assert by_kind["pagerduty"]["key"] == "demo-pagerduty-routing-key-01"
    assert by_kind["generic"]["url"].endswith("/api/v1/integrations/generic/demo-generic-webhook-key-0001")
    assert by_kind["heartbeat"]["url"].startswith("http://onwatch.test/api/v1/heartbeats/")


def test_integration_keys_are_for_admins_only(as_: ClientFactory) -> None:
    assert as_("amara", TokenRole.RESPONDER).get("/api/v1/integrations").status_code == 403


def test_a_service_page_shows_its_receiver_urls_to_admins_only(
    site: TestClient, db: Database, clock: FakeClock
) -> None:
    admin_nadia = DEMO_CONFIG.read_text().replace("chat_id: U01NADIA,", "chat_id: U01NADIA, access: admin,")
    apply_config(db, load_config(admin_nadia), now=clock.now(), applied_by="tests")
    set_passwords(db, clock, "nadia", "amara")
    admin = Browser(site)
    admin.sign_in("nadia")
    page = admin.get("/services/web").text
    assert f'value="{AM}"' in page and "policy default" in page
    responder = Browser(site)
    responder.sign_in("amara")
    shown = responder.get("/services/web").text
    assert "demo-alertmanager-key-0001" not in shown and "An admin sees its receiver URL" in shown
    assert responder.get("/services/nope").status_code == 404
