"""A realistic Grafana OnCall organisation: hundreds of users with personal notification rules,
teams, a web schedule in Amsterdam (a weekly rotation under weekday business hours, overrides, one
across the 2027-03-28 DST change), a follow-the-sun web schedule, an hourly one, an iCal schedule,
shifts onwatch cannot express, escalation chains and integrations."""

from __future__ import annotations

from typing import Any

from tests.importers.grafana_oncall_server import GrafanaOnCallData

Obj = dict[str, Any]
WEEKDAYS = ["MO", "TU", "WE", "TH", "FR"]


def uid(n: int) -> str:
    return f"U{n:05d}"


def user(n: int) -> Obj:
    return {
        "id": uid(n),
        "email": f"user{n}@acme.example",
        "slack": [],
        "username": f"user{n}",
        "role": "admin" if n == 0 else "editor",
        "timezone": "Europe/Amsterdam" if n % 2 else "America/Chicago",
        "teams": ["TSRE"] if 1 <= n <= 12 else (["TAPP"] if 20 <= n <= 30 else []),
    }


def rules(n: int) -> list[Obj]:
    def rule(pos: int, kind: str, important: bool = False, duration: int | None = None) -> Obj:
        out: Obj = {
            "id": f"N{n:05d}{int(important)}{pos}",
            "user_id": uid(n),
            "position": pos,
            "important": important,
            "type": kind,
        }
        if duration is not None:
            out["duration"] = duration
        return out

    return [
        rule(0, "notify_by_email"),
        rule(1, "wait", duration=300),
        rule(2, "notify_by_sms"),
        rule(3, "wait", duration=600),
        rule(4, "notify_by_email"),
        rule(5, "notify_by_mobile_app"),
        rule(0, "notify_by_phone_call", important=True),
    ]


def shift(
    sid: str, name: str, start: str, duration: int, frequency: str, groups: list[list[int]], **more: Any
) -> Obj:
    return {
        "id": sid,
        "team_id": None,
        "name": name,
        "type": "rolling_users",
        "time_zone": None,
        "level": 0,
        "start": start,
        "duration": duration,
        "rotation_start": start,
        "frequency": frequency,
        "interval": 1,
        "until": None,
        "week_start": "MO",
        "by_day": None,
        "by_month": None,
        "by_monthday": None,
        "rolling_users": [[uid(n) for n in g] for g in groups],
        "start_rotation_from_user_index": 0,
        **more,
    }


def override(sid: str, start: str, duration: int, n: int, zone: str | None = None) -> Obj:
    return {
        "id": sid,
        "team_id": None,
        "name": f"override {sid}",
        "type": "override",
        "time_zone": zone,
        "start": start,
        "duration": duration,
        "rotation_start": start,
        "users": [uid(n)],
    }


def schedule(sid: str, name: str, shifts: list[str], kind: str = "web", zone: str = "UTC") -> Obj:
    return {
        "id": sid,
        "team_id": "TSRE",
        "name": name,
        "type": kind,
        "time_zone": zone,
        "on_call_now": [],
        "shifts": shifts,
        "ical_url_primary": None,
        "ical_url_overrides": None,
        "slack": {"channel_id": None, "user_group_id": None},
    }


def policy(pid: str, chain: str, pos: int, kind: str, **more: Any) -> Obj:
    return {
        "id": pid,
        "escalation_chain_id": chain,
        "position": pos,
        "type": kind,
        "important": False,
        **more,
    }


