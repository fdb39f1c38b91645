"""Schedule section of the configuration, its checks, and its conversion to domain schedules."""

from __future__ import annotations

import functools
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

from onwatch.kernel.durations import parse_duration
from onwatch.oncall.domain.schedules import DAY, Layer, Rotation, Schedule, Weekday, Window, in_dst_gap

_TIME = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)$")
_NAMED_SHIFTS = {"hourly": timedelta(hours=1), "daily": DAY, "weekly": timedelta(weeks=1)}


def _wall_time(value: object) -> time:
    """'08:00' (or the minutes PyYAML makes of an unquoted 08:00) -> time(8, 0); '24:00' ends a day."""
    if isinstance(value, time):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 1440:
        value = f"{value // 60:02d}:{value % 60:02d}"
    if isinstance(value, str) and (m := _TIME.match(value.strip())):
        hours, minutes = int(m.group(1)), int(m.group(2))
        if hours == 24 and minutes == 0:
            return time(0)
        if hours < 24:
            return time(hours, minutes)
    raise ValueError(f"write times of day as 'HH:MM' (00:00-24:00), got {value!r}")


def _shift(value: object) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, str) and value.strip().lower() in _NAMED_SHIFTS:
        return _NAMED_SHIFTS[value.strip().lower()]
    if not isinstance(value, str):
        raise ValueError(f"write the shift length with a unit ('8h', '1d', 'weekly'), got {value!r}")
    delta = parse_duration(value)
    if delta < timedelta(hours=1) or delta.total_seconds() % 60:
        raise ValueError("shift must be at least 1h and a whole number of minutes")
    return delta


def _weekday(value: object) -> Weekday:
    if isinstance(value, str) and value.strip().upper()[:3] in Weekday.__members__:
        return Weekday[value.strip().upper()[:3]]
    raise ValueError(f"unknown weekday {value!r}; use mon, tue, wed, thu, fri, sat, sun")


