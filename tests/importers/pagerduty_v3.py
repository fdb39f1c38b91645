"""PagerDuty v3 (shift-based) schedules for the local server: the API shapes (rotations, events
with RFC 5545 recurrences and assignment strategies, overrides, the final schedule) and the
server's own rendering, written independently of the importer: each event's occurrences expanded
with dateutil from its start, occurrence n going to member (n // shifts_per_member) % len, only
between effective_since and effective_until; the first rotation listed wins; overrides on top."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

Obj = dict[str, Any]
STEP = timedelta(minutes=15)


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def zoned(local: str, zone: str) -> Obj:
    return {
        "date_time": datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(zone)).isoformat(),
        "time_zone": zone,
    }


def event(name: str, start: str, end: str, zone: str, rrule: str, members: list[str], per_member: int) -> Obj:
    return {
        "id": f"EV{name.upper().replace(' ', '')[:8]}",
        "type": "schedule_event",
        "name": name,
        "start_time": zoned(start, zone),
        "end_time": zoned(end, zone),
        "effective_since": datetime.fromisoformat(start).replace(tzinfo=ZoneInfo(zone)).isoformat(),
        "effective_until": None,
        "recurrence": [f"RRULE:{rrule}"],
        "assignment_strategy": {
            "type": "rotating_member_assignment_strategy",
            "shifts_per_member": per_member,
            "members": [{"type": "user_member", "user_id": m} for m in members],
        },
    }


def _spans(ev: Obj, since: datetime, until: datetime) -> list[tuple[datetime, datetime, str]]:
    zone = ZoneInfo(ev["start_time"]["time_zone"])
    start = _time(ev["start_time"]["date_time"]).astimezone(zone)
    length = _time(ev["end_time"]["date_time"]).astimezone(zone).replace(tzinfo=None) - start.replace(
        tzinfo=None
    )
    lo = _time(ev["effective_since"])
    hi = _time(ev["effective_until"]) if ev.get("effective_until") else until
    strategy = ev["assignment_strategy"]
    members, per = strategy["members"], strategy.get("shifts_per_member") or 1
    out = []
    for n, s in enumerate(rrulestr(ev["recurrence"][0].removeprefix("RRULE:"), dtstart=start)):
        a, b = s.astimezone(UTC), (s + length).astimezone(UTC)
        if a >= min(until, hi):
            break
        if b > max(since, lo):
            out.append((max(a, lo), min(b, hi), str(members[(n // per) % len(members)]["user_id"])))
    return out


def final_schedule(
    schedule: Obj, since: datetime, until: datetime, overrides: list[tuple[datetime, datetime, str]]
) -> list[Obj]:
    """computed_shift_assignments over [since, until), in 15-minute steps joined."""
    rotations = [[s for ev in r["events"] for s in _spans(ev, since, until)] for r in schedule["rotations"]]
    out: list[Obj] = []
    t = since
    while t < until:
        who = next((u for a, b, u in overrides if a <= t < b), None)
        for spans in rotations:
            if who is not None:
                break
            who = next((u for a, b, u in spans if a <= t < b), None)
        nxt = min(t + STEP, until)
        if who is not None:
            if out and out[-1]["member"]["user_id"] == who and out[-1]["end_time"] == t.isoformat():
                out[-1]["end_time"] = nxt.isoformat()
            else:
                out.append({
                    "type": "computed_shift_assignment", "start_time": t.isoformat(), "end_time": nxt.isoformat(),
                    "member": {"type": "user_member", "user_id": who}, "source": {"type": "schedule_rotation"},
                })  # fmt: skip
        t = nxt
    return out


def office_hours(members: list[str], nights: list[str]) -> Obj:
    """Berlin weekdays 09:00-17:00, a week each in turn (5 shifts per member, BYDAY MO-FR), on top of
    nights 17:00-09:00 every day, a week each (7 shifts per member); the nights' events are left
    out of the schedule's answer (read from the rotation's events endpoint)."""
    zone = "Europe/Berlin"
    days = event(
        "Weekdays",
        "2027-01-04T09:00",
        "2027-01-04T17:00",
        zone,
        "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
        members,
        5,
    )
    night = event("Nights", "2027-01-04T17:00", "2027-01-05T09:00", zone, "FREQ=DAILY", nights, 7)
    return {
        "id": "PV3OFFICE",
        "type": "schedule",
        "name": "Office hours v3",
        "time_zone": zone,
        "rotations": [
            {"id": "RDAYS", "type": "rotation", "events": [days]},
            {"id": "RNIGHTS", "type": "rotation", "_events": [night]},
        ],
    }


def monthly(member: str) -> Obj:
    ev = event("Monthly", "2027-01-01T09:00", "2027-01-02T09:00", "UTC", "FREQ=MONTHLY", [member], 1)
    return {"id": "PV3MONTH", "type": "schedule", "name": "Monthly v3", "time_zone": "UTC",
            "rotations": [{"id": "RMONTH", "type": "rotation", "events": [ev]}]}  # fmt: skip
