"""The in-transaction event bus: how one slice reacts to another's change against the direction of
the imports ("a group acknowledged engages the role it paged", "a config applied schedules the SLO
evaluation").

A domain event is a plain frozen dataclass defined by the slice it happens in. Handlers are
subscribed once, at composition (onwatch.bootstrap), and run at once, synchronously, inside the
publisher's unit of work: the change and every reaction commit together, or none do. An event
nobody subscribed to is an error, so a bus left unwired cannot silently turn the process off.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

Context = TypeVar("Context")
Event = TypeVar("Event")


class UnhandledEvent(LookupError):
    """Published with no handler subscribed: the application was not built through bootstrap."""


class EventBus(Generic[Context]):
    """Event type -> handlers, called in subscription order with the publisher's context (the
    unit of work) and the event."""

    def __init__(self) -> None:
        self._handlers: dict[type[Any], list[Callable[[Context, Any], None]]] = {}

    def subscribe(self, kind: type[Event], handler: Callable[[Context, Event], None]) -> None:
        self._handlers.setdefault(kind, []).append(handler)

    def publish(self, context: Context, event: object) -> None:
        handlers = self._handlers.get(type(event))
        if not handlers:
            raise UnhandledEvent(
                f"nobody handles {type(event).__name__}: build the application through onwatch.bootstrap"
            )
        for handler in handlers:
            handler(context, event)