def account(users: int = 200) -> GrafanaOnCallData:
    data = GrafanaOnCallData()
    data.users = [user(n) for n in range(users)]
    data.notification_rules = [r for n in range(users) for r in rules(n)]
    data.teams = [
        {"id": "TSRE", "name": "SRE", "email": "sre@acme.example", "avatar_url": "/avatar/sre"},
        {"id": "TAPP", "name": "App", "email": "app@acme.example", "avatar_url": "/avatar/app"},
    ]
    ams = {"time_zone": "Europe/Amsterdam"}
    data.shifts = [
        shift("OWEEK", "Weekly", "2026-11-02T09:00:00", 7 * 86400, "weekly", [[1], [2], [3], [4]], **ams),
        shift(
            "OBIZ", "Business hours", "2026-11-02T09:00:00", 8 * 3600, "daily", [[5], [6]],
            level=1, by_day=WEEKDAYS, start_rotation_from_user_index=1, **ams,
        ),
        # Saturday 20:00 to Sunday 20:00 in Amsterdam, across the change to summer time: 23 hours
        override("OOVDST", "2027-03-27T20:00:00", 23 * 3600, 7, "Europe/Amsterdam"),
        override("OOVSOON", "2026-12-05T10:00:00", 6 * 3600, 8),
        override("OOVPAST", "2026-11-05T10:00:00", 6 * 3600, 9),
        shift("OFTS0", "APAC", "2026-11-02T00:00:00", 8 * 3600, "daily", [[40], [41]]),
        shift("OFTS1", "EMEA", "2026-11-02T08:00:00", 8 * 3600, "daily", [[42], [43]], level=1),
        shift("OFTS2", "AMER", "2026-11-02T16:00:00", 8 * 3600, "daily", [[44], [45]], level=2),
        shift("OHOUR", "Six hours", "2026-11-30T00:00:00", 6 * 3600, "hourly", [[50], [51], [52]], interval=6),
        shift("OPAIR", "Pairs", "2026-11-02T09:00:00", 7 * 86400, "weekly", [[60, 61], [62, 63]]),
        shift("OMONTH", "Monthly", "2026-11-01T09:00:00", 86400, "monthly", [[64]]),
    ]  # fmt: skip
    data.schedules = [
        schedule(
            "SPRIMARY", "Primary", ["OWEEK", "OBIZ", "OOVDST", "OOVSOON", "OOVPAST"], zone="Europe/Amsterdam"
        ),
        schedule("SFTS", "Follow the sun", ["OFTS0", "OFTS1", "OFTS2"]),
        schedule("SHOUR", "Hourly", ["OHOUR"]),
        schedule("SPAIRS", "Pairs", ["OPAIR", "OMONTH"]),
        {
            **schedule("SICAL", "Holidays", [], kind="ical"),
            "ical_url_primary": "https://calendar.example/h.ics",
        },
    ]
    data.escalation_chains = [
        {"id": "FPRIMARY", "team_id": "TSRE", "name": "Primary"},
        {"id": "FSCHED", "team_id": "TAPP", "name": "Schedule only"},
    ]
    data.escalation_policies = [
        policy("E1", "FPRIMARY", 0, "notify_persons", persons_to_notify=[uid(1)]),
        policy("E2", "FPRIMARY", 1, "wait", duration=300),
        policy("E3", "FPRIMARY", 2, "notify_persons", persons_to_notify=[uid(2)]),
        policy("E4", "FPRIMARY", 3, "notify_on_call_from_schedule", notify_on_call_from_schedule="SPRIMARY"),
        policy("E5", "FPRIMARY", 4, "wait", duration=600),
        policy("E6", "FPRIMARY", 5, "notify_persons", persons_to_notify=[uid(0)]),
        policy(
            "E7",
            "FPRIMARY",
            6,
            "notify_person_next_each_time",
            persons_to_notify_next_each_time=[uid(3), uid(4)],
        ),
        policy("E8", "FPRIMARY", 7, "wait", duration=900),
        policy("E9", "FPRIMARY", 8, "repeat_escalation"),
        policy("E10", "FSCHED", 0, "notify_on_call_from_schedule", notify_on_call_from_schedule="SPRIMARY"),
    ]
    base = "https://oncall.acme.example/integrations/v1"
    data.integrations = [
        {
            "id": "CALERTMGR", "name": "Alertmanager production", "team_id": "TSRE",
            "link": f"{base}/alertmanager/mReAoNwDm0eMwKo1mTeTwYo/", "type": "alertmanager",
            "default_route": {"id": "R1", "escalation_chain_id": "FPRIMARY"},
        },
        {
            "id": "CGRAFANA", "name": "Grafana alerting", "team_id": "TSRE",
            "link": f"{base}/grafana_alerting/a1B2c3D4e5F6g7H8i9J0kLmNo/", "type": "grafana_alerting",
            "default_route": {"id": "R2", "escalation_chain_id": "FPRIMARY"},
        },
        {
            "id": "CSNS", "name": "Amazon SNS", "team_id": "TSRE",
            "link": f"{base}/amazon_sns/zZyYxXwWvVuUtTsSrRqQpPoO/", "type": "amazon_sns",
            "default_route": {"id": "R3", "escalation_chain_id": "FPRIMARY"},
        },
        {
            "id": "CHOOK", "name": "App webhook", "team_id": "TAPP",
            "link": f"{base}/webhook/hHgGfFeEdDcCbBaA01234567/", "type": "webhook",
            "default_route": {"id": "R4", "escalation_chain_id": "FSCHED"},
        },
    ]  # fmt: skip
    return data
