"""The interface every delivery channel implements (it is handed onwatch.db.outbox.OutboxMessage)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from onwatch.db.outbox import OutboxMessage
from onwatch.kernel.alert_context import AlertContext
from onwatch.kernel.enums import FeedbackChoice


@dataclass(frozen=True)
class Notification:
    """What a page or announcement says, independent of the channel that carries it.

    Stored as `OutboxMessage.payload` via `to_payload()`; channels rebuild it with `from_payload`.
    """

    kind: str  # "page", "announcement", "reminder", ...
    title: str
    text: str
    severity: str = ""
    service: str = ""
    recipient: str = ""  # person id, or channel id for channel posts
    recipient_name: str = ""
    # e.g. {"acknowledge": url, "resolve": url, "view": url}
    links: dict[str, str] = field(default_factory=dict)
    facts: dict[str, str] = field(default_factory=dict)  # short key/value lines shown with the message
    ref: dict[str, Any] = field(default_factory=dict)  # machine-readable ids: {"alert_group": 12, ...}
    # what the alert says beyond its summary (kernel.alert_context.AlertContext.to_payload()), for pages
    context: dict[str, Any] = field(default_factory=dict)
    # "high" wakes people (loud methods, max priority); "low" waits for working hours, quietly
    urgency: str = "high"

    @property
    def alert_context(self) -> AlertContext:
        return AlertContext.from_payload(self.context)

    def to_payload(self) -> dict[str, Any]:
        extra = {"context": self.context} if self.context else {}
        return {
            "kind": self.kind,
            "title": self.title,
            "text": self.text,
            "severity": self.severity,
            "service": self.service,
            "recipient": self.recipient,
            "recipient_name": self.recipient_name,
            "links": dict(self.links),
            "facts": dict(self.facts),
            "ref": dict(self.ref),
            **extra,
            "urgency": self.urgency,
        }

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> Notification:
        return cls(
            kind=str(data.get("kind", "")),
            title=str(data.get("title", "")),
            text=str(data.get("text", "")),
            severity=str(data.get("severity", "")),
            service=str(data.get("service", "")),
            recipient=str(data.get("recipient", "")),
            recipient_name=str(data.get("recipient_name", "")),
            links=ordered_links(dict(data.get("links", {}))),
            facts={str(k): str(v) for k, v in dict(data.get("facts", {})).items()},
            ref=dict(data.get("ref", {})),
            context=dict(data.get("context") or {}),
            urgency=str(data.get("urgency", "high")),
        )


# then the page's feedback links, one per choice (paging/links.py: feedback_link_key)
LINK_ORDER = ("acknowledge", "resolve", "view", *(f"feedback_{c.value}" for c in FeedbackChoice))


def ordered_links(links: dict[Any, Any]) -> dict[str, str]:
    """Links in the order people see them: Acknowledge first (the primary button), then Resolve, Open,
    the feedback choices, then the rest as stored. PostgreSQL's JSONB keeps keys sorted by length, not
    as written."""
    rank = {key: i for i, key in enumerate(LINK_ORDER)}
    keys = sorted((str(k) for k in links), key=lambda k: rank.get(k, len(LINK_ORDER)))
    text = {str(k): str(v) for k, v in links.items()}
    return {k: text[k] for k in keys}


class DeliveryError(Exception):
    """Delivery failed. `retryable` False means retrying cannot help (e.g. HTTP 400, bad address)."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class Channel(Protocol):
    name: str

    def send(self, message: OutboxMessage) -> None:
        """Deliver once; return on success, raise DeliveryError otherwise. Must be thread-safe."""
        ...


def notification_of(message: OutboxMessage) -> Notification:
    """The Notification an outbox message carries; a malformed payload fails for good."""
    try:
        return Notification.from_payload(message.payload)
    except (TypeError, ValueError, AttributeError) as exc:
        raise DeliveryError(f"bad notification payload: {exc}", retryable=False) from exc
