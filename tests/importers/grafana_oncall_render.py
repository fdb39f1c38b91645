"""The test server's own rendering of a Grafana OnCall web schedule into final shifts (as Grafana
OnCall documents on-call shifts), written apart from the importer so `--verify` compares two
implementations: a rolling-users shift repeats every `interval` x `frequency` from `start` (a
wall time in `time_zone`, UTC when null; hourly periods count real hours); each period's event
lasts `duration` from the period's start, or with `by_day` one event starts on each of those
weekdays at the start's time of day; period k puts user group (k + start_rotation_from_user_index)
on call; no event starts after `until`; the highest `level` wins; an override wins over all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

Obj = dict[str, Any]
STEP = timedelta(minutes=15)
_EPOCH = datetime(2000, 1, 3, tzinfo=ZoneInfo("UTC"))
_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_SECONDS = {"hourly": 3600, "daily": 86400, "weekly": 7 * 86400}


def _zone(shift: Obj) -> ZoneInfo:
    return ZoneInfo(shift.get("time_zone") or "UTC")


def _start(shift: Obj) -> datetime:
    return datetime.fromisoformat(shift["start"]).replace(tzinfo=_zone(shift))


def _later(t: datetime, seconds: int) -> datetime:
    """`seconds` of real time after t (aware arithmetic inside one zone would add wall time)."""
    return t.astimezone(UTC) + timedelta(seconds=seconds)


def _until(shift: Obj) -> datetime | None:
    return datetime.fromisoformat(shift["until"].replace("Z", "+00:00")) if shift.get("until") else None


def _groups(shift: Obj) -> list[list[str]]:
    return shift.get("rolling_users") or [shift.get("users") or []]


def _period_index(shift: Obj, at: datetime) -> int:
    period = timedelta(seconds=_SECONDS[shift["frequency"]] * (shift.get("interval") or 1))
    start = _start(shift)
    if shift["frequency"] == "hourly":
        return (at - start) // period
    zone = _zone(shift)
    return (at.astimezone(zone).replace(tzinfo=None) - start.replace(tzinfo=None)) // period


def _event_start(shift: Obj, k: int) -> datetime:
    period = timedelta(seconds=_SECONDS[shift["frequency"]] * (shift.get("interval") or 1))
    start = _start(shift)
    if shift["frequency"] == "hourly":
        return _later(start, int(k * period.total_seconds()))
    wall = start.replace(tzinfo=None) + k * period
    return wall.replace(tzinfo=_zone(shift))


def on_call(shift: Obj, at: datetime) -> list[str]:
    start, until, zone = _start(shift), _until(shift), _zone(shift)
    candidates: list[datetime] = []
    if shift.get("by_day"):
        today = at.astimezone(zone).date()
        for day in (today - timedelta(days=1), today):
            if _DAYS[day.weekday()] in shift["by_day"]:
                candidates.append(datetime.combine(day, start.timetz().replace(tzinfo=None), tzinfo=zone))
    else:
        k = _period_index(shift, at)
        candidates.append(_event_start(shift, k))
    for begin in candidates:
        if begin < start or (until is not None and begin > until):
            continue
        if begin <= at < _later(begin, shift["duration"]):
            groups = _groups(shift)
            k = _period_index(shift, begin)
            return list(groups[(k + (shift.get("start_rotation_from_user_index") or 0)) % len(groups)])
    return []


def who(schedule: Obj, shifts: dict[str, Obj], at: datetime) -> list[str]:
    mine = [shifts[s] for s in schedule["shifts"] if s in shifts]
    for o in (s for s in mine if s["type"] == "override"):
        begin = _start(o)
        if begin <= at < _later(begin, o["duration"]):
            return list(o.get("users") or [u for g in o.get("rolling_users") or [] for u in g])
    for shift in sorted((s for s in mine if s["type"] != "override"), key=lambda s: -(s.get("level") or 0)):
        found = on_call(shift, at)
        if found:
            return found
    return []


def final_shifts(
    schedule: Obj, shifts: list[Obj], users: dict[str, Obj], start: datetime, end: datetime
) -> list[Obj]:
    by_id = {s["id"]: s for s in shifts}
    out: list[Obj] = []
    open_: dict[str, Obj] = {}
    t = start
    while t < end:
        nxt = min(t - (t - _EPOCH) % STEP + STEP, end)
        now_on = set(who(schedule, by_id, t))
        for uid in list(open_):
            if uid not in now_on:
                out.append(open_.pop(uid))
        for uid in sorted(now_on):
            if uid in open_:
                open_[uid]["shift_end"] = nxt.isoformat()
            else:
                u = users.get(uid, {})
                open_[uid] = {
                    "user_pk": uid,
                    "user_email": u.get("email"),
                    "user_username": u.get("username"),
                    "shift_start": t.isoformat(),
                    "shift_end": nxt.isoformat(),
                }
        t = nxt
    out += open_.values()
    return sorted(out, key=lambda s: (s["shift_start"], s["user_pk"]))
