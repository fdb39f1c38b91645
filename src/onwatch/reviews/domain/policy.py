"""When a review is needed, who owns and conducts it, and when its reminders are due (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from onwatch.kernel.enums import Role, Severity


@dataclass(frozen=True)
class Holding:
    """Who held (or was asked to hold) a role on the incident, and when they engaged."""

    role: Role
    person_id: str
    engaged_at: datetime | None
    renounced_at: datetime | None


def review_required(severity: Severity, review_requested: bool, required: Iterable[Severity]) -> bool:
    """S1/S2 (by default) always have a review, and so does any incident labelled review-requested."""
    return review_requested or severity in set(required)


def review_refused(
    severity: Severity, required: Iterable[Severity], optional: Iterable[Severity]
) -> str | None:
    """Why an incident of `severity` may not have a review asked for (None: it may): only the
    severities `reviews.required` or `reviews.optional` name have reviews."""
    allowed = set(required) | set(optional)
    if severity in allowed:
        return None
    listed = ", ".join(s.label for s in sorted(allowed)) or "none"
    return (
        f"{severity.label} incidents have no reviews here (reviews.required and reviews.optional: {listed})"
    )


def last_engaged(holdings: Sequence[Holding], role: Role) -> str | None:
    """The person who last engaged `role` on the incident (still holding it, or the last to)."""
    engaged = [h for h in holdings if h.role is role and h.engaged_at is not None]
    if not engaged:
        return None
    current = [h for h in engaged if h.renounced_at is None]
    pick = max(current or engaged, key=lambda h: h.engaged_at or datetime.min)
    return pick.person_id


def review_owner(holdings: Sequence[Holding], incident_owner: str) -> str:
    """The EOC who held the incident owns its review first; without one, the incident's owner."""
    return last_engaged(holdings, Role.EOC) or incident_owner


def review_conductor(holdings: Sequence[Holding]) -> str | None:
    """The IMOC conducts the post-incident review (PROCESS.md §10)."""
    return last_engaged(holdings, Role.IMOC)


def evening_reminder_at(resolved_at: datetime, zone: str, evening: time) -> datetime:
    """ "Do not end your work day without starting the RCA": the evening of the day the incident
    resolved, in the owner's own zone; resolved after that hour, one hour after resolution."""
    tz = ZoneInfo(zone)
    local = resolved_at.astimezone(tz)
    at = datetime.combine(local.date(), evening, tzinfo=tz)
    if at <= local:
        return resolved_at + timedelta(hours=1)
    return at.astimezone(resolved_at.tzinfo)


@dataclass(frozen=True)
class DueReminder:
    stage: str  # "before", "due", "overdue"
    at: datetime


def due_reminders(due_at: datetime, before: timedelta, after: timedelta) -> list[DueReminder]:
    """Reminders of a review or a corrective action: `before` its due date, on it, `after` it."""
    return [
        DueReminder("before", due_at - before),
        DueReminder("due", due_at),
        DueReminder("overdue", due_at + after),
    ]
