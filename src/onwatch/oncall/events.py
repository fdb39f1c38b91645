"""What happens to the schedules that other slices react to (onwatch.kernel.events)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ShiftsChanged:
    """An override was added to or removed from `schedule_id`: who holds its role when, and so its
    handoffs, may have changed (the shift handoff report reschedules, reports/handoff)."""

    schedule_id: str
    at: datetime
