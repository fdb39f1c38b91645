"""Immutable timeline events and the actor who caused them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from onwatch.kernel.enums import EventKind, Interface

JSONScalar = str | int | float | bool | None
JSONValue = JSONScalar | list["JSONValue"] | Mapping[str, "JSONValue"]


@dataclass(frozen=True)
class Actor:
    """Who issued a command, and through which interface.

    `person_id` is None for automation (the engine, a token not tied to a person).
    """

    name: str
    interface: Interface
    person_id: str | None = None

    @classmethod
    def person(cls, person_id: str, interface: Interface) -> Actor:
        return cls(name=person_id, interface=interface, person_id=person_id)


@dataclass(frozen=True)
class TimelineEvent:
    at: datetime
    kind: EventKind
    actor: str
    interface: Interface
    message: str
    data: Mapping[str, JSONValue] = field(default_factory=dict)
    id: int | None = None
