"""Follow-up items mirrored to the tracker webhook `follow_ups.webhook` (a `channels.<id>` of type
webhook: signed with HMAC-SHA256, delivered at least once through the outbox with an idempotency
key per change), so a tracker keeps a copy of each item as it is created and closed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from onwatch.config.cache import AppliedConfig
from onwatch.db.uow import UnitOfWork
from onwatch.notify.base import Notification
from onwatch.paging.outreach import post_to_channel
from onwatch.reports.feedback.domain import FollowUp


def follow_up_state(item: FollowUp, public_url: str) -> dict[str, Any]:
    """What a tracker needs to mirror the item (`notification.ref` of the webhook's JSON)."""
    return {
        "follow_up": item.id,
        "status": item.status.value,
        "reason": item.reason.value,
        "alertname": item.alertname,
        "integration": item.integration_id,
        "alert_group": item.group_id,
        "owner": item.owner_id,
        "title": item.title,
        "created_by": item.created_by,
        "created_at": item.created_at.isoformat(),
        "closed_by": item.closed_by,
        "closed_at": item.closed_at.isoformat() if item.closed_at else None,
        "close_note": item.close_note,
        "url": f"{public_url}/follow-ups#follow-up-{item.id}",
    }


def mirror_follow_up(
    uow: UnitOfWork, applied: AppliedConfig, item: FollowUp, change: str, now: datetime, public_url: str
) -> bool:
    """Queue the item's `change` ("created" or "closed") for the tracker webhook, if one is set."""
    channel = applied.config.follow_ups.webhook
    if channel is None or item.id is None:
        return False
    state = follow_up_state(item, public_url)
    note = Notification(
        kind="follow_up",
        title=f"Follow-up {change}: {item.title}",
        text=f"#{item.id} for alert rule {item.rule}: {item.status.value}, owner {item.owner_id or 'nobody'}",
        recipient=channel,
        links={"view": state["url"]},
        ref={**state, "change": change},
    )
    key = f"follow_up:{item.id}:{change}"
    return post_to_channel(uow, applied, channel, note, key, now, f"follow_up:{item.id}")