WallTime = Annotated[
    time, BeforeValidator(_wall_time), PlainSerializer(lambda t: t.strftime("%H:%M"), return_type=str)
]
ShiftLength = Annotated[
    timedelta,
    BeforeValidator(_shift),
    PlainSerializer(lambda d: f"{int(d.total_seconds() // 60)}m", return_type=str),
]
Day = Annotated[
    Weekday, BeforeValidator(_weekday), PlainSerializer(lambda d: d.name.lower(), return_type=str)
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class RotationConfig(_Strict):
    members: list[str] = Field(min_length=1)
    shift: ShiftLength
    handoff: WallTime = time(9, 0)
    timezone: str = "UTC"
    start: date
    allow_dst_gap: bool = Field(
        default=False,
        description="allow a handoff time that some nights skip (it then happens an hour later)",
    )


class WindowConfig(_Strict):
    since: WallTime = Field(alias="from")
    until: WallTime = Field(alias="to")
    days: list[Day] = Field(default_factory=lambda: list(Weekday))


class LayerConfig(_Strict):
    name: str = Field(min_length=1, max_length=100)
    rotation: RotationConfig
    windows: list[WindowConfig] = Field(default_factory=list)


class ScheduleConfig(_Strict):
    """Layers are listed bottom first: a later layer is stacked on top and wins where it covers."""

    name: str = Field(min_length=1, max_length=200)
    timezone: str = "UTC"
    layers: list[LayerConfig] = Field(min_length=1)


def _window_minutes(w: WindowConfig) -> list[tuple[int, int]]:
    """A window as minute ranges in a week (Monday 00:00 = 0), split at the week's end."""
    start = w.since.hour * 60 + w.since.minute
    end = w.until.hour * 60 + w.until.minute
    length = (end - start) % 1440 or 1440
    week = 7 * 1440
    out: list[tuple[int, int]] = []
    for d in w.days:
        a = d.value * 1440 + start
        b = a + length
        if b <= week:
            out.append((a, b))
        else:
            out += [(a, week), (0, b - week)]
    return out


def check_schedule(sid: str, sched: ScheduleConfig, people: set[str]) -> list[tuple[str, str]]:
    """Cross-checks that need more than one field: (path, message) pairs."""
    issues: list[tuple[str, str]] = []
    for zone_path, zone in [(f"schedules.{sid}.timezone", sched.timezone)] + [
        (f"schedules.{sid}.layers[{i}].rotation.timezone", layer.rotation.timezone)
        for i, layer in enumerate(sched.layers)
    ]:
        try:
            ZoneInfo(zone)
        except (KeyError, ValueError):
            issues.append((zone_path, f"unknown time zone {zone!r}; use an IANA name such as Europe/Berlin"))
    if issues:
        return issues
    for i, layer in enumerate(sched.layers):
        path = f"schedules.{sid}.layers[{i}]"
        for j, member in enumerate(layer.rotation.members):
            if member not in people:
                issues.append((f"{path}.rotation.members[{j}]", f"unknown person {member!r}"))
        spans = [(k, span) for k, w in enumerate(layer.windows) for span in _window_minutes(w)]
        for a, (ka, (s1, e1)) in enumerate(spans):
            for kb, (s2, e2) in spans[a + 1 :]:
                if ka != kb and s1 < e2 and s2 < e1:
                    issues.append((f"{path}.windows[{kb}]", f"overlaps windows[{ka}]"))
        rot = layer.rotation
        if not rot.allow_dst_gap:
            gap = _first_dst_gap(to_rotation(rot))
            if gap is not None:
                issues.append(
                    (
                        f"{path}.rotation.handoff",
                        f"{gap[1].strftime('%H:%M')} does not exist on {gap[0]} in {rot.timezone} (DST gap); "
                        "choose another time or set allow_dst_gap: true (it then happens an hour later)",
                    )
                )
    return list(dict.fromkeys(issues))


def _first_dst_gap(rot: Rotation, years: int = 3) -> tuple[date, time] | None:
    """The first day within `years` of the rotation start on which a handoff falls in a DST gap.

    Only the days around a forward clock change can have a gap, so just those are checked (a
    zone has a few per year, UTC none) instead of every day: a config imported with hundreds of
    schedules loaded seconds faster."""
    if not rot.wall_clock:
        return None
    per_day = 1 if rot.shift % DAY == timedelta(0) else DAY // rot.shift
    walls = [(datetime.combine(rot.start, rot.handoff) + j * rot.shift).time() for j in range(per_day)]
    last = rot.start + 366 * years * DAY
    for day in _forward_change_days(rot.zone.key, rot.start.year, last.year):
        if rot.start <= day < last:
            for wall in walls:
                if in_dst_gap(day, wall, rot.zone):
                    return day, wall
    return None


@functools.cache
def _forward_change_days(zone_name: str, first_year: int, last_year: int) -> tuple[date, ...]:
    """Local days of `zone_name` in these years on which the clock moves forward (where a wall
    time can be skipped), found by comparing UTC offsets a day apart: cached per zone."""
    zone = ZoneInfo(zone_name)
    out: list[date] = []
    day = date(first_year, 1, 1)
    previous = datetime.combine(day, time(0), tzinfo=UTC).astimezone(zone).utcoffset()
    while day.year <= last_year:
        offset = datetime.combine(day + DAY, time(0), tzinfo=UTC).astimezone(zone).utcoffset()
        if offset is not None and previous is not None and offset > previous:
            # the change lies within this UTC day: its local day is this one or a neighbour
            out += [day - DAY, day, day + DAY]
        previous = offset
        day += DAY
    return tuple(dict.fromkeys(out))


def to_rotation(r: RotationConfig) -> Rotation:
    return Rotation(
        members=tuple(r.members), shift=r.shift, handoff=r.handoff, zone=ZoneInfo(r.timezone), start=r.start
    )


def to_schedule(sid: str, s: ScheduleConfig) -> Schedule:
    return Schedule(
        id=sid,
        name=s.name,
        zone=ZoneInfo(s.timezone),
        layers=tuple(
            Layer(
                name=layer.name,
                rotation=to_rotation(layer.rotation),
                windows=tuple(Window(w.since, w.until, frozenset(w.days)) for w in layer.windows),
            )
            for layer in s.layers
        ),
    )
