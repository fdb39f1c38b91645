"""Read everything an import needs from PagerDuty into plain API-shaped dicts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from onwatch.importers.overrides import HORIZON
from onwatch.importers.pagerduty.client import PagerDutyClient
from onwatch.importers.report import SourceError


@dataclass
class PagerDutyAccount:
    users: list[dict[str, Any]] = field(default_factory=list)
    contact_methods: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    notification_rules: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    teams: list[dict[str, Any]] = field(default_factory=list)
    team_members: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    schedules: list[dict[str, Any]] = field(default_factory=list)
    escalation_policies: list[dict[str, Any]] = field(default_factory=list)
    services: list[dict[str, Any]] = field(default_factory=list)
    # v3 (shift-based) schedules, their rotations' events included
    schedules_v3: list[dict[str, Any]] = field(default_factory=list)
    # schedule id -> its overrides over the coming 90 days (v3: /v3/schedules/{id}/overrides)
    overrides: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def read_account(client: PagerDutyClient, now: datetime | None = None) -> PagerDutyAccount:
    """With `now`, each schedule's overrides over [now, now + 90 days) are read too."""
    account = PagerDutyAccount()
    account.users = list(client.list("/users", "users"))
    for user in account.users:
        uid = str(user["id"])
        account.contact_methods[uid] = list(client.list(f"/users/{uid}/contact_methods", "contact_methods"))
        account.notification_rules[uid] = list(
            client.list(f"/users/{uid}/notification_rules", "notification_rules")
        )
    account.teams = list(client.list("/teams", "teams"))
    for team in account.teams:
        tid = str(team["id"])
        account.team_members[tid] = list(client.list(f"/teams/{tid}/members", "members"))
    # the list omits layers: each schedule is read on its own, in its own zone
    for ref in client.list("/schedules", "schedules"):
        account.schedules.append(client.get(f"/schedules/{ref['id']}")["schedule"])
        if now is not None:
            window = {"since": now.isoformat(), "until": (now + HORIZON).isoformat()}
            found = client.get(f"/schedules/{ref['id']}/overrides", window).get("overrides")
            if not isinstance(found, list):
                raise SourceError(f"PagerDuty's GET /schedules/{ref['id']}/overrides has no 'overrides' list")
            account.overrides[str(ref["id"])] = found
    _read_v3(client, account, now)
    account.escalation_policies = list(client.list("/escalation_policies", "escalation_policies"))
    account.services = list(client.list("/services", "services", {"include[]": "integrations"}))
    return account


V3_HEADERS = {"X-Early-Access": "flexible-schedules-early-access"}


def _read_v3(client: PagerDutyClient, account: PagerDutyAccount, now: datetime | None) -> None:
    """v3 schedules: the list, each schedule, a rotation's events when the schedule leaves them out."""
    # an account without shift-based schedules answers 404 here
    for ref in list(client.list("/v3/schedules", "schedules", headers=V3_HEADERS, missing_ok=True)):
        sid = str(ref["id"])
        schedule = client.get(f"/v3/schedules/{sid}", headers=V3_HEADERS).get("schedule")
        if not isinstance(schedule, dict):
            raise SourceError(f"PagerDuty's GET /v3/schedules/{sid} has no 'schedule'")
        for rotation in schedule.get("rotations") or []:
            if "events" not in rotation:
                path = f"/v3/schedules/{sid}/rotations/{rotation['id']}/events"
                rotation["events"] = list(client.list(path, "events", headers=V3_HEADERS))
        account.schedules_v3.append(schedule)
        if now is not None:
            window = {"since": now.isoformat(), "until": (now + HORIZON).isoformat()}
            path = f"/v3/schedules/{sid}/overrides"
            account.overrides[sid] = list(client.list(path, "overrides", window, V3_HEADERS))
