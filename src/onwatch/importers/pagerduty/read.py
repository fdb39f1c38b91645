"""Read everything an import needs from PagerDuty into plain API-shaped dicts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from onwatch.importers.pagerduty.client import PagerDutyClient


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


def read_account(client: PagerDutyClient) -> PagerDutyAccount:
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
    account.escalation_policies = list(client.list("/escalation_policies", "escalation_policies"))
    account.services = list(client.list("/services", "services", {"include[]": "integrations"}))
    return account
