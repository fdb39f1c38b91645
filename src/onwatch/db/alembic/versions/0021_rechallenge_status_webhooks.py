"""status page webhooks confirmed without a challenge: paused until they echo one

Subscriptions made before webhooks were confirmed by a challenge became active at once (their
`confirmed_at` equals their `created_at`; a challenge echoed is always later). Each is marked
unconfirmed, so it receives no update until it answers a challenge, and one timer queues those
challenges (status/timers.py: the engine sends them, with the subscriber's unsubscribe link). A
subscriber whose endpoint echoes is active again at once; one that cannot must subscribe anew.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 21:00:00
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from onwatch.db.types import JSONType, UTCDateTime

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

KIND = "status_rechallenge"  # onwatch.status.timers.RECHALLENGE
KEY = "status-rechallenge:0020"

subscribers = sa.table(
    "status_subscribers",
    sa.column("id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("created_at", UTCDateTime),
    sa.column("confirmed_at", UTCDateTime),
    sa.column("unsubscribed_at", UTCDateTime),
)
timers = sa.table(
    "timers",
    sa.column("kind", sa.String),
    sa.column("due_at", UTCDateTime),
    sa.column("payload", JSONType),
    sa.column("dedup_key", sa.String),
    sa.column("attempts", sa.Integer),
    sa.column("created_at", UTCDateTime),
)


def upgrade() -> None:
    bind = op.get_bind()
    never_challenged = sa.and_(
        subscribers.c.kind == "webhook",
        subscribers.c.unsubscribed_at.is_(None),
        subscribers.c.confirmed_at.is_not(None),
        subscribers.c.confirmed_at == subscribers.c.created_at,
    )
    ids = [int(i) for i in bind.execute(sa.select(subscribers.c.id).where(never_challenged)).scalars()]
    if not ids:
        return
    bind.execute(sa.update(subscribers).where(subscribers.c.id.in_(ids)).values(confirmed_at=None))
    now = datetime.now(UTC)
    bind.execute(
        sa.insert(timers).values(
            kind=KIND, due_at=now, payload={"subscribers": ids}, dedup_key=KEY, attempts=0, created_at=now
        )
    )


def downgrade() -> None:
    # the pause is kept: a subscription active again without an echo is the hole this closed
    op.get_bind().execute(sa.delete(timers).where(timers.c.dedup_key == KEY))
