"""What happens to alert groups that other slices react to (onwatch.kernel.events)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from onwatch.kernel.timeline import Actor


@dataclass(frozen=True)
class GroupAcknowledged:
    """Someone acknowledged an alert group's page: a role page engages its role on the incident."""

    group_id: int
    actor: Actor
    at: datetime
