"""Shifts as an iCalendar feed (RFC 5545) with VTIMEZONE blocks, built with `icalendar`."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar

from onwatch.oncall.domain.schedules import Shift


def shift_uid(
    calendar_id: str, schedule_name: str, shift: Shift, window_start: datetime | None = None
) -> str:
    """Stable per shift, so calendar apps update events instead of duplicating them; the schedule is
    part of it because one person can start shifts on two schedules at the same moment. A shift
    the feed's window cuts at its start (`window_start`, which moves with every fetch) is known by
    its end instead: its start is the window's, not the shift's."""
    clipped = window_start is not None and shift.start <= window_start
    edge = f"end {shift.end.isoformat()}" if clipped else shift.start.isoformat()
    identity = f"{calendar_id}|{schedule_name}|{shift.person}|{edge}"
    return f"{hashlib.sha256(identity.encode()).hexdigest()[:24]}@onwatch"


def _ambiguous(instant: datetime, zone: ZoneInfo) -> bool:
    """True for the second occurrence of a repeated hour: RFC 5545 reads a repeated local time as
    its first occurrence, so writing it as local time would move it an hour."""
    return instant.astimezone(zone).replace(fold=0).astimezone(UTC) != instant


def _times(shift: Shift, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Both ends in `zone`, or both in UTC when either cannot be written as local time (mixing the
    two within one event confuses some readers)."""
    if _ambiguous(shift.start, zone) or _ambiguous(shift.end, zone):
        return shift.start.astimezone(UTC), shift.end.astimezone(UTC)
    return shift.start.astimezone(zone), shift.end.astimezone(zone)


def render_calendar(
    *,
    calendar_id: str,
    name: str,
    shifts: Sequence[tuple[str, Shift]],
    zone: ZoneInfo,
    names: Mapping[str, str],
    now: datetime,
    window_start: datetime | None = None,
) -> bytes:
    """`shifts` pairs a schedule name with each shift; times are written in `zone` with its VTIMEZONE.
    `window_start`: where the shifts were cut (see `shift_uid`)."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//onwatch//on-call schedules//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    # no X-WR-TIMEZONE: every time carries its TZID or is UTC, and readers that honour the header
    # re-interpret UTC times in it, losing which of two repeated local hours was meant
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    for schedule_name, shift in shifts:
        person = names.get(shift.person, shift.person)
        event = icalendar.Event()
        start, end = _times(shift, zone)
        event.add("uid", shift_uid(calendar_id, schedule_name, shift, window_start))
        event.add("dtstamp", now)
        event.add("dtstart", start)
        event.add("dtend", end)
        event.add("summary", f"On call: {person} ({schedule_name})")
        source = "override" if shift.source.startswith("override") else f"layer {shift.source}"
        event.add("description", f"{person} is on call for {schedule_name} ({source}).")
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    if shifts and zone.key != "UTC":
        first = min(s.start for _, s in shifts).astimezone(zone).date() - timedelta(days=1)
        last = max(s.end for _, s in shifts).astimezone(zone).date() + timedelta(days=1)
        cal.add_missing_timezones(first_date=first, last_date=last)
    return bytes(cal.to_ical())
