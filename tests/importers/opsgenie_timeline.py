"""The test server's own rendering of an Opsgenie schedule timeline (as Opsgenie documents its
schedules), written apart from the importer so `--verify` compares two implementations: every
rotation puts its current participant on call at once; a rotation hands over every `length`
hours (real time) or days/weeks (on the schedule's wall clock) from its `startDate`, only inside
its time restriction (in the schedule's zone) and before its `endDate`; an override replaces the
recipient of the rotations it names (all of them when it names none)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

Obj = dict[str, Any]
STEP = timedelta(minutes=15)
WEEK = 7 * 1440
_EPOCH = datetime(2000, 1, 3, tzinfo=ZoneInfo("UTC"))
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _allowed(rotation: Obj, local: datetime) -> bool:
    restriction = rotation.get("timeRestriction")
    if not restriction:
        return True
    minute = local.hour * 60 + local.minute
    if restriction["type"] == "time-of-day":
        r = restriction["restriction"]
        start, end = r["startHour"] * 60 + r["startMin"], r["endHour"] * 60 + r["endMin"]
        return (minute - start) % 1440 < ((end - start) % 1440 or 1440)
    week_minute = local.weekday() * 1440 + minute
    for r in restriction["restrictions"]:
        start = DAYS.index(r["startDay"]) * 1440 + r["startHour"] * 60 + r["startMin"]
        end = DAYS.index(r["endDay"]) * 1440 + r["endHour"] * 60 + r["endMin"]
        if (week_minute - start) % WEEK < ((end - start) % WEEK or WEEK):
            return True
    return False


def on_call(rotation: Obj, zone: ZoneInfo, at: datetime) -> str | None:
    start = _time(rotation["startDate"])
    if at < start or (rotation.get("endDate") and at >= _time(rotation["endDate"])):
        return None
    if not _allowed(rotation, at.astimezone(zone)):
        return None
    length = rotation["length"]
    if rotation["type"] == "hourly":
        turn = (at - start) // timedelta(hours=length)
    else:
        days = length * (7 if rotation["type"] == "weekly" else 1)
        wall = at.astimezone(zone).replace(tzinfo=None) - start.astimezone(zone).replace(tzinfo=None)
        turn = wall // timedelta(days=days)
    participants = rotation["participants"]
    p = participants[turn % len(participants)]
    return None if p["type"] == "none" else str(p["id"])


def _override(rotation: Obj, overrides: list[Obj], at: datetime) -> Obj | None:
    for o in overrides:
        names = {r["id"] for r in o.get("rotations") or []}
        if (not names or rotation["id"] in names) and _time(o["startDate"]) <= at < _time(o["endDate"]):
            return dict(o["user"])
    return None


def on_calls(schedule: Obj, at: datetime, overrides: list[Obj]) -> list[Obj]:
    """Who-is-on-call at `at`: every rotation's current participant (or its override), each user
    once, as `{id, name, type: user}` participants in rotation order."""
    zone = ZoneInfo(schedule["timezone"])
    usernames = {
        p.get("id"): p.get("username") for r in schedule.get("rotations") or [] for p in r["participants"]
    }
    out: dict[str, Obj] = {}
    for rotation in sorted(schedule.get("rotations") or [], key=lambda r: r.get("order", 0)):
        replaced = _override(rotation, overrides, at)
        who = replaced["id"] if replaced else on_call(rotation, zone, at)
        if who is not None and who not in out:
            name = (replaced or {}).get("username") or usernames.get(who)
            out[who] = {"id": who, "name": name, "type": "user"}
    return list(out.values())


def timeline(schedule: Obj, start: datetime, end: datetime, overrides: list[Obj]) -> Obj:
    zone = ZoneInfo(schedule["timezone"])
    usernames = {}
    rotations = []
    for rotation in schedule.get("rotations") or []:
        for p in rotation["participants"]:
            usernames[p.get("id")] = p.get("username")
        periods: list[Obj] = []
        t = start
        while t < end:
            nxt = min(t - (t - _EPOCH) % STEP + STEP, end)
            replaced = _override(rotation, overrides, t)
            who = replaced["id"] if replaced else on_call(rotation, zone, t)
            kind = "override" if replaced else "default"
            if who is not None:
                last = periods[-1] if periods else None
                if (
                    last
                    and last["recipient"]["id"] == who
                    and last["endDate"] == t.isoformat()
                    and last["type"] == kind
                ):
                    last["endDate"] = nxt.isoformat()
                else:
                    name = (replaced or {}).get("username") or usernames.get(who)
                    periods.append(
                        {
                            "startDate": t.isoformat(),
                            "endDate": nxt.isoformat(),
                            "type": kind,
                            "recipient": {"type": "user", "id": who, "name": name},
                        }
                    )
            t = nxt
        rotations.append(
            {
                "id": rotation["id"],
                "name": rotation["name"],
                "order": rotation.get("order", 0),
                "periods": periods,
            }
        )
    return {
        "_parent": {"id": schedule["id"], "name": schedule["name"], "enabled": schedule.get("enabled", True)},
        "startDate": start.isoformat(),
        "endDate": end.isoformat(),
        "finalTimeline": {"rotations": rotations},
    }
