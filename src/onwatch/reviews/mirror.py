"""Corrective actions mirrored outside: every change to the configured webhook channel (signed,
with an idempotency key, through the outbox), so a tracker can follow them."""

from __future__ import annotations

from datetime import datetime

from onwatch.config.cache import AppliedConfig
from onwatch.db.uow import UnitOfWork
from onwatch.reviews.domain.actions import CorrectiveAction
from onwatch.reviews.domain.review import Review


def mirror_action(
    uow: UnitOfWork,
    applied: AppliedConfig | None,
    review: Review,
    action: CorrectiveAction,
    change: str,
    now: datetime,
) -> None:
    """Queue the action's new state for the webhook channel `reviews.webhook`, if one is set."""
    return None
