"""Delivery outcomes on the timeline: a page or post delivered, being retried (with the error), or
failed for good shows on the timeline of its alert group or incident (the outbox row's correlation),
so a responder sees that amara's webhook answers 503 rather than wondering why nobody reacts.

A retried message records its first failure and its last outcome, not every attempt of twelve."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from onwatch.db.outbox import OutboxMessage
from onwatch.kernel.enums import EventKind, Interface
from onwatch.kernel.timeline import JSONValue, TimelineEvent
from onwatch.notify.base import DeliveryError

_WHAT = {"page": "page", "announcement": "announcement", "reminder": "reminder", "notice": "notice"}


def owner_of(correlation: str | None) -> tuple[int | None, int | None]:
    """(incident id, alert group id) whose timeline records a message's outcome; (None, None) for
    messages that belong to neither (status-page notices, reports' acknowledgements)."""
    kind, _, ref = (correlation or "").partition(":")
    if not ref.isdigit():
        return None, None
    if kind == "group":
        return None, int(ref)
    if kind == "incident":
        return int(ref), None
    return None, None


def _label(message: OutboxMessage) -> str:
    payload = message.payload
    what = _WHAT.get(str(payload.get("kind", "")), "message")
    to = str(payload.get("recipient_name") or payload.get("recipient") or "")
    return f"{what} to {to} by {message.channel}" if to else f"{what} by {message.channel}"


def outcome_event(
    message: OutboxMessage, error: DeliveryError | None, retry: bool, now: datetime
) -> TimelineEvent | None:
    """The event recording one delivery attempt's outcome, or None when it is not worth one (a
    retry after the first, or a message no timeline owns)."""
    incident_id, group_id = owner_of(message.correlation)
    if incident_id is None and group_id is None:
        return None
    attempt = message.attempts + 1
    data: dict[str, JSONValue] = {
        "key": message.idempotency_key,
        "channel": message.channel,
        "attempt": attempt,
    }
    if error is None:
        kind = EventKind.DELIVERED
        text = f"{_label(message)} delivered" + (f" (attempt {attempt})" if attempt > 1 else "")
    elif retry:
        if message.attempts > 0:
            return None
        kind, text = EventKind.DELIVERY_RETRYING, f"{_label(message)} failed, retrying: {error}"
    else:
        kind = EventKind.DELIVERY_FAILED
        text = f"{_label(message)} FAILED after {attempt} attempt{'s' if attempt > 1 else ''}: {error}"
    if error is not None:
        data["error"] = str(error)[:500]
    return TimelineEvent(
        at=now,
        kind=kind,
        actor="onwatch",
        interface=Interface.ENGINE,
        message=text[:2000],
        data=data,
        incident_id=incident_id,
        group_id=group_id,
    )


def outcome_events(
    outcomes: Sequence[tuple[OutboxMessage, DeliveryError | None, bool]], now: datetime
) -> list[TimelineEvent]:
    """`outcome_event` for each (message, error or None, will be retried)."""
    return [e for m, error, retry in outcomes if (e := outcome_event(m, error, retry, now)) is not None]
