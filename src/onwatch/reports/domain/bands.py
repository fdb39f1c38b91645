"""Hour bands of an interruption, in the interrupted person's own zone.

PagerDuty's on-call health report splits interruptions into business hours, off-hours and sleep
hours; onwatch uses the same three: business 08:00-18:00 Monday to Friday, sleep 22:00-08:00 every
day, off-hours the rest (evenings 18:00-22:00 and weekend days). The band is read from the local wall
clock, so a sleep band across a DST night is still 22:00-08:00 on the clock (9 or 11 hours long).

The reports compute bands in SQL: `offset_spans` gives, per zone, the UTC spans over which its UTC
offset is constant, so the database adds an offset instead of knowing time zones (SQLite does not).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

BUSINESS_START, BUSINESS_END = 8, 18  # local hours, Monday to Friday
SLEEP_START, SLEEP_END = 22, 8  # local hours, every day


class HourBand(StrEnum):
    BUSINESS = "business"
    OFF_HOURS = "off_hours"
    SLEEP = "sleep"


def band_of_wall_clock(hour: int, weekday: int) -> HourBand:
    """The band of a local wall-clock hour (0-23) on an ISO weekday (1 Monday ... 7 Sunday)."""
    if hour >= SLEEP_START or hour < SLEEP_END:
        return HourBand.SLEEP
    if weekday <= 5 and BUSINESS_START <= hour < BUSINESS_END:
        return HourBand.BUSINESS
    return HourBand.OFF_HOURS


def band_at(at: datetime, zone: ZoneInfo) -> HourBand:
    """The band an instant falls in for a person living in `zone`."""
    local = at.astimezone(zone)
    return band_of_wall_clock(local.hour, local.isoweekday())


@dataclass(frozen=True)
class OffsetSpan:
    """[start, end) in UTC over which `zone` is `offset` ahead of UTC."""

    start: datetime
    end: datetime
    offset: timedelta


def offset_spans(zone: ZoneInfo, start: datetime, end: datetime) -> list[OffsetSpan]:
    """The spans covering [start, end) on which the zone's UTC offset does not change.

    Offsets change at most a few times a year; the transitions are found by bisecting each day on
    which the offset at its two ends differs (to the second), so no zone database internals are read.
    """
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    spans: list[OffsetSpan] = []
    span_start = start
    offset = _offset(zone, start)
    day = start
    while day < end:
        nxt = min(day + timedelta(days=1), end)
        if _offset(zone, nxt) != offset:
            change = _transition(zone, day, nxt, offset)
            spans.append(OffsetSpan(span_start, change, offset))
            span_start, offset = change, _offset(zone, change)
        day = nxt
    spans.append(OffsetSpan(span_start, end, offset))
    return spans


def _offset(zone: ZoneInfo, at: datetime) -> timedelta:
    return at.astimezone(zone).utcoffset() or timedelta(0)


def _transition(zone: ZoneInfo, low: datetime, high: datetime, before: timedelta) -> datetime:
    """The first instant in (low, high] whose offset is no longer `before`."""
    while high - low > timedelta(seconds=1):
        mid = low + (high - low) / 2
        if _offset(zone, mid) == before:
            low = mid
        else:
            high = mid
    return high.replace(microsecond=0)
