"""Status page subscribers: email addresses (double opt-in) and webhook URLs."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from onwatch.db.tables import status_subscribers


@dataclass(frozen=True)
class Subscriber:
    """A row of status_subscribers (the fields are its columns)."""

    id: int
    kind: str
    token: str
    address: str
    created_at: datetime
    confirmed_at: datetime | None
    unsubscribed_at: datetime | None

    @property
    def active(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None


class SubscriberRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def add(self, kind: str, address: str, now: datetime, *, confirmed: bool) -> tuple[str, int]:
        """A subscriber and its secret token (used in the confirm and unsubscribe links)."""
        token = secrets.token_urlsafe(32)
        new_id = self.conn.execute(
            sa.insert(status_subscribers)
            .values(
                kind=kind,
                address=address,
                token=token,
                created_at=now,
                confirmed_at=now if confirmed else None,
            )
            .returning(status_subscribers.c.id)
        ).scalar_one()
        return token, int(new_id)

    def by_token(self, token: str) -> Subscriber | None:
        query = sa.select(status_subscribers).where(status_subscribers.c.token == token)
        row = self.conn.execute(query).mappings().first()
        return Subscriber(**row) if row else None

    def confirm(self, subscriber_id: int, now: datetime) -> None:
        self.conn.execute(
            sa.update(status_subscribers)
            .where(status_subscribers.c.id == subscriber_id, status_subscribers.c.confirmed_at.is_(None))
            .values(confirmed_at=now)
        )

    def unsubscribe(self, subscriber_id: int, now: datetime) -> None:
        self.conn.execute(
            sa.update(status_subscribers)
            .where(status_subscribers.c.id == subscriber_id, status_subscribers.c.unsubscribed_at.is_(None))
            .values(unsubscribed_at=now)
        )

    def by_ids(self, ids: list[int]) -> list[Subscriber]:
        rows = self.conn.execute(
            sa.select(status_subscribers)
            .where(status_subscribers.c.id.in_(sorted(set(ids))))
            .order_by(status_subscribers.c.id)
        ).mappings()
        return [Subscriber(**r) for r in rows]

    def active(self) -> list[Subscriber]:
        rows = self.conn.execute(
            sa.select(status_subscribers)
            .where(
                status_subscribers.c.confirmed_at.is_not(None),
                status_subscribers.c.unsubscribed_at.is_(None),
            )
            .order_by(status_subscribers.c.id)
        ).mappings()
        return [Subscriber(**r) for r in rows]
