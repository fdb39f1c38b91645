"""Pure mapping rules: Grafana OnCall schedules and their on-call shifts -> onwatch schedules
(layers with windows) and overrides.

A rolling-users shift repeats every `interval` x `frequency` from `start` (a wall time in its
`time_zone`, UTC when unset); each period's event lasts `duration` (or, with `by_day`, one event a
day on those weekdays at the start's time of day) and the next user group is on call each period:
an onwatch rotation with that period as its shift, handing over at the start's time, with windows
where the events are. A higher `level` wins, as onwatch's upper layers do; overrides win over all.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from onwatch.importers.overrides import ImportedOverride, coming
from onwatch.importers.report import Unsupported
from onwatch.importers.windows import HOURLY_DST, has_dst, week_windows

Obj = dict[str, Any]
BY_DAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_PERIODS = {"hourly": (3600, "h"), "daily": (86400, "d"), "weekly": (7 * 86400, "w")}


def zone(name: object) -> str:
    if not name:
        return "UTC"
    try:
        ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return str(name)


def local_start(shift: Obj) -> datetime:
    """The shift's `start` as an aware time in its zone (a naive ISO time; UTC when no zone)."""
    value = datetime.fromisoformat(str(shift["start"]).replace("Z", "+00:00"))
    tz = ZoneInfo(zone(shift.get("time_zone")))
    return value.astimezone(tz) if value.tzinfo else value.replace(tzinfo=tz)


def parse_until(value: object) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _groups(shift: Obj) -> list[list[str]]:
    if shift.get("type") == "rolling_users":
        return [[str(u) for u in group] for group in shift.get("rolling_users") or []]
    return [[str(u) for u in shift.get("users") or []]]


