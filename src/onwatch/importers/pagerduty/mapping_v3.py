"""Pure mapping of PagerDuty v3 (shift-based) schedules: each rotation's current event, an RFC 5545
recurrence with a member assignment strategy, becomes an onwatch layer (a rotation plus windows).

An event recurs DAILY or WEEKLY (INTERVAL n, optionally BYDAY); each occurrence is a shift, and a
rotating assignment gives `shifts_per_member` occurrences to each member in turn. onwatch rotations
hand over every `shift`, so an event is expressed when a member's turn is a fixed stretch of time:
without BYDAY always (shift = period x shifts_per_member), with BYDAY when a turn is whole weeks."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from onwatch.importers.overrides import ImportedOverride, coming
from onwatch.importers.pagerduty.mapping import _shift, _zone, parse_time
from onwatch.importers.report import Unsupported
from onwatch.importers.windows import week_windows

Obj = dict[str, Any]
DAY = timedelta(days=1)
_BYDAY = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}


def parse_rrule(lines: list[str]) -> dict[str, str]:
    """`["RRULE:FREQ=WEEKLY;BYDAY=MO,TU"]` -> {"FREQ": "WEEKLY", "BYDAY": "MO,TU"} ({} without one)."""
    for line in lines:
        text = line.removeprefix("RRULE:")
        if "=" in text and not line.startswith(("EXDATE", "RDATE")):
            return {k.upper(): v for k, _, v in (part.partition("=") for part in text.split(";") if part)}
    return {}


def _local(value: Obj | None, zone: ZoneInfo) -> datetime | None:
    """A v3 ZonedDateTime {date_time, time_zone} on the wall clock of its own zone."""
    if not value:
        return None
    parsed = parse_time(value.get("date_time"))
    own = ZoneInfo(_zone(value.get("time_zone") or zone.key))
    return parsed.astimezone(own) if parsed else None


def map_event(
    where: str, event: Obj, people: dict[str, str], zone: ZoneInfo
) -> tuple[Obj | None, str | None]:
    """An onwatch layer for one event, or why there is none."""
    start, end = _local(event.get("start_time"), zone), _local(event.get("end_time"), zone)
    if start is None or end is None or end <= start:
        return None, "an event without a start before its end"
    start = start.astimezone(zone)
    length = end.astimezone(zone).replace(tzinfo=None) - start.replace(tzinfo=None)
    rule = parse_rrule([str(r) for r in event.get("recurrence") or []])
    freq, interval = rule.get("FREQ"), int(rule.get("INTERVAL", "1"))
    extra = set(rule) - {"FREQ", "INTERVAL", "BYDAY", "WKST"}
    if freq not in ("DAILY", "WEEKLY") or extra:
        return (
            None,
            f"recurrence {event.get('recurrence')}: onwatch repeats shifts daily or weekly, without end",
        )
    strategy = event.get("assignment_strategy") or {}
    members = [m for m in strategy.get("members") or []]
    if any(m.get("type") != "user_member" for m in members):
        return None, "an empty member slot: onwatch rotations are people only"
    ids = [str(m.get("user_id")) for m in members]
    missing = [i for i in ids if i not in people]
    if not ids or missing:
        return None, f"members that were not imported: {missing}"
    per_member = int(strategy.get("shifts_per_member") or 1)
    if strategy.get("type") == "every_member_assignment_strategy" and len(ids) > 1:
        return None, "every member on call at once: onwatch has one person on call per schedule"
    days = (
        sorted({_BYDAY[d.strip()[-2:].upper()] for d in rule["BYDAY"].split(",")}) if "BYDAY" in rule else []
    )
    first = start.weekday() * 1440 + start.hour * 60 + start.minute
    minutes = int(length.total_seconds() // 60)
    if days:
        if freq != "WEEKLY" or interval != 1 or length > DAY:
            return None, "BYDAY recurring other than every week, or shifts over a day long"
        if per_member % len(days) and len(ids) > 1:
            return (
                None,
                f"{per_member} shift(s) per member over {len(days)} day(s) a week: turns are not whole weeks",
            )
        turn = 7 * DAY * max(1, per_member // len(days))
        spans = [(d * 1440 + start.hour * 60 + start.minute, minutes) for d in days]
    else:
        period = interval * (DAY if freq == "DAILY" else 7 * DAY)
        if length > period:
            return None, f"shifts of {length} every {period}: they overlap"
        turn = period * per_member
        if length == period:
            spans = []
        elif period == DAY:
            spans = [((first + d * 1440) % (7 * 1440), minutes) for d in range(7)]
        elif period == 7 * DAY:
            spans = [(first, minutes)]
        else:
            return None, f"shifts of {length} every {period}: onwatch windows repeat daily or weekly"
    layer: Obj = {
        "name": str(event.get("name") or where)[:100],
        "rotation": {
            "members": [people[i] for i in ids],
            "shift": _shift(int(turn.total_seconds())),
            "handoff": start.strftime("%H:%M"),
            "timezone": zone.key,
            "start": start.date().isoformat(),
        },
    }
    if zone.key != "UTC":
        layer["rotation"]["allow_dst_gap"] = True
    if spans:
        layer["windows"] = week_windows(spans)
    return layer, None


def map_schedule_v3(
    schedule: Obj, people: dict[str, str], now: datetime
) -> tuple[Obj | None, list[Unsupported]]:
    """Each rotation's event in effect now is a layer (the first rotation on top, as v2 layers);
    events that ended are history, later ones are listed."""
    sid = str(schedule["id"])
    zone = ZoneInfo(_zone(schedule.get("time_zone", "UTC")))
    lost: list[Unsupported] = []
    layers: list[Obj] = []
    for i, rotation in enumerate(schedule.get("rotations") or []):
        for j, event in enumerate(rotation.get("events") or []):
            where = f"schedules.{sid}.rotations[{i}].events[{j}]"
            since, until = parse_time(event.get("effective_since")), parse_time(event.get("effective_until"))
            if until is not None and until <= now:
                continue
            if since is not None and since > now:
                lost.append(Unsupported(where, f"takes effect at {since.isoformat()}: not imported yet"))
                continue
            layer, why = map_event(where, event, people, zone)
            if layer is None:
                lost.append(Unsupported(where, str(why)))
                continue
            if until is not None:
                lost.append(Unsupported(where, f"ends at {until.isoformat()}: imported without an end"))
            layers.append(layer)
    if not layers:
        lost.append(
            Unsupported(f"schedules.{sid}", "no current event onwatch can express: schedule left out")
        )
        return None, lost
    return {
        "name": str(schedule.get("name") or sid)[:200],
        "timezone": zone.key,
        "layers": layers[::-1],
    }, lost


def map_overrides_v3(
    schedule_id: str, onwatch_id: str, overrides: list[Obj], people: dict[str, str], now: datetime
) -> tuple[list[ImportedOverride], list[Unsupported]]:
    """v3 overrides (an overriding member for a rotation's time) that still matter."""
    out: list[ImportedOverride] = []
    lost: list[Unsupported] = []
    for o in overrides:
        where = f"schedules.{schedule_id}.overrides.{o.get('id')}"
        start, end = parse_time(o.get("start_time")), parse_time(o.get("end_time"))
        user = str((o.get("overriding_member") or {}).get("user_id"))
        if start is None or end is None or end <= start:
            lost.append(Unsupported(where, "an override without a start before its end"))
        elif not coming(start, end, now):
            continue
        elif user not in people:
            lost.append(Unsupported(where, f"by user {user}, who was not imported"))
        else:
            out.append(
                ImportedOverride(
                    onwatch_id, start, end, people[user], f"imported from PagerDuty override {o.get('id')}"
                )
            )
    return out, lost
