"""The outbox: every outgoing page and notification is a row, delivered at least once by the engine
(leased to one worker at a time; a crashed worker's lease runs out and another delivers)."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa

from onwatch.db.connect import dialect_insert
from onwatch.db.tables import outbox

WAKE_CHANNEL = "onwatch_work"


@dataclass(frozen=True)
class OutboxMessage:
    """One notification to deliver, exactly as stored in the outbox.

    `target` says where (per channel: {"url", "secret"} for webhooks, {"url"} for Slack,
    {"address"} for email); `payload` says what (onwatch.notify.base.Notification).
    """

    id: int
    idempotency_key: str
    channel: str  # "webhook", "slack" or "email"
    target: dict[str, Any]
    payload: dict[str, Any]
    attempts: int = 0
    created_at: datetime | None = None  # when it was queued (delivery latency)
    correlation: str | None = None  # "group:12", "incident:3": whose timeline records the outcome


@dataclass(frozen=True)
class FailingTarget:
    """A destination whose deliveries fail: failed for good lately, or being retried now."""

    channel: str
    target: str  # the address, or the URL's host: never a secret
    failed: int
    retrying: int
    last_error: str
    last_at: datetime


def describe_target(channel: str, target: dict[str, Any]) -> str:
    """Where a message goes, fit to show: an email address, or a webhook URL's scheme and host."""
    if target.get("address"):
        return str(target["address"])
    url = str(target.get("url") or "")
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else channel


def wake_workers(conn: sa.Connection) -> None:
    """NOTIFY listening workers (engine/listen.py); delivered when, and only if, the transaction
    commits. SQLite has one process, whose worker the API wakes directly."""
    # once per transaction is enough (PostgreSQL folds repeats anyway; this saves the round trips)
    if conn.dialect.name == "postgresql" and not conn.info.get("onwatch_notified"):
        conn.exec_driver_sql(f"NOTIFY {WAKE_CHANNEL}")
        conn.info["onwatch_notified"] = True


class OutboxStore:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def enqueue(self, rows: list[dict[str, Any]]) -> None:
        """Rows need idempotency_key, channel, target, payload, next_attempt_at, created_at, correlation.
        A key already present is skipped: the same decision made twice sends once."""
        if not rows:
            return
        # executemany form: the statement compiles once and is cached (a multi-row .values() is
        # compiled anew for every batch), and the driver batches the rows into few round trips
        stmt = dialect_insert(self.conn, outbox).on_conflict_do_nothing(index_elements=["idempotency_key"])
        self.conn.execute(stmt, rows)
        wake_workers(self.conn)

    def cancel_outbox(self, correlation: str, now: datetime) -> int:
        """Drop not-yet-sent messages: the email due in 2 minutes, or a page still being retried,
        once someone acknowledged."""
        result = self.conn.execute(
            sa.update(outbox)
            .where(
                outbox.c.correlation == correlation,
                outbox.c.status == "pending",
                # not while a worker holds it: that delivery may already be on the wire
                sa.or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < now),
            )
            .values(status="cancelled", last_error=f"cancelled at {now.isoformat()}")
        )
        return int(result.rowcount)

    def claim_outbox(self, now: datetime, lease: timedelta, limit: int) -> list[OutboxMessage]:
        """Lease due messages to this worker; a crashed worker's lease runs out and another takes them."""
        due = (
            sa.select(outbox.c.id)
            .where(
                outbox.c.status == "pending",
                outbox.c.next_attempt_at <= now,
                sa.or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < now),
            )
            .order_by(outbox.c.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        ids = list(self.conn.execute(due).scalars())
        if not ids:
            return []
        rows = self.conn.execute(
            sa.update(outbox)
            .where(outbox.c.id.in_(ids))
            .values(claimed_until=now + lease)
            .returning(*(outbox.c[f.name] for f in fields(OutboxMessage)))
        ).mappings()
        return [
            OutboxMessage(**{**r, "target": dict(r["target"]), "payload": dict(r["payload"])}) for r in rows
        ]

    def mark_sent_many(self, message_ids: list[int], now: datetime) -> None:
        """Mark the messages sent, in one statement."""
        if message_ids:
            self.conn.execute(
                sa.update(outbox)
                .where(outbox.c.id.in_(message_ids))
                .values(status="sent", sent_at=now, claimed_until=None, attempts=outbox.c.attempts + 1)
            )

    def mark_failed(self, message_id: int, error: str, retry_at: datetime | None) -> None:
        """Retry at `retry_at`, or give up (status failed) when it is None."""
        values: dict[str, Any] = {
            "claimed_until": None,
            "attempts": outbox.c.attempts + 1,
            "last_error": error[:1000],
        }
        if retry_at is None:
            values["status"] = "failed"
        else:
            values["next_attempt_at"] = retry_at
        self.conn.execute(sa.update(outbox).where(outbox.c.id == message_id).values(values))

    def failing(self, since: datetime, limit: int = 500) -> list[FailingTarget]:
        """Destinations with deliveries that failed for good since `since`, or are being retried,
        most recent first (read from the newest `limit` such messages)."""
        rows = self.conn.execute(
            sa.select(
                outbox.c.channel,
                outbox.c.target,
                outbox.c.status,
                outbox.c.last_error,
                outbox.c.next_attempt_at,
            )
            .where(
                sa.or_(
                    sa.and_(outbox.c.status == "failed", outbox.c.next_attempt_at >= since),
                    sa.and_(outbox.c.status == "pending", outbox.c.attempts > 0),
                )
            )
            .order_by(outbox.c.next_attempt_at.desc())
            .limit(limit)
        ).mappings()
        found: dict[tuple[str, str], FailingTarget] = {}
        for r in rows:
            key = (r["channel"], describe_target(r["channel"], dict(r["target"])))
            failed, retrying = (1, 0) if r["status"] == "failed" else (0, 1)
            known = found.get(key)
            if known is None:
                found[key] = FailingTarget(
                    *key, failed, retrying, r["last_error"] or "", r["next_attempt_at"]
                )
            else:
                found[key] = replace(known, failed=known.failed + failed, retrying=known.retrying + retrying)
        return list(found.values())

    def next_outbox_due(self) -> datetime | None:
        value: datetime | None = self.conn.execute(
            sa.select(sa.func.min(outbox.c.next_attempt_at)).where(outbox.c.status == "pending")
        ).scalar_one()
        return value