def _windows(shift: Obj, start: datetime, period: int) -> tuple[list[Obj] | None, str | None]:
    """The layer's windows (None: always on call during a turn), or why onwatch cannot express it."""
    duration = int(shift.get("duration", 0))
    days = [str(d) for d in shift.get("by_day") or []]
    minute = start.hour * 60 + start.minute
    interval = int(shift.get("interval") or 1)
    if days:
        if shift.get("frequency") not in ("daily", "weekly") or interval != 1:
            return (
                None,
                f"by_day with frequency {shift.get('frequency')} every {interval}: not a weekly pattern",
            )
        if duration > 86400:
            return None, "by_day events longer than a day"
        unknown = [d for d in days if d not in BY_DAY]
        if unknown:
            return None, f"unknown by_day {unknown}"
        return week_windows([(BY_DAY.index(d) * 1440 + minute, duration // 60) for d in days]), None
    if duration >= period:
        return None, None
    if shift.get("frequency") == "daily" and interval == 1:
        return week_windows([(d * 1440 + minute, duration // 60) for d in range(7)]), None
    if shift.get("frequency") == "weekly" and interval == 1:
        return week_windows([(start.weekday() * 1440 + minute, duration // 60)]), None
    return (
        None,
        f"events of {duration}s every {interval} {shift.get('frequency')}: onwatch windows repeat weekly",
    )


def map_shift(shift: Obj, people: dict[str, str], now: datetime) -> tuple[Obj | None, list[Unsupported]]:
    """One rolling-users (or single-user recurrent) shift as an onwatch layer."""
    where = f"on_call_shifts.{shift.get('id')}"
    name = str(shift.get("name") or shift.get("id"))
    kind, frequency = shift.get("type"), shift.get("frequency")
    if kind not in ("rolling_users", "recurrent_event"):
        return None, [Unsupported(where, f"shift type {kind!r} is not imported")]
    if frequency not in _PERIODS or shift.get("by_month") or shift.get("by_monthday"):
        return None, [
            Unsupported(where, f"frequency {frequency!r} (or by month): onwatch shifts are fixed lengths")
        ]
    until = parse_until(shift.get("until"))
    if until is not None and until <= now:
        return None, []  # history
    lost: list[Unsupported] = []
    if until is not None:
        lost.append(
            Unsupported(where, f"shift {name!r} ends at {until.isoformat()}: imported without an end")
        )
    groups = _groups(shift)
    if not groups or any(len(g) != 1 for g in groups):
        why = "user groups of several people: onwatch has one person on call per layer"
        return None, [*lost, Unsupported(where, why if groups else "no users")]
    missing = [g[0] for g in groups if g[0] not in people]
    if missing:
        return None, [*lost, Unsupported(where, f"users that were not imported: {missing}")]
    members = [people[g[0]] for g in groups]
    first = int(shift.get("start_rotation_from_user_index") or 0) % len(members)
    members = members[first:] + members[:first]
    start = local_start(shift)
    seconds, unit = _PERIODS[str(frequency)]
    interval = int(shift.get("interval") or 1)
    windows, refused = _windows(shift, start, seconds * interval)
    if refused is not None:
        return None, [*lost, Unsupported(where, refused)]
    zone_name = zone(shift.get("time_zone"))
    entry: Obj = {
        "name": name[:100],
        "rotation": {
            "members": members,
            "shift": f"{interval}{unit}",
            "handoff": start.strftime("%H:%M"),
            "timezone": zone_name,
            "start": start.date().isoformat(),
        },
    }
    if zone_name != "UTC":
        entry["rotation"]["allow_dst_gap"] = True
    if frequency == "hourly" and 24 % interval == 0 and has_dst(zone_name):
        lost.append(Unsupported(where, HOURLY_DST))
    if windows:
        entry["windows"] = windows
    return entry, lost


def map_schedule(
    schedule: Obj, shifts: dict[str, Obj], people: dict[str, str], now: datetime
) -> tuple[Obj | None, list[Unsupported]]:
    """A web or calendar schedule: its shifts as layers, lowest level first (onwatch stacks later
    layers on top, as Grafana's higher levels win); overrides are mapped apart."""
    sid = str(schedule["id"])
    kind = schedule.get("type")
    lost: list[Unsupported] = []
    if kind == "ical":
        return None, [
            Unsupported(
                f"schedules.{sid}", "an iCal schedule: import its feed (ical_url_primary) as iCalendar"
            )
        ]
    if kind == "calendar" and schedule.get("ical_url_overrides"):
        lost.append(
            Unsupported(f"schedules.{sid}.ical_url_overrides", "overrides from an iCal feed are not imported")
        )
    layers: list[tuple[int, str, Obj]] = []
    for shift_id in schedule.get("shifts") or []:
        shift = shifts.get(str(shift_id))
        if shift is None:
            lost.append(
                Unsupported(
                    f"schedules.{sid}.shifts.{shift_id}", "the shift is not in the on_call_shifts list"
                )
            )
            continue
        if shift.get("type") == "override":
            continue
        entry, why = map_shift(shift, people, now)
        lost += why
        if entry is not None:
            layers.append((int(shift.get("level") or 0), str(shift.get("id")), entry))
    if not layers:
        lost.append(
            Unsupported(f"schedules.{sid}", "no current shift onwatch can express: schedule left out")
        )
        return None, lost
    return {
        "name": str(schedule.get("name") or sid)[:200],
        "timezone": zone(schedule.get("time_zone")),
        "layers": [entry for _, _, entry in sorted(layers, key=lambda item: (item[0], item[1]))],
    }, lost


def map_overrides(
    schedule: Obj, onwatch_id: str, shifts: dict[str, Obj], people: dict[str, str], now: datetime
) -> tuple[list[ImportedOverride], list[Unsupported]]:
    """The schedule's override shifts of the coming 90 days (one user each)."""
    out: list[ImportedOverride] = []
    lost: list[Unsupported] = []
    for shift_id in schedule.get("shifts") or []:
        shift = shifts.get(str(shift_id)) or {}
        if shift.get("type") != "override":
            continue
        where = f"on_call_shifts.{shift_id}"
        start = local_start(shift).astimezone(UTC)
        end = start + timedelta(seconds=int(shift.get("duration", 0)))
        if not coming(start, end, now):
            continue
        users = [str(u) for u in shift.get("users") or []]
        users += [str(u) for group in shift.get("rolling_users") or [] for u in group]
        if len(users) != 1 or users[0] not in people:
            lost.append(
                Unsupported(where, f"override by {users}: onwatch overrides name one imported person")
            )
            continue
        out.append(
            ImportedOverride(onwatch_id, max(start, now), end, people[users[0]], f"grafana-oncall {shift_id}")
        )
    return out, lost
