"""On-call schedules: rotations, layers with time windows, and overrides (pure, no I/O).

Time rules, chosen to match RFC 5545 so that exported calendars agree with onwatch:
- Handoffs are wall-clock times in the rotation's IANA zone. A rotation whose shift is a whole
  number of days, or divides a day evenly (1h, 2h, 3h, 4h, 6h, 8h, 12h), hands off at the same
  wall-clock times every local day, so on DST days one shift is an hour shorter or longer.
  Any other shift length (5h, 36h, ...) is a fixed real duration counted from the start.
- A wall-clock time inside a DST gap (02:30 on the spring-forward night in Europe/Berlin) is read
  with the UTC offset before the gap, i.e. it happens at 03:30: RFC 5545 §3.3.5. A repeated
  time (the autumn fold) means its first occurrence.
- Everything after that is UTC arithmetic on aware datetimes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import IntEnum
from zoneinfo import ZoneInfo

DAY = timedelta(days=1)


class Weekday(IntEnum):
    MON = 0
    TUE = 1
    WED = 2
    THU = 3
    FRI = 4
    SAT = 5
    SUN = 6


def local_instant(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The UTC instant at which the clock in `zone` shows `wall` on `day` (RFC 5545 rules)."""
    return datetime.combine(day, wall, tzinfo=zone).astimezone(UTC)


def in_dst_gap(day: date, wall: time, zone: ZoneInfo) -> bool:
    """True when `wall` does not exist on `day` in `zone` (skipped by a forward DST change)."""
    local = datetime.combine(day, wall, tzinfo=zone)
    round_trip = local.astimezone(UTC).astimezone(zone)
    return round_trip.replace(tzinfo=None) != local.replace(tzinfo=None)


@dataclass(frozen=True)
class Rotation:
    """People taking turns: members[0] from `start` (at the handoff time), then members[1], ..."""

    members: tuple[str, ...]
    shift: timedelta
    handoff: time
    zone: ZoneInfo
    start: date

    def __post_init__(self) -> None:
        if not self.members:
            raise ValueError("a rotation needs at least one member")
        if self.shift < timedelta(hours=1) or self.shift.total_seconds() % 60:
            raise ValueError("shift must be at least 1h and a whole number of minutes")

    @property
    def wall_clock(self) -> bool:
        return self.shift % DAY == timedelta(0) or DAY % self.shift == timedelta(0)

    @property
    def start_instant(self) -> datetime:
        return local_instant(self.start, self.handoff, self.zone)

    def boundary(self, k: int) -> datetime:
        """Start instant of slot k (slot 0 begins at the rotation start)."""
        if not self.wall_clock:
            return self.start_instant + k * self.shift
        if self.shift % DAY == timedelta(0):
            return local_instant(self.start + k * (self.shift // DAY) * DAY, self.handoff, self.zone)
        per_day = DAY // self.shift
        days, j = divmod(k, per_day)
        first = datetime.combine(self.start + days * DAY, self.handoff)
        wall = first + j * self.shift
        return local_instant(wall.date(), wall.time(), self.zone)

    def slots(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime, str]]:
        """Rotation slots overlapping [start, end), clipped to it, with their person."""
        out: list[tuple[datetime, datetime, str]] = []
        origin = self.start_instant
        if end <= origin:
            return out
        k = max(0, math.floor((max(start, origin) - origin) / self.shift) - 2)
        while self.boundary(k + 1) <= start:
            k += 1
        while True:
            b0, b1 = self.boundary(k), self.boundary(k + 1)
            if b0 >= end:
                break
            lo, hi = max(b0, start), min(b1, end)
            if lo < hi:
                out.append((lo, hi, self.members[k % len(self.members)]))
            k += 1
        return out


@dataclass(frozen=True)
class Window:
    """A daily time-of-day window on some weekdays, in the layer's zone. `until` <= `since`
    crosses midnight (22:00-06:00); `until` of 00:00 with since 00:00 means the whole day."""

    since: time
    until: time
    days: frozenset[Weekday] = frozenset(Weekday)

    def instants(self, start: datetime, end: datetime, zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
        out: list[tuple[datetime, datetime]] = []
        day = start.astimezone(zone).date() - DAY
        last = end.astimezone(zone).date()
        while day <= last:
            if Weekday(day.weekday()) in self.days:
                lo = local_instant(day, self.since, zone)
                end_day = day + DAY if self.until <= self.since else day
                hi = local_instant(end_day, self.until, zone)
                lo, hi = max(lo, start), min(hi, end)
                if lo < hi:
                    out.append((lo, hi))
            day += DAY
        return out


@dataclass(frozen=True)
class Layer:
    name: str
    rotation: Rotation
    windows: tuple[Window, ...] = ()

    def shifts(self, start: datetime, end: datetime) -> list[Shift]:
        slots = self.rotation.slots(start, end)
        if not self.windows:
            return [Shift(a, b, p, self.name) for a, b, p in slots]
        spans = sorted(span for w in self.windows for span in w.instants(start, end, self.rotation.zone))
        out: list[Shift] = []
        i = 0
        for a, b, person in slots:
            while i < len(spans) and spans[i][1] <= a:
                i += 1
            j = i
            while j < len(spans) and spans[j][0] < b:
                lo, hi = max(a, spans[j][0]), min(b, spans[j][1])
                if lo < hi:
                    out.append(Shift(lo, hi, person, self.name))
                j += 1
        return out


@dataclass(frozen=True)
class Override:
    """`person` covers [start, end) whatever the layers say."""

    person: str
    start: datetime
    end: datetime
    id: int | None = None
    note: str = ""

    @property
    def source(self) -> str:
        return f"override:{self.id}" if self.id is not None else "override"


@dataclass(frozen=True)
class Shift:
    start: datetime
    end: datetime
    person: str
    source: str

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


@dataclass(frozen=True)
class Schedule:
    """Layers listed bottom first: a later layer is stacked on top and wins where it has someone."""

    id: str
    name: str
    layers: tuple[Layer, ...]
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
