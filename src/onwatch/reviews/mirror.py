"""Corrective actions mirrored outside, through the outbox (delivered at least once, each message
with its idempotency key):

- every change to the webhook channel `reviews.webhook` (a `channels.<id>` of type webhook: signed
  with HMAC-SHA256 like every onwatch webhook), so a tracker can mirror the action;
- a new action to the issue tracker `reviews.tracker` (GitHub or GitLab, reviews/tracker.py), so
  "each event results in an issue in the production tracker".
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from onwatch.config.cache import AppliedConfig
from onwatch.db.uow import UnitOfWork
from onwatch.notify.base import Notification
from onwatch.paging.outreach import outbox_row, post_to_channel
from onwatch.reviews.domain.actions import CorrectiveAction
from onwatch.reviews.domain.review import Review

TRACKER_CHANNEL = "review_tracker"


def action_state(review: Review, action: CorrectiveAction) -> dict[str, Any]:
    return {
        "corrective_action": action.id,
        "version": action.version,
        "review": review.id,
        "incident": review.incident_id,
        "near_miss": review.near_miss_review,
        "title": action.title,
        "owner": action.owner_id,
        "due_at": action.due_at.isoformat(),
        "status": action.status.value,
        "reason": action.reason,
        "link": action.link,
        "severity": (review.final_severity or review.severity).label,
    }


def mirror_action(
    uow: UnitOfWork,
    applied: AppliedConfig | None,
    review: Review,
    action: CorrectiveAction,
    change: str,
    now: datetime,
) -> None:
    """Queue the action's new state for the webhook channel, and a new action for the tracker."""
    if applied is None or action.id is None:
        return
    settings = applied.config.reviews
    state = action_state(review, action)
    if settings.webhook is not None:
        note = Notification(
            kind="corrective_action",
            title=f"Corrective action {change}: {action.title}",
            text=f"#{action.id} of review #{review.id}: {action.status.value}, owner {action.owner_id}, "
            f"due {action.due_at:%Y-%m-%d}",
            severity=state["severity"],
            recipient=settings.webhook,
            ref=state,
        )
        post_to_channel(
            uow,
            applied,
            settings.webhook,
            note,
            f"action:{action.id}:v{action.version}",
            now,
            f"action:{action.id}",
        )
    if settings.tracker is not None and change == "created":
        note = Notification(
            kind="corrective_action_issue",
            title=action.title,
            text=f"Corrective action #{action.id} of review #{review.id} ({review.title}); "
            f"owner {action.owner_id}, due {action.due_at:%Y-%m-%d}.",
            ref=state,
        )
        uow.outbox.enqueue(
            [
                outbox_row(
                    f"action:{action.id}:issue", TRACKER_CHANNEL, {}, note, now, now, f"action:{action.id}"
                )
            ]
        )
