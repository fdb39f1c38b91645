"""The test server's own rendering of a PagerDuty v2 schedule (as PagerDuty documents it), written
independently of the importer so `--verify` compares two implementations: each layer rotates its
users every `rotation_turn_length_seconds` from `rotation_virtual_start`, only inside its
restrictions (in the schedule's zone) and between its `start` and `end`; the first layer listed is
on top; an override replaces whoever is on call."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

Obj = dict[str, Any]
STEP = timedelta(minutes=15)
WEEK = 7 * 1440
_EPOCH = datetime(2000, 1, 3, tzinfo=ZoneInfo("UTC"))


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _restricted_in(layer: Obj, local: datetime) -> bool:
    restrictions = layer.get("restrictions") or []
    if not restrictions:
        return True
    minute_of_week = local.weekday() * 1440 + local.hour * 60 + local.minute
    for r in restrictions:
        h, m, _ = (int(x) for x in r["start_time_of_day"].split(":"))
        length = r["duration_seconds"] // 60
        if r["type"] == "daily_restriction":
            if (local.hour * 60 + local.minute - (h * 60 + m)) % 1440 < length:
                return True
        elif (minute_of_week - ((r["start_day_of_week"] - 1) * 1440 + h * 60 + m)) % WEEK < length:
            return True
    return False


def who(schedule: Obj, at: datetime, overrides: list[tuple[datetime, datetime, str]]) -> str | None:
    for start, end, user in overrides:
        if start <= at < end:
            return user
    zone = ZoneInfo(schedule["time_zone"])
    for layer in schedule["schedule_layers"]:
        if _time(layer["start"]) > at or (layer.get("end") and _time(layer["end"]) <= at):
            continue
        if not _restricted_in(layer, at.astimezone(zone)):
            continue
        # handoffs keep their wall time across DST: turns are counted on the schedule's wall clock
        wall = at.astimezone(zone).replace(tzinfo=None)
        origin = _time(layer["rotation_virtual_start"]).astimezone(zone).replace(tzinfo=None)
        turn = (wall - origin) // timedelta(seconds=layer["rotation_turn_length_seconds"])
        users = layer["users"]
        return str(users[turn % len(users)]["user"]["id"])
    return None


def oncalls(
    schedule: Obj, since: datetime, until: datetime, overrides: list[tuple[datetime, datetime, str]]
) -> list[Obj]:
    """On-call entries (user, start, end) of `schedule` over [since, until)."""
    out: list[Obj] = []
    t = since
    while t < until:
        user = who(schedule, t, overrides)
        nxt = min(t - (t - _EPOCH) % STEP + STEP, until)
        if user is not None:
            if out and out[-1]["user"]["id"] == user and out[-1]["end"] == t.isoformat():
                out[-1]["end"] = nxt.isoformat()
            else:
                out.append(
                    {
                        "user": {"id": user, "type": "user_reference"},
                        "schedule": {"id": schedule["id"], "type": "schedule_reference"},
                        "start": t.isoformat(),
                        "end": nxt.isoformat(),
                    }
                )
        t = nxt
    return out
