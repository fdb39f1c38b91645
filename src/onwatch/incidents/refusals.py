"""Refused actions go on the incident's timeline (for the review): who tried what, from where,
and the rule's own words for why not."""

from __future__ import annotations

from datetime import datetime

from onwatch.kernel.enums import EventKind
from onwatch.kernel.errors import (
    ConcurrentModification,
    DomainError,
    InvalidInput,
    InvalidTransition,
    NotFound,
)
from onwatch.kernel.timeline import Actor, TimelineEvent


def recorded_refusal(error: DomainError) -> bool:
    """A rule of the process said no (the wrong person; the IMOC not engaged; not monitored long
    enough): not a typo, an impossible transition, a missing incident or a lost race, which say
    nothing about how the response went."""
    return not isinstance(error, InvalidInput | InvalidTransition | NotFound | ConcurrentModification)


def refusal_event(action: str, actor: Actor, error: DomainError, now: datetime) -> TimelineEvent:
    return TimelineEvent(
        at=now,
        kind=EventKind.REFUSED,
        actor=actor.name,
        interface=actor.interface,
        message=f"refused: {actor.name} tried to {action}: {error.message}",
        data={"action": action, "reason": error.message, "person": actor.person_id},
    )
