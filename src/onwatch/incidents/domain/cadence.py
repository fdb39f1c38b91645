"""When the next public status update is due (PROCESS.md §9): a cadence by severity and state."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from onwatch.kernel.enums import Severity, State

Cadence = Mapping[State, timedelta]


def _minutes(investigating: int, identified: int, monitoring: int) -> dict[State, timedelta]:
    return {
        State.INVESTIGATING: timedelta(minutes=investigating),
        State.IDENTIFIED: timedelta(minutes=identified),
        State.MONITORING: timedelta(minutes=monitoring),
    }


# PROCESS.md §9; the configuration (`severities.<S>.update_cadence`) may change them.
DEFAULT_CADENCE: dict[Severity, dict[State, timedelta]] = {
    Severity.S1: _minutes(10, 10, 30),
    Severity.S2: _minutes(15, 30, 60),
    Severity.S3: _minutes(15, 30, 60),
    Severity.S4: _minutes(15, 30, 60),
}


def update_due(
    severity: Severity,
    state: State,
    last_update_or_declared_at: datetime,
    cadence: Mapping[Severity, Cadence] | None = None,
) -> datetime | None:
    """The instant the next public update is due, or None when no update is due (Resolved).

    `last_update_or_declared_at` is the last public update, or the declaration when none was posted.
    """
    table = (cadence or DEFAULT_CADENCE).get(severity) or DEFAULT_CADENCE[severity]
    interval = table.get(state)
    if interval is None:
        return None
    return last_update_or_declared_at + interval
