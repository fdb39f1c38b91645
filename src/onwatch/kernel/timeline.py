"""Immutable timeline events and the actor who caused them.

One timeline: an event belongs to an incident (`incident_id`), to an alert group (`group_id`), or
both. An incident's timeline shows its own events and the pages, acknowledgements and resolutions
of the alert groups linked to it (`EventKind.on_incident`), read where they were written: nothing
is copied when a group is linked. Facts a rule needs are columns (`role`, `person`), never parsed
from `message` or `data`, which are for people to read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from onwatch.kernel.enums import EventKind, Interface, Role

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
    incident_id: int | None = None
    group_id: int | None = None
    role: Role | None = None  # the role a page was for (None: paged as a person, or not a page)
    person: str | None = None  # who was paged

    def on_incident(self) -> TimelineEvent:
        """This event as the timeline of an incident shows it: an event of a linked alert group
        under its incident kind and prefixed with the group's number; an incident's own as it is."""
        if self.group_id is None or self.incident_id is not None:
            return self
        return replace(
            self,
            kind=self.kind.on_incident or self.kind,
            message=f"alert group #{self.group_id}: {self.message}",
            data={"alert_group": self.group_id, **self.data},
        )
