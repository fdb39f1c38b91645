"""The public status page's rules: what a component's status is, the 90-day history, the overall
indicator, and how onwatch's words map to Statuspage's (so existing status widgets work).

Inputs are incidents already filtered for the public: the caller never passes a confidential one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from onwatch.incidents.domain.updates import PublicUpdate
from onwatch.kernel.enums import Severity, State, Status

# how bad a public status is, for "the worst of" questions
RANK: dict[Status, int] = {
    Status.OPERATIONAL: 0,
    Status.SECURITY_ISSUE: 1,
    Status.DEGRADED_PERFORMANCE: 1,
    Status.PARTIAL_SERVICE_DISRUPTION: 2,
    Status.SERVICE_DISRUPTION: 3,
}

# Statuspage's component statuses
COMPONENT_STATUS: dict[Status, str] = {
    Status.OPERATIONAL: "operational",
    Status.SECURITY_ISSUE: "degraded_performance",
    Status.DEGRADED_PERFORMANCE: "degraded_performance",
    Status.PARTIAL_SERVICE_DISRUPTION: "partial_outage",
    Status.SERVICE_DISRUPTION: "major_outage",
}

# Statuspage's page indicator and its description, by the worst status now
INDICATOR: dict[int, tuple[str, str]] = {
    0: ("none", "All Systems Operational"),
    1: ("minor", "Minor Service Outage"),
    2: ("major", "Partial System Outage"),
    3: ("critical", "Major System Outage"),
}

# Statuspage's incident impact, from our severity
IMPACT: dict[Severity, str] = {
    Severity.S1: "critical",
    Severity.S2: "major",
    Severity.S3: "minor",
    Severity.S4: "none",
}


@dataclass(frozen=True)
class Component:
    id: str
    name: str
    description: str
    position: int


@dataclass(frozen=True)
class PublicIncident:
    """A non-confidential incident as the public may see it."""

    id: int
    title: str
    severity: Severity
    state: State
    status: Status
    services: tuple[str, ...]
    declared_at: datetime
    updated_at: datetime
    mitigated_at: datetime | None
    resolved_at: datetime | None
    # the worst public status it ever had (its status history), for the history bars
    worst_status: Status
    updates: tuple[PublicUpdate, ...] = field(default=())  # newest first

    @property
    def active(self) -> bool:
        return self.state is not State.RESOLVED


@dataclass(frozen=True)
class Day:
    day: date
    worst: Status
    incident_ids: tuple[int, ...]

    @property
    def label(self) -> str:
        if not self.incident_ids:
            return f"{self.day.isoformat()}: no incidents"
        return f"{self.day.isoformat()}: {self.worst.title} ({len(self.incident_ids)} incident(s))"


def worst(statuses: Iterable[Status]) -> Status:
    return max(statuses, key=lambda s: RANK[s], default=Status.OPERATIONAL)


def component_status(component_id: str, incidents: Iterable[PublicIncident]) -> Status:
    """The worst status among the active incidents that affect the component."""
    return worst(i.status for i in incidents if i.active and component_id in i.services)


def overall(incidents: Iterable[PublicIncident]) -> tuple[str, str]:
    """Statuspage's (indicator, description) from the worst status of the active incidents."""
    level = max((RANK[i.status] for i in incidents if i.active), default=0)
    return INDICATOR[level]


def history(
    component_id: str, incidents: Sequence[PublicIncident], now: datetime, days: int = 90
) -> list[Day]:
    """One entry per UTC day, oldest first, ending today: the worst status an incident affecting
    the component had, among those open at some time that day."""
    today = now.astimezone(UTC).date()
    mine = [i for i in incidents if component_id in i.services]
    out: list[Day] = []
    for back in range(days - 1, -1, -1):
        day = today - timedelta(days=back)
        start = datetime.combine(day, time(0), tzinfo=UTC)
        end = start + timedelta(days=1)
        hits = [i for i in mine if i.declared_at < end and (i.resolved_at or now) >= start]
        out.append(Day(day, worst(i.worst_status for i in hits), tuple(i.id for i in hits)))
    return out
