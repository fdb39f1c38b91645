"""The demo inbox channel (ONWATCH_DEMO=1, as `make run` sets): in place of the email and Slack
channels, each message is kept in the `demo_inbox` table and shown at /demo/inbox, so the demo's
pages, announcements and reminders arrive without an SMTP server or Slack. Webhooks stay real."""

from __future__ import annotations

import sqlalchemy as sa

from onwatch.db.connect import dialect_insert
from onwatch.db.outbox import OutboxMessage, describe_target
from onwatch.db.tables_demo import demo_inbox
from onwatch.db.uow import Database
from onwatch.kernel.clock import Clock
from onwatch.notify.base import Notification

INBOX_CHANNELS = ("email", "slack")  # what the demo inbox stands in for


class DemoInboxChannel:
    """Delivers by storing; a redelivery (same idempotency key) keeps one copy. Thread-safe."""

    def __init__(self, name: str, db: Database, clock: Clock) -> None:
        self.name = name
        self.db = db
        self.clock = clock

    def send(self, message: OutboxMessage) -> None:
        notification = Notification.from_payload(message.payload)
        row = {
            "idempotency_key": message.idempotency_key,
            "at": self.clock.now(),
            "channel": message.channel,
            "recipient": notification.recipient_name or describe_target(message.channel, message.target),
            "kind": notification.kind or "message",
            "title": notification.title,
            "payload": message.payload,
        }
        with self.db.write() as uow:
            stmt = dialect_insert(uow.conn, demo_inbox).on_conflict_do_nothing(
                index_elements=["idempotency_key"]
            )
            uow.conn.execute(stmt, [row])


def inbox(db: Database, limit: int = 200) -> list[sa.RowMapping]:
    """The newest messages first."""
    with db.read() as uow:
        return list(
            uow.conn.execute(sa.select(demo_inbox).order_by(demo_inbox.c.id.desc()).limit(limit)).mappings()
        )
