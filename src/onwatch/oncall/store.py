"""Overrides, calendar feeds and handoff notes."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from onwatch.db.tables import calendar_feeds, handoff_notes, schedule_overrides
from onwatch.directory.tokens import hash_token
from onwatch.oncall.domain.schedules import Override


@dataclass(frozen=True)
class FeedRecord:
    id: int
    kind: str
    target_id: str
    created_at: datetime
    revoked_at: datetime | None
    created_by: str = ""


@dataclass(frozen=True)
class HandoffNote:
    id: int
    role: str
    author: str
    text: str
    created_at: datetime


class OnCallRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    # ---- overrides -----------------------------------------------------------------------

    def add_override(self, schedule_id: str, override: Override, created_by: str, now: datetime) -> Override:
        new_id = self.conn.execute(
            sa.insert(schedule_overrides)
            .values(
                schedule_id=schedule_id,
                person_id=override.person,
                starts_at=override.start,
                ends_at=override.end,
                note=override.note,
                created_by=created_by,
                created_at=now,
            )
            .returning(schedule_overrides.c.id)
        ).scalar_one()
        return Override(override.person, override.start, override.end, id=int(new_id), note=override.note)

    def remove_override(self, schedule_id: str, override_id: int) -> bool:
        result = self.conn.execute(
            sa.delete(schedule_overrides).where(
                schedule_overrides.c.id == override_id, schedule_overrides.c.schedule_id == schedule_id
            )
        )
        return result.rowcount == 1

    def overrides(self, schedule_id: str, start: datetime, end: datetime) -> list[Override]:
        rows = self.conn.execute(
            sa.select(schedule_overrides)
            .where(
                schedule_overrides.c.schedule_id == schedule_id,
                schedule_overrides.c.ends_at > start,
                schedule_overrides.c.starts_at < end,
            )
            .order_by(schedule_overrides.c.id)
        ).mappings()
        return [
            Override(r["person_id"], r["starts_at"], r["ends_at"], id=r["id"], note=r["note"]) for r in rows
        ]

    # ---- calendar feeds ------------------------------------------------------------------

    def create_feed(self, kind: str, target_id: str, created_by: str, now: datetime) -> tuple[str, int]:
        secret = secrets.token_urlsafe(24)
        feed_id = self.conn.execute(
            sa.insert(calendar_feeds)
            .values(
                kind=kind,
                target_id=target_id,
                secret_hash=hash_token(secret),
                created_by=created_by,
                created_at=now,
            )
            .returning(calendar_feeds.c.id)
        ).scalar_one()
        return secret, int(feed_id)

    def find_feed(self, secret: str) -> FeedRecord | None:
        """A feed not revoked, by its secret."""
        return self._live_feed(calendar_feeds.c.secret_hash == hash_token(secret))

    def feed(self, feed_id: int) -> FeedRecord | None:
        """A feed not revoked, by id."""
        return self._live_feed(calendar_feeds.c.id == feed_id)

    def _live_feed(self, where: sa.ColumnElement[bool]) -> FeedRecord | None:
        query = sa.select(calendar_feeds).where(where, calendar_feeds.c.revoked_at.is_(None))
        row = self.conn.execute(query).mappings().first()
        return _feed(row) if row is not None else None

    def revoke_feed(self, feed_id: int, now: datetime) -> bool:
        result = self.conn.execute(
            sa.update(calendar_feeds)
            .where(calendar_feeds.c.id == feed_id, calendar_feeds.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return result.rowcount == 1

    # ---- handoff notes -------------------------------------------------------------------

    def add_note(self, role: str, author: str, text: str, now: datetime) -> HandoffNote:
        note_id = self.conn.execute(
            sa.insert(handoff_notes)
            .values(role=role, author_id=author, text=text, created_at=now)
            .returning(handoff_notes.c.id)
        ).scalar_one()
        return HandoffNote(int(note_id), role, author, text, now)

    def notes(self, role: str, since: datetime, limit: int = 50) -> list[HandoffNote]:
        rows = self.conn.execute(
            sa.select(handoff_notes)
            .where(handoff_notes.c.role == role, handoff_notes.c.created_at >= since)
            .order_by(handoff_notes.c.id.desc())
            .limit(limit)
        ).mappings()
        return [HandoffNote(r["id"], r["role"], r["author_id"], r["text"], r["created_at"]) for r in rows]


def _feed(row: sa.RowMapping) -> FeedRecord:
    return FeedRecord(
        row["id"], row["kind"], row["target_id"], row["created_at"], row["revoked_at"], row["created_by"]
    )
