"""Urgency: which pages may wake someone. Low-urgency pages wait for the person's working hours."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

HIGH = "high"
LOW = "low"


def page_urgency(service_urgency: str, severity: str, low_severities: Iterable[str]) -> str:
    """Low if the service is low urgency or the alert's severity is one of `low_severities`."""
    if service_urgency == LOW:
        return LOW
    low = {s.lower() for s in low_severities}
    return LOW if severity.lower() in low else HIGH


def working_start(now: datetime, zone: str, start: time, end: time, weekdays: frozenset[int]) -> datetime:
    """`now` if it falls in the working hours (`start`-`end` on `weekdays`, Monday 0, wall-clock time
    in `zone`), else when they next begin. No working days at all: `now` (never wait forever)."""
    if not weekdays:
        return now
    tz = ZoneInfo(zone)
    local = now.astimezone(tz)
    for offset in range(8):
        day = local.date() + timedelta(days=offset)
        if day.weekday() not in weekdays:
            continue
        opens = datetime.combine(day, start, tz)
        closes = datetime.combine(day, end, tz)
        if opens <= local < closes:
            return now
        if opens > local:
            return opens.astimezone(UTC)
    return now  # pragma: no cover - a week always holds one of `weekdays`
