"""Read everything an import needs from Grafana OnCall into plain API-shaped dicts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from onwatch.importers.grafana_oncall.client import GrafanaOnCallClient

Obj = dict[str, Any]


@dataclass
class GrafanaOnCallAccount:
    users: list[Obj] = field(default_factory=list)
    notification_rules: list[Obj] = field(default_factory=list)
    teams: list[Obj] = field(default_factory=list)
    schedules: list[Obj] = field(default_factory=list)
    shifts: dict[str, Obj] = field(default_factory=dict)  # by id
    escalation_chains: list[Obj] = field(default_factory=list)
    escalation_policies: list[Obj] = field(default_factory=list)
    integrations: list[Obj] = field(default_factory=list)


def read_account(client: GrafanaOnCallClient) -> GrafanaOnCallAccount:
    account = GrafanaOnCallAccount()
    account.users = list(client.list("/api/v1/users/"))
    account.notification_rules = list(client.list("/api/v1/personal_notification_rules/"))
    account.teams = list(client.list("/api/v1/teams/"))
    account.schedules = list(client.list("/api/v1/schedules/"))
    account.shifts = {str(s["id"]): s for s in client.list("/api/v1/on_call_shifts/")}
    account.escalation_chains = list(client.list("/api/v1/escalation_chains/"))
    account.escalation_policies = list(client.list("/api/v1/escalation_policies/"))
    account.integrations = list(client.list("/api/v1/integrations/"))
    return account
