"""Shifts as an iCalendar feed (RFC 5545) with VTIMEZONE blocks, built with `icalendar`."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar

from onwatch.domain.schedules import Shift


def shift_uid(calendar_id: str, shift: Shift) -> str:
    """Stable per shift, so calendar apps update events instead of duplicating them."""
    digest = hashlib.sha256(f"{calendar_id}|{shift.person}|{shift.start.isoformat()}".encode()).hexdigest()[
        :24
    ]
    return f"{digest}@onwatch"


def render_calendar(
    *,
    calendar_id: str,
    name: str,
    shifts: Sequence[tuple[str, Shift]],
    zone: ZoneInfo,
    names: Mapping[str, str],
    now: datetime,
) -> bytes:
    """`shifts` pairs a schedule name with each shift; times are written in `zone` with its VTIMEZONE."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//onwatch//on-call schedules//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", zone.key)
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    for schedule_name, shift in shifts:
        person = names.get(shift.person, shift.person)
        event = icalendar.Event()
        event.add("uid", shift_uid(calendar_id, shift))
        event.add("dtstamp", now)
        event.add("dtstart", shift.start.astimezone(zone))
        event.add("dtend", shift.end.astimezone(zone))
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
