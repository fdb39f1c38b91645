"""A realistic Opsgenie account: hundreds of users with contacts and notification rules, teams, a
follow-the-sun schedule (three weekly rotations restricted by time of day), a Berlin schedule whose
daily rotations are restricted by weekday and time of day (across the 2027-03-28 DST change), an
hourly rotation, overrides (one across the DST change), escalations and integrations."""

from __future__ import annotations

from typing import Any

from tests.importers.opsgenie_server import OpsgenieData

Obj = dict[str, Any]
REGIONS = ("apac", "emea", "amer")


def uid(n: int) -> str:
    return f"a0b1c2d3-0000-4000-8000-{n:012d}"


def email(n: int) -> str:
    return f"user{n}@acme.example"


def user(n: int) -> Obj:
    return {
        "id": uid(n),
        "username": email(n),
        "fullName": f"User {n}",
        "role": {"id": "Owner" if n == 0 else "User", "name": "Owner" if n == 0 else "User"},
        "timeZone": "Europe/Berlin" if n % 3 else "America/New_York",
        "locale": "en_US",
        "blocked": False,
        "verified": True,
        "createdAt": "2024-03-01T10:00:00.000Z",
    }


def contacts(n: int) -> list[Obj]:
    return [
        {"id": f"c-{n}-e", "method": "email", "to": email(n), "status": {"enabled": True}},
        {"id": f"c-{n}-s", "method": "sms", "to": f"44-77009{n:05d}", "status": {"enabled": True}},
        {"id": f"c-{n}-v", "method": "voice", "to": f"1-41555{n:05d}", "status": {"enabled": True}},
        {"id": f"c-{n}-m", "method": "mobile", "to": f"device-{n}", "status": {"enabled": True}},
    ]


def step(n: int, method: str, to: str, amount: int, unit: str = "minutes") -> Obj:
    return {
        "id": f"s-{n}-{method}",
        "sendAfter": {"timeAmount": amount, "timeUnit": unit},
        "contact": {"method": method, "to": to},
        "enabled": True,
    }


def notification_rules(n: int) -> list[Obj]:
    return [
        {
            "id": f"r-{n}-new",
            "name": "New Alert",
            "actionType": "create-alert",
            "order": 0,
            "enabled": True,
            "criteria": {"type": "match-all"},
            "notificationTime": [],
            "steps": [
                step(n, "email", email(n), 0),
                step(n, "mobile", f"device-{n}", 0),
                step(n, "sms", f"44-77009{n:05d}", 5),
                step(n, "voice", f"1-41555{n:05d}", 12),
            ],
            "repeat": {"loopAfter": 0, "enabled": False},
        },
        {
            "id": f"r-{n}-start",
            "name": "On-call starts",
            "actionType": "schedule-start",
            "order": 1,
            "enabled": True,
        },
    ]


def participant(n: int) -> Obj:
    return {"type": "user", "id": uid(n), "username": email(n)}


def time_of_day(start: int, end: int) -> Obj:
    return {
        "type": "time-of-day",
        "restriction": {"startHour": start, "startMin": 0, "endHour": end, "endMin": 0},
    }


def weekday_window(start_day: str, start: tuple[int, int], end_day: str, end: tuple[int, int]) -> Obj:
    return {
        "startDay": start_day,
        "startHour": start[0],
        "startMin": start[1],
        "endDay": end_day,
        "endHour": end[0],
        "endMin": end[1],
    }


def follow_the_sun(sid: str = "ftss-0001", name: str = "Follow the sun", first: int = 1) -> Obj:
    rotations = []
    for i, region in enumerate(REGIONS):
        rotations.append(
            {
                "id": f"{sid}-{region}",
                "name": f"{region.upper()} hours",
                "order": i,
                "startDate": "2026-01-05T00:00:00Z",
                "type": "weekly",
                "length": 1,
                "participants": [participant(first + i * 4 + k) for k in range(4)],
                "timeRestriction": time_of_day(i * 8, (i + 1) * 8 % 24),
            }
        )
    return {
        "id": sid,
        "name": name,
        "timezone": "UTC",
        "enabled": True,
        "ownerTeam": {"id": "team-sre", "name": "SRE"},
        "rotations": rotations,
    }


def business_hours_berlin() -> Obj:
    """Weekdays 09:00-17:30 and a Friday-evening-to-Monday-morning rotation, daily handovers at
    09:00 Berlin time (so the Sunday 2027-03-28 handover is an hour earlier in UTC)."""
    days = ("monday", "tuesday", "wednesday", "thursday", "friday")
    return {
        "id": "bizh-0001",
        "name": "Berlin business hours",
        "timezone": "Europe/Berlin",
        "enabled": True,
        "ownerTeam": {"id": "team-app", "name": "App"},
        "rotations": [
            {
                "id": "bizh-day",
                "name": "Office",
                "order": 0,
                "startDate": "2026-11-02T08:00:00Z",  # 09:00 in Berlin
                "type": "daily",
                "length": 1,
                "participants": [participant(n) for n in (20, 21, 22)],
                "timeRestriction": {
                    "type": "weekday-and-time-of-day",
                    "restrictions": [weekday_window(d, (9, 0), d, (17, 30)) for d in days],
                },
            },
            {
                "id": "bizh-weekend",
                "name": "Weekend",
                "order": 1,
                "startDate": "2026-11-06T17:00:00Z",  # Friday 18:00 in Berlin
                "type": "weekly",
                "length": 1,
                "participants": [participant(n) for n in (23, 24)],
                "timeRestriction": {
                    "type": "weekday-and-time-of-day",
                    "restrictions": [weekday_window("friday", (18, 0), "monday", (8, 0))],
                },
            },
        ],
    }


