"""An iCalendar feed's events as concrete occurrences: RRULE expanded (dateutil), EXDATE removed,
an instance with a RECURRENCE-ID replacing the occurrence it names (RFC 5545 §3.8.4.4)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
from dateutil.rrule import rrulestr

from onwatch.importers.report import SourceError


@dataclass(frozen=True, order=True)
class Occurrence:
    start: datetime  # UTC
    end: datetime
    who: str  # the attendee's email if there is one, else the summary
    uid: str


def _aware(value: object, zone: ZoneInfo) -> datetime:
    """DTSTART/DTEND values: a date is midnight in `zone`, a floating time is `zone`'s wall time."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=zone)
    if isinstance(value, date):
        return datetime.combine(value, time(0), tzinfo=zone)
    raise ValueError(f"not a date or time: {value!r}")


def _who(event: Any) -> str:
    attendees = event.get("ATTENDEE")
    for attendee in attendees if isinstance(attendees, list) else [attendees] if attendees else []:
        text = str(attendee)
        if text.lower().startswith("mailto:"):
            return text[7:].strip()
    return str(event.get("SUMMARY", "")).strip()


def _instants(prop: Any, zone: ZoneInfo) -> set[datetime]:
    """EXDATE values (one property or several) as UTC instants."""
    out: set[datetime] = set()
    for p in prop if isinstance(prop, list) else [prop] if prop is not None else []:
        for dt in getattr(p, "dts", []):
            out.add(_aware(dt.dt, zone).astimezone(UTC))
    return out


def _span(event: Any, zone: ZoneInfo) -> tuple[datetime, timedelta]:
    start = _aware(event["DTSTART"].dt, zone)
    if event.get("DTEND") is not None:
        end = _aware(event["DTEND"].dt, zone).astimezone(start.tzinfo)
        # aware datetimes in one zone subtract as wall times: a recurring 7-day shift keeps its
        # wall-clock end across a DST change, as calendar readers show it
        return start, end.replace(tzinfo=None) - start.replace(tzinfo=None)
    if event.get("DURATION") is not None:
        return start, event["DURATION"].dt
    return start, timedelta(days=1) if not isinstance(event["DTSTART"].dt, datetime) else timedelta(0)


def parse_feed(data: bytes, zone: ZoneInfo, since: datetime, until: datetime) -> list[Occurrence]:
    """Every occurrence overlapping [since, until), sorted; cancelled instances are left out."""
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except ValueError as exc:
        raise SourceError(f"the feed is not an iCalendar document: {exc}") from None
    masters: list[Any] = []
    moved: dict[str, dict[datetime, Any]] = defaultdict(dict)
    for event in calendar.walk("VEVENT"):
        if event.get("DTSTART") is None:
            raise SourceError(f"event {event.get('UID', '?')} has no DTSTART")
        rid = event.get("RECURRENCE-ID")
        if rid is not None:
            moved[str(event.get("UID", ""))][_aware(rid.dt, zone).astimezone(UTC)] = event
        else:
            masters.append(event)
    out: list[Occurrence] = []

    def add(event: Any) -> None:
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            return
        start, length = _span(event, zone)
        lo, hi = start.astimezone(UTC), (start + length).astimezone(UTC)
        if lo < until and since < hi:
            out.append(Occurrence(lo, hi, _who(event), str(event.get("UID", ""))))

    for event in masters:
        uid = str(event.get("UID", ""))
        if event.get("RRULE") is None:
            add(event)
            continue
        start, length = _span(event, zone)
        try:
            rule = rrulestr(event["RRULE"].to_ical().decode(), dtstart=start)
            starts = rule.between(since.astimezone(start.tzinfo) - length, until, inc=True)
        except (ValueError, TypeError) as exc:
            raise SourceError(f"event {uid}: its RRULE cannot be read: {exc}") from None
        skipped = _instants(event.get("EXDATE"), zone)
        for s in starts:
            key = s.astimezone(UTC)
            if key in skipped:
                continue
            replaced = moved[uid].pop(key, None)
            if replaced is not None:
                add(replaced)
                continue
            lo, hi = key, (s + length).astimezone(UTC)
            if lo < until and since < hi:
                out.append(Occurrence(lo, hi, _who(event), uid))
    for instances in moved.values():  # instances of occurrences outside the window may move into it
        for event in instances.values():
            add(event)
    return sorted(out)
