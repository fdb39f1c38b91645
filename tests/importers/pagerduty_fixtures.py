"""A realistic PagerDuty account: hundreds of users with contact methods and notification rules,
teams, a follow-the-sun schedule (three regional layers with daily restrictions), a weekend layer
with a weekly restriction in Europe/Berlin, escalation policies and services with integrations."""

from __future__ import annotations

from typing import Any

from tests.importers.pagerduty_server import PagerDutyData

Obj = dict[str, Any]
REGIONS = ("apac", "emea", "amer")


def uid(n: int) -> str:
    return f"PU{n:05d}"


def user(n: int, zone: str = "UTC") -> Obj:
    return {
        "id": uid(n),
        "type": "user",
        "name": f"User {n}",
        "email": f"user{n}@acme.example",
        "time_zone": zone,
        "role": "admin" if n == 0 else "user",
    }


def contact_methods(n: int) -> list[Obj]:
    u = uid(n)
    return [
        {"id": f"{u}E", "type": "email_contact_method", "address": f"user{n}@acme.example", "label": "Work"},
        {"id": f"{u}S", "type": "sms_contact_method", "country_code": 44, "address": f"77009{n:05d}"},
        {"id": f"{u}V", "type": "phone_contact_method", "country_code": 1, "address": f"41555{n:05d}"},
        {"id": f"{u}P", "type": "push_notification_contact_method", "address": "device-token"},
    ]


def rule(n: int, method: str, delay: int, urgency: str) -> Obj:
    kinds = {"E": "email", "S": "sms", "V": "phone", "P": "push_notification"}
    return {
        "id": f"PR{n:05d}{method}{urgency[0]}{delay}",
        "type": "assignment_notification_rule",
        "start_delay_in_minutes": delay,
        "urgency": urgency,
        "contact_method": {"id": f"{uid(n)}{method}", "type": f"{kinds[method]}_contact_method_reference"},
    }


def notification_rules(n: int) -> list[Obj]:
    return [
        rule(n, "E", 0, "high"),
        rule(n, "E", 0, "low"),
        rule(n, "S", 5, "high"),
        rule(n, "V", 12, "high"),
        rule(n, "P", 0, "high"),
    ]


def restriction_daily(start: str, hours: int) -> Obj:
    return {"type": "daily_restriction", "start_time_of_day": f"{start}:00", "duration_seconds": hours * 3600}


def follow_the_sun(members_per_region: int = 4) -> Obj:
    """Three 8-hour regional layers in UTC, each a weekly rotation restricted to its part of the day."""
    layers = []
    for i, region in enumerate(REGIONS):
        members = [uid(1 + i * members_per_region + k) for k in range(members_per_region)]
        layers.append(
            {
                "id": f"PL{region.upper()}",
                "name": f"{region.upper()} hours",
                "start": "2026-01-05T00:00:00Z",
                "end": None,
                "rotation_virtual_start": "2026-01-05T00:00:00Z",
                "rotation_turn_length_seconds": 7 * 86400,
                "users": [{"user": {"id": m, "type": "user_reference"}} for m in members],
                "restrictions": [restriction_daily(f"{i * 8:02d}:00", 8)],
            }
        )
    return {
        "id": "PFTS001",
        "type": "schedule",
        "name": "Follow the sun",
        "time_zone": "UTC",
        # PagerDuty lists the top layer first
        "schedule_layers": layers[::-1],
    }


def weekend_berlin() -> Obj:
    return {
        "id": "PWKND01",
        "type": "schedule",
        "name": "Weekend Berlin",
        "time_zone": "Europe/Berlin",
        "schedule_layers": [
            {
                "id": "PLWKND",
                "name": "Weekend",
                "start": "2026-01-02T18:00:00+01:00",
                "end": None,
                "rotation_virtual_start": "2026-01-02T18:00:00+01:00",
                "rotation_turn_length_seconds": 7 * 86400,
                "users": [{"user": {"id": uid(n), "type": "user_reference"}} for n in (20, 21)],
                # Friday 18:00 to Monday 08:00 (62 hours)
                "restrictions": [
                    {
                        "type": "weekly_restriction",
                        "start_day_of_week": 5,
                        "start_time_of_day": "18:00:00",
                        "duration_seconds": 62 * 3600,
                    }
                ],
            },
            {
                "id": "PLOLD",
                "name": "Old layer",
                "start": "2025-01-01T00:00:00Z",
                "end": "2025-06-01T00:00:00Z",
                "rotation_virtual_start": "2025-01-01T00:00:00Z",
                "rotation_turn_length_seconds": 86400,
                "users": [{"user": {"id": uid(22), "type": "user_reference"}}],
                "restrictions": [],
            },
        ],
    }


def policy(pid: str, name: str, rules: list[tuple[int, list[tuple[str, str]]]], loops: int = 0) -> Obj:
    return {
        "id": pid,
        "type": "escalation_policy",
        "name": name,
        "num_loops": loops,
        "escalation_rules": [
            {
                "id": f"{pid}R{i}",
                "escalation_delay_in_minutes": delay,
                "targets": [{"id": tid, "type": kind, "summary": tid} for kind, tid in targets],
            }
            for i, (delay, targets) in enumerate(rules)
        ],
    }


def account(users: int = 250) -> PagerDutyData:
    data = PagerDutyData()
    data.users = [user(n, "Europe/Berlin" if n % 3 else "America/New_York") for n in range(users)]
    data.contact_methods = {uid(n): contact_methods(n) for n in range(users)}
    data.notification_rules = {uid(n): notification_rules(n) for n in range(users)}
    data.teams = [
        {"id": f"PT{region.upper()}", "type": "team", "name": f"SRE {region.upper()}"} for region in REGIONS
    ]
    data.team_members = {
        f"PT{region.upper()}": [
            {"user": {"id": uid(1 + i * 4 + k), "type": "user_reference"}, "role": "responder"}
            for k in range(4)
        ]
        for i, region in enumerate(REGIONS)
    }
    data.schedules = [follow_the_sun(), weekend_berlin()]
    data.escalation_policies = [
        policy(
            "PEP0001",
            "SRE primary",
            [
                (10, [("user_reference", uid(1)), ("schedule_reference", "PFTS001")]),
                (20, [("user_reference", uid(0))]),
            ],
            loops=2,
        ),
        policy("PEP0002", "Only schedules", [(30, [("schedule_reference", "PWKND01")])]),
    ]
    data.services = [
        {
            "id": "PSVC001",
            "type": "service",
            "name": "Checkout API",
            "description": "Payments",
            "escalation_policy": {"id": "PEP0001", "type": "escalation_policy_reference"},
            "incident_urgency_rule": {"type": "constant", "urgency": "high"},
            "teams": [{"id": "PTEMEA", "type": "team_reference"}],
            "integrations": [
                {
                    "id": "PINT001",
                    "type": "events_api_v2_inbound_integration",
                    "name": "Alertmanager",
                    "integration_key": "0123456789abcdef0123456789abcdef",
                },
                {"id": "PINT002", "type": "email_inbound_integration", "name": "Email"},
            ],
        },
        {
            "id": "PSVC002",
            "type": "service",
            "name": "Batch reports",
            "escalation_policy": {"id": "PEP0002", "type": "escalation_policy_reference"},
            "incident_urgency_rule": {"type": "use_support_hours"},
            "teams": [],
            "integrations": [],
        },
    ]
    return data
