"""Upgrading past the webhook challenge: status page webhooks that became active at once, before
subscriptions were confirmed by a challenge, are paused and challenged by the engine; the ones that
echo it receive updates again, the ones that do not never do. Subscriptions already confirmed by a
challenge, email subscriptions and unsubscribed ones are left as they were.

The rows "before" are written as that release wrote them: a webhook confirmed when it was created.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from onwatch.bootstrap import Onwatch
from onwatch.config.apply import apply_config
from onwatch.config.schema import OnwatchConfig, StatusPageConfig, StatusWebhooks
from onwatch.db import migrate
from onwatch.db.tables import status_subscribers
from onwatch.kernel.clock import FakeClock
from onwatch.kernel.enums import Interface, Severity
from onwatch.kernel.timeline import Actor
from onwatch.status.subscribers import SubscriberRepository
from tests.databases import migration_named, onwatch_at_revision, selected_backends
from tests.receivers import WebhookSink

_, BEFORE = migration_named("status page webhooks confirmed without a challenge")
AMARA = Actor.person("amara", Interface.API)


@pytest.fixture(params=selected_backends())
def old_onwatch(request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock) -> Iterator[Onwatch]:
    """onwatch on a database of its own, at the revision before the webhook challenge migration."""
    with onwatch_at_revision(request.param, tmp_path, clock, BEFORE) as ow:
        yield ow


def _subscriber(conn: sa.Connection, kind: str, address: str, at: datetime, **columns: datetime) -> int:
    new_id = conn.execute(
        sa.insert(status_subscribers)
        .values(kind=kind, address=address, token=uuid.uuid4().hex, created_at=at, **columns)
        .returning(status_subscribers.c.id)
    ).scalar_one()
    return int(new_id)


def test_webhooks_active_without_a_challenge_are_paused_until_they_echo_one(
    old_onwatch: Onwatch, clock: FakeClock, demo_config: OnwatchConfig
) -> None:
    ow, at = old_onwatch, clock.now() - timedelta(days=30)
    with WebhookSink() as echoing, WebhookSink() as silent, WebhookSink() as challenged:
        echoing.echo_challenges()
        with ow.db.engine.begin() as conn:  # as the release before the challenge wrote them
            old = _subscriber(conn, "webhook", echoing.url, at, confirmed_at=at)
            _subscriber(conn, "webhook", silent.url, at, confirmed_at=at)
            fine = _subscriber(conn, "webhook", challenged.url, at, confirmed_at=at + timedelta(seconds=2))
            gone = _subscriber(conn, "webhook", silent.url + "?gone", at, confirmed_at=at, unsubscribed_at=at)
            mail = _subscriber(conn, "email", "ann@example.com", at, confirmed_at=at)
        migrate.upgrade(ow.db.engine)
        assert migrate.current_revision(ow.db.engine) == migrate.head_revision()
        with ow.db.read() as uow:
            assert [s.id for s in SubscriberRepository(uow.conn).active()] == [fine, mail]
            paused = SubscriberRepository(uow.conn).by_ids([gone])
        assert paused[0].confirmed_at is not None, "an unsubscribed one is left alone"

        page = StatusPageConfig(webhooks=StatusWebhooks(allow_private_targets=True))
        config = demo_config.model_copy(update={"status_page": page})
        apply_config(ow.db, config, now=clock.now(), applied_by="tests")
        clock.set(datetime.now(UTC) + timedelta(seconds=1))  # the migration ran on the wall clock
        worker = ow.worker({})
        worker.run_once()  # the engine sends the challenges
        for sink in (echoing, silent):
            [challenge] = [r.json["notification"] for r in sink.requests]
            assert challenge["kind"] == "status_webhook_challenge"
            assert "again" in challenge["title"] and "/unsubscribe" in challenge["links"]["unsubscribe"]
        assert challenged.requests == []
        with ow.db.read() as uow:
            assert [s.id for s in SubscriberRepository(uow.conn).active()] == [old, fine, mail]

        incident = ow.incidents.declare(
            AMARA, title="Checkout errors", severity=Severity.S3, services=["web"]
        )
        assert incident.id is not None
        ow.incidents.post_update(incident.id, "Investigating checkout errors.", AMARA)
        worker.run_once()
        for sink, count in ((echoing, 1), (challenged, 1), (silent, 0)):
            updates = [r for r in sink.requests if r.json["notification"]["kind"] == "status_update"]
            assert len(updates) == count, sink.url