def hourly_ops() -> Obj:
    return {
        "id": "hops-0001",
        "name": "Ops hourly",
        "timezone": "UTC",
        "enabled": True,
        "ownerTeam": {"id": "team-sre", "name": "SRE"},
        "rotations": [
            {
                "id": "hops-4h",
                "name": "Four hours each",
                "order": 0,
                "startDate": "2026-11-30T02:00:00Z",
                "type": "hourly",
                "length": 4,
                "participants": [participant(n) for n in (30, 31, 32, 33, 34)],
            }
        ],
    }


def team_rotation() -> Obj:
    return {
        "id": "tmrt-0001",
        "name": "Team rotation",
        "timezone": "UTC",
        "enabled": True,
        "rotations": [
            {
                "id": "tmrt-r",
                "name": "Teams",
                "order": 0,
                "startDate": "2026-01-05T00:00:00Z",
                "type": "weekly",
                "length": 1,
                "participants": [participant(40), {"type": "team", "id": "team-app", "name": "App"}],
            }
        ],
    }


def override(alias: str, n: int, start: str, end: str, rotations: list[str] | None = None) -> Obj:
    return {
        "alias": alias,
        "user": {"type": "user", "id": uid(n), "username": email(n)},
        "startDate": start,
        "endDate": end,
        "rotations": [{"id": r, "name": r} for r in rotations or []],
    }


def escalation(
    eid: str, name: str, team: str, rules: list[tuple[int, Obj]], repeat: Obj | None = None
) -> Obj:
    return {
        "id": eid,
        "name": name,
        "description": "",
        "ownerTeam": {"id": team, "name": team},
        "rules": [
            {
                "condition": "if-not-acked",
                "notifyType": "default",
                "delay": {"timeAmount": d, "timeUnit": "minutes"},
                "recipient": r,
            }
            for d, r in rules
        ],
        "repeat": repeat
        or {"waitInterval": 0, "count": 0, "resetRecipientStates": False, "closeAlertAfterAll": False},
    }


def account(users: int = 300) -> OpsgenieData:
    data = OpsgenieData()
    data.users = [user(n) for n in range(users)]
    data.contacts = {uid(n): contacts(n) for n in range(users)}
    data.notification_rules = {uid(n): notification_rules(n) for n in range(users)}
    data.teams = [
        {
            "id": "team-sre",
            "name": "SRE",
            "description": "Site reliability",
            "members": [{"user": {"id": uid(n), "username": email(n)}, "role": "user"} for n in range(1, 13)],
        },
        {
            "id": "team-app",
            "name": "App",
            "description": "",
            "members": [
                {"user": {"id": uid(n), "username": email(n)}, "role": "admin"} for n in range(20, 25)
            ],
        },
    ]
    data.schedules = [follow_the_sun(), business_hours_berlin(), hourly_ops(), team_rotation()]
    data.overrides = {
        "ftss-0001": [
            override("past", 9, "2026-11-01T08:00:00Z", "2026-11-01T12:00:00Z"),
            override("cover-emea", 50, "2026-12-03T09:00:00Z", "2026-12-03T13:00:00Z", ["ftss-0001-emea"]),
        ],
        # across the DST change: Saturday 20:00 to Sunday 20:00 in Berlin, 23 hours
        "bizh-0001": [override("dst-weekend", 25, "2027-03-27T19:00:00Z", "2027-03-28T18:00:00Z")],
        "hops-0001": [override("later", 35, "2027-08-01T00:00:00Z", "2027-08-02T00:00:00Z")],
    }
    sre = {"type": "team", "id": "team-sre", "name": "SRE"}
    data.escalations = [
        escalation(
            "esc-sre",
            "SRE escalation",
            "team-sre",
            [
                (0, participant(1)),
                (5, participant(2)),
                (5, {"type": "schedule", "id": "ftss-0001", "name": "Follow the sun"}),
                (15, participant(0)),
                (30, sre),
            ],
            {"waitInterval": 10, "count": 2, "resetRecipientStates": False, "closeAlertAfterAll": False},
        ),
        escalation(
            "esc-app",
            "Only the schedule",
            "team-app",
            [(0, {"type": "schedule", "id": "bizh-0001", "name": "Berlin business hours"})],
        ),
    ]
    data.integrations = [
        {
            "id": "int-prom",
            "name": "Prometheus production",
            "type": "Prometheus",
            "enabled": True,
            "ownerTeam": {"id": "team-sre", "name": "SRE"},
            "apiKey": "5f3c1e2a-9b8d-4c7e-a6f5-0123456789ab",
        },
        {
            "id": "int-api",
            "name": "Deploy bot",
            "type": "API",
            "enabled": True,
            "ownerTeam": {"id": "team-sre", "name": "SRE"},
            "apiKey": "7a6b5c4d-3e2f-4a1b-9c8d-0123456789ab",
        },
        {
            "id": "int-mail",
            "name": "Support mail",
            "type": "Email",
            "enabled": True,
            "ownerTeam": {"id": "team-sre", "name": "SRE"},
        },
        {
            "id": "int-app",
            "name": "App alerts",
            "type": "Prometheus",
            "enabled": True,
            "ownerTeam": {"id": "team-app", "name": "App"},
            "apiKey": "1a2b3c4d-5e6f-4a7b-8c9d-0123456789ab",
        },
    ]
    return data
