"""Status page webhook subscriptions cannot be turned against anyone: a URL receives updates only
after its endpoint echoed a challenge, loopback/private/link-local/multicast targets are refused when
subscribing and again at every delivery, and subscribing is rate-limited per client address (and
confirmation mails per recipient). The tests' receiver listens on loopback, so they allow private
targets in the config (`status_page.webhooks.allow_private_targets`) except where that is the point."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from onwatch.bootstrap import Onwatch
from onwatch.config.apply import apply_config
from onwatch.config.schema import OnwatchConfig, StatusPageConfig, StatusWebhooks
from onwatch.db.tables import outbox, status_subscribers
from onwatch.db.uow import Database
from onwatch.engine.worker import Worker
from onwatch.incidents.commands import IncidentCommands
from onwatch.kernel.clock import FakeClock
from onwatch.kernel.enums import Interface, Severity
from onwatch.kernel.timeline import Actor
from onwatch.status.subscribers import SubscriberRepository
from tests.receivers import WebhookSink
from tests.web_helpers import csrf_of

AMARA = Actor.person("amara", Interface.API)


def allow_private(db: Database, clock: FakeClock, config: OnwatchConfig, allow: bool) -> None:
    page = StatusPageConfig(webhooks=StatusWebhooks(allow_private_targets=allow))
    apply_config(db, config.model_copy(update={"status_page": page}), now=clock.now(), applied_by="tests")


@pytest.fixture
def app(onwatch: Onwatch, clock: FakeClock, org: OnwatchConfig) -> FastAPI:
    allow_private(onwatch.db, clock, org, True)
    return onwatch.api()


@pytest.fixture
def worker(onwatch: Onwatch) -> Worker:
    return onwatch.worker({})  # the status page's webhook channel is always part of the engine


def subscribe(app: FastAPI, form: dict[str, str], address: str = "203.0.113.5") -> Any:
    client = TestClient(app, client=(address, 50_000))
    token = csrf_of(client.get("/status/subscribe").text)
    return client.post("/status/subscribe", data={**form, "csrf_token": token})


def updates_to(sink: WebhookSink) -> list[str]:
    return [r.json["notification"]["text"] for r in sink.requests
            if r.json["notification"]["kind"] == "status_update"]  # fmt: skip


def active_subscribers(db: Database) -> int:
    with db.read() as uow:
        return len(SubscriberRepository(uow.conn).active())


def declare_and_post(incidents: IncidentCommands, text: str) -> int:
    incident = incidents.declare(AMARA, title="Checkout errors", severity=Severity.S3, services=["web"])
    assert incident.id is not None
    incidents.post_update(incident.id, text, AMARA)
    return incident.id


def test_a_webhook_receives_updates_only_after_its_endpoint_echoed_the_challenge(
    app: FastAPI, db: Database, worker: Worker, webhook_sink: WebhookSink, incidents: IncidentCommands
) -> None:
    webhook_sink.echo_challenges()
    done = subscribe(app, {"kind": "webhook", "url": webhook_sink.url})
    assert done.status_code == 200 and "challenge" in done.text and "/unsubscribe" in done.text, done.text
    incident_id = declare_and_post(incidents, "Investigating checkout errors.")
    assert active_subscribers(db) == 0  # not before the challenge came back
    worker.run_once()
    [challenge] = webhook_sink.requests
    assert challenge.json["notification"]["kind"] == "status_webhook_challenge"
    assert updates_to(webhook_sink) == [] and active_subscribers(db) == 1
    incidents.post_update(incident_id, "A fix is rolling out.", AMARA)
    worker.run_once()
    assert updates_to(webhook_sink) == ["A fix is rolling out."]


def test_an_endpoint_that_does_not_echo_the_challenge_never_receives_an_update(
    app: FastAPI, db: Database, worker: Worker, webhook_sink: WebhookSink, incidents: IncidentCommands
) -> None:
    assert subscribe(app, {"kind": "webhook", "url": webhook_sink.url}).status_code == 200
    worker.run_once()  # the sink answers 200 "ok": not the challenge
    assert len(webhook_sink.requests) == 1 and active_subscribers(db) == 0
    declare_and_post(incidents, "Investigating checkout errors.")
    worker.run_once()
    assert len(webhook_sink.requests) == 1
    with db.read() as uow:
        [error] = uow.conn.execute(sa.select(outbox.c.last_error).where(outbox.c.channel == "status_webhook"))
    assert "without echoing the challenge" in error[0]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://127.1/hook",
        "http://0x7f000001/hook",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://10.0.0.5/hook",
        "http://192.168.1.1/hook",
        "http://172.16.0.1/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1]/hook",
        "http://224.0.0.1/hook",
        "http://0.0.0.0/hook",
        "http://100.64.0.1/hook",
    ],
)
def test_non_public_targets_are_refused_unless_the_config_allows_them(
    onwatch: Onwatch, db: Database, org: OnwatchConfig, url: str
) -> None:
    app = onwatch.api()  # the demo config: private targets not allowed
    refused = subscribe(app, {"kind": "webhook", "url": url})
    assert refused.status_code == 422 and "is not a public internet address" in refused.text
    with db.read() as uow:
        assert uow.conn.execute(sa.select(sa.func.count()).select_from(status_subscribers)).scalar_one() == 0
        assert uow.conn.execute(sa.select(sa.func.count()).select_from(outbox)).scalar_one() == 0


def test_a_target_that_is_private_at_delivery_time_is_not_contacted(
    app: FastAPI,
    db: Database,
    clock: FakeClock,
    org: OnwatchConfig,
    worker: Worker,
    webhook_sink: WebhookSink,
    incidents: IncidentCommands,
) -> None:
    # subscribed and confirmed while the target was allowed (or resolved elsewhere: DNS rebinding)
    webhook_sink.echo_challenges()
    subscribe(app, {"kind": "webhook", "url": webhook_sink.url})
    worker.run_once()
    assert active_subscribers(db) == 1
    allow_private(db, clock, org, False)
    declare_and_post(incidents, "Investigating checkout errors.")
    worker.run_once()
    assert updates_to(webhook_sink) == []  # every delivery checks the address it connects to
    with db.read() as uow:
        row = uow.conn.execute(
            sa.select(outbox.c.status, outbox.c.last_error).where(
                outbox.c.idempotency_key.like("status-update:%")
            )
        ).one()
    assert "is not a public internet address" in row.last_error


def test_subscribing_is_rate_limited_per_client_address(app: FastAPI, clock: FakeClock) -> None:
    for n in range(10):
        assert subscribe(app, {"kind": "email", "email": f"reader{n}@customer.example"}).status_code == 200
    limited = subscribe(app, {"kind": "email", "email": "reader10@customer.example"})
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) == 3600
    assert "Too many subscription requests from your address" in limited.text
    other = subscribe(app, {"kind": "email", "email": "reader10@customer.example"}, address="198.51.100.2")
    assert other.status_code == 200
    clock.advance(timedelta(hours=1))
    assert subscribe(app, {"kind": "email", "email": "reader11@customer.example"}).status_code == 200


def test_confirmation_mails_to_one_address_are_limited_whoever_asks(app: FastAPI, db: Database) -> None:
    for n in range(3):
        sent = subscribe(app, {"kind": "email", "email": "victim@customer.example"}, address=f"203.0.113.{n}")
        assert sent.status_code == 200
    limited = subscribe(app, {"kind": "email", "email": "Victim@customer.example"}, address="203.0.113.99")
    assert limited.status_code == 429 and "already sent confirmation mails" in limited.text
    assert int(limited.headers["retry-after"]) == 24 * 3600
    with db.read() as uow:
        mails = uow.conn.execute(sa.select(sa.func.count()).select_from(outbox)).scalar_one()
    assert mails == 3
