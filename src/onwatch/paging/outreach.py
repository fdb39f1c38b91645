"""Queue notifications that are not pages: announcements to channels, reminders and notices to
people. Inside the caller's transaction, like everything that writes the outbox."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from onwatch.config.cache import AppliedConfig
from onwatch.config.contacts import TARGET_FIELDS, MethodUrgency, Urgency
from onwatch.config.schema import Channel
from onwatch.db.uow import UnitOfWork
from onwatch.notify.base import Notification


def contact_methods(
    applied: AppliedConfig, person_id: str, urgency: Urgency = Urgency.HIGH
) -> list[dict[str, Any]]:
    """The person's contact methods in notification-rule order; everyone has at least their email.

    A low-urgency page leaves out the methods kept for high urgency (`urgency: high`: the loud ones),
    unless that would leave none."""
    person = applied.config.people.get(person_id)
    if person is None:
        return []
    methods = [
        {"channel": m.type.value, **m.target(), "delay": m.delay, "urgency": m.urgency}
        for m in person.contact_methods
    ]
    if urgency is Urgency.LOW:
        methods = [m for m in methods if m["urgency"] is MethodUrgency.ANY] or methods
    if not methods:  # never notify into the void
        methods = [{"channel": "email", "address": person.email, "delay": timedelta(0)}]
    return sorted(methods, key=lambda m: m["delay"])


def outbox_row(
    key: str,
    channel: str,
    target: dict[str, Any],
    notification: Notification,
    at: datetime,
    now: datetime,
    correlation: str,
) -> dict[str, Any]:
    """One outbox row: what `EngineRepository.enqueue` (or a page-write buffer) takes."""
    return {
        "idempotency_key": key,
        "channel": channel,
        "target": target,
        "payload": notification.to_payload(),
        "next_attempt_at": at,
        "created_at": now,
        "correlation": correlation,
    }


def method_row(
    method: dict[str, Any],
    key: str,
    notification: Notification,
    now: datetime,
    correlation: str,
    start: datetime | None = None,
) -> dict[str, Any]:
    """The outbox row for one contact method (from `contact_methods`), sent `delay` after `start`
    (default `now`; a low-urgency page starts when working hours do)."""
    target = {k: method[k] for k in TARGET_FIELDS if method.get(k)}
    at = (start or now) + method["delay"]
    return outbox_row(key, method["channel"], target, notification, at, now, correlation)


def channel_row(
    channel: Channel, channel_id: str, notification: Notification, key: str, now: datetime, correlation: str
) -> dict[str, Any]:
    """The outbox row posting to a configured channel."""
    target = channel.target()
    return outbox_row(f"{key}:{channel_id}", channel.type.value, target, notification, now, now, correlation)


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
    rows = [method_row(m, f"{key}:{i}", notification, now, correlation) for i, m in enumerate(methods)]
    uow.outbox.enqueue(rows)
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
    uow.outbox.enqueue([channel_row(channel, channel_id, notification, key, now, correlation)])
    return True
