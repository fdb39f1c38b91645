""" "Send a test" to one contact method: the channel itself, called at once, so the person learns
now (not at 3 a.m.) whether the method reaches them, and the answer says why if it does not."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from onwatch.db.outbox import OutboxMessage
from onwatch.notify.base import Channel, DeliveryError, Notification


@dataclass(frozen=True)
class TrialResult:
    method: int
    type: str
    delivered: bool
    error: str | None


def trial_notification(
    person: str, name: str, method: int, kind: str, view: str, now: datetime
) -> Notification:
    return Notification(
        kind="test",
        title=f"Test from onwatch: your {kind} contact method works",
        text=f"This is a test of contact method #{method} ({kind}) for {name}, "
        f"sent {now:%Y-%m-%d %H:%M} UTC. Nothing needs acknowledging.",
        severity="info",
        recipient=person,
        recipient_name=name,
        links={"view": view},
        urgency="high",  # tried as loud as a real page would be
    )


def send_trial(
    channels: Mapping[str, Channel],
    channel: str,
    target: dict[str, Any],
    notification: Notification,
    method: int,
) -> TrialResult:
    found = channels.get(channel)
    if found is None:
        return TrialResult(method, channel, False, f"no delivery channel {channel!r}")
    message = OutboxMessage(
        id=0,
        idempotency_key=f"test:{notification.recipient}:{method}:{secrets.token_hex(4)}",
        channel=channel,
        target=target,
        payload=notification.to_payload(),
    )
    try:
        found.send(message)
    except DeliveryError as exc:
        return TrialResult(method, channel, False, str(exc))
    except Exception as exc:  # a channel's bug must not become a 500 of the API
        return TrialResult(method, channel, False, f"{type(exc).__name__}: {exc}")
    return TrialResult(method, channel, True, None)
