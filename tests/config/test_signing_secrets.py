"""Webhooks onwatch sends are signed: a config that would send one with no key at all is refused,
naming the path, and a page with no key fails visibly instead of going out unsigned."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from onwatch.bootstrap import Onwatch
from onwatch.config.schema import OnwatchConfig
from onwatch.db.uow import Database
from onwatch.directory.tokens import TokenRole
from onwatch.kernel.clock import FakeClock
from onwatch.settings import Settings
from tests.api_helpers import ClientFactory, client_factory
from tests.conftest import DEMO_CONFIG
from tests.databases import settings_for


@pytest.fixture
def settings(database_url: str) -> Settings:
    return settings_for(database_url, webhook_secret="")  # no ONWATCH_WEBHOOK_SECRET


@pytest.fixture
def as_(onwatch: Onwatch, org: OnwatchConfig, db: Database, clock: FakeClock) -> Iterator[ClientFactory]:
    with TestClient(onwatch.api()) as client:
        yield client_factory(client, db, clock)


def test_a_webhook_without_a_signing_secret_is_a_config_error_naming_its_path(as_: ClientFactory) -> None:
    admin = as_("nadia", TokenRole.ADMIN)
    unsigned = DEMO_CONFIG.read_text().replace(
        "contact_methods: [{type: email, address: amara@illumidesk.example}]",
        "contact_methods: [{type: webhook, url: 'https://hooks.example/amara'}]",
    )
    refused = admin.post("/api/v1/config", content=unsigned.encode())
    assert refused.status_code == 422, refused.text
    [error] = refused.json()["errors"]
    assert error["field"] == "people.amara.contact_methods[0].secret"
    assert "signing secret" in error["message"] and "ONWATCH_WEBHOOK_SECRET" in error["message"]
    assert admin.get("/api/v1/config").json()["revision"] == 1  # nothing applied
    signed = unsigned.replace(
        "url: 'https://hooks.example/amara'}", "url: 'https://hooks.example/amara', secret: k3y}"
    )
    assert admin.post("/api/v1/config", content=signed.encode()).json()["revision"] == 2


def test_a_webhook_page_with_no_key_at_all_fails_visibly_instead_of_going_unsigned() -> None:
    from onwatch.db.outbox import OutboxMessage
    from onwatch.notify.base import DeliveryError
    from onwatch.notify.webhook import WebhookChannel

    channel = WebhookChannel()
    message = OutboxMessage(1, "page:1", "webhook", {"url": "http://127.0.0.1:9/x"}, {"kind": "page"})
    with pytest.raises(DeliveryError, match="no signing secret") as raised:
        channel.send(message)
    assert raised.value.retryable is False
    channel.close()
