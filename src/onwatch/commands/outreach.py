"""Queue notifications that are not pages: announcements to channels, reminders and notices to
people. Inside the caller's transaction, like everything that writes the outbox."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from onwatch.commands.config_cache import AppliedConfig
from onwatch.config.schema import ContactType
from onwatch.notify.base import Notification
from onwatch.store.uow import UnitOfWork

_CHANNEL_OF = {ContactType.EMAIL: "email", ContactType.SLACK: "slack", ContactType.WEBHOOK: "webhook"}


def contact_methods(applied: AppliedConfig, person_id: str) -> list[dict[str, Any]]:
    """The person's contact methods in notification-rule order; everyone has at least their email."""
    person = applied.config.people.get(person_id)
    if person is None:
        return []
    methods = [
        {
            "channel": _CHANNEL_OF[m.type],
            "address": m.address,
            "url": m.url,
            "secret": m.secret,
            "delay": m.delay,
        }
        for m in person.contact_methods
    ]
    if not methods:  # never notify into the void
        methods = [
            {"channel": "email", "address": person.email, "url": None, "secret": None, "delay": timedelta(0)}
        ]
    return sorted(methods, key=lambda m: m["delay"])


def _target(method: dict[str, Any]) -> dict[str, Any]:
    return {k: method[k] for k in ("address", "url", "secret") if method.get(k)}


def notify_person(
    uow: UnitOfWork,
    applied: AppliedConfig,
    person_id: str,
    notification: Notification,
    key: str,
    now: datetime,
    correlation: str,
    *,
    first_method_only: bool = False,
) -> bool:
    """Queue `notification` on the person's contact methods; False if the person is unknown."""
    methods = contact_methods(applied, person_id)
    if first_method_only:
        methods = methods[:1]
    rows = [
        {
            "idempotency_key": f"{key}:{i}",
            "channel": m["channel"],
            "target": _target(m),
            "payload": notification.to_payload(),
            "next_attempt_at": now + m["delay"],
            "created_at": now,
            "correlation": correlation,
        }
        for i, m in enumerate(methods)
    ]
    uow.engine.enqueue(rows)
    return bool(rows)


def post_to_channel(
    uow: UnitOfWork,
    applied: AppliedConfig,
    channel_id: str,
    notification: Notification,
    key: str,
    now: datetime,
    correlation: str,
) -> bool:
    """Queue a post to a configured channel; False if the channel does not exist (any more)."""
    channel = applied.config.channels.get(channel_id)
    if channel is None:
        return False
    target = {
        k: v for k, v in (("url", channel.url), ("address", channel.address), ("secret", channel.secret)) if v
    }
    uow.engine.enqueue(
        [
            {
                "idempotency_key": f"{key}:{channel_id}",
                "channel": channel.type.value,
                "target": target,
                "payload": notification.to_payload(),
                "next_attempt_at": now,
                "created_at": now,
                "correlation": correlation,
            }
        ]
    )
    return True
