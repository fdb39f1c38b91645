"""Read everything an import needs from Opsgenie into plain API-shaped dicts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from onwatch.importers.opsgenie.client import OpsgenieClient

Obj = dict[str, Any]
ALERT_RULES = "create-alert"  # the notification rules that say how a new alert reaches a user


@dataclass
class OpsgenieAccount:
    users: list[Obj] = field(default_factory=list)
    contacts: dict[str, list[Obj]] = field(default_factory=dict)
    # user id -> notification rules; create-alert rules in full (with steps), the rest as listed
    notification_rules: dict[str, list[Obj]] = field(default_factory=dict)
    teams: list[Obj] = field(default_factory=list)  # with members
    schedules: list[Obj] = field(default_factory=list)  # with rotations
    overrides: dict[str, list[Obj]] = field(default_factory=dict)
    escalations: list[Obj] = field(default_factory=list)
    integrations: list[Obj] = field(default_factory=list)  # in full (with apiKey when readable)


def read_account(client: OpsgenieClient) -> OpsgenieAccount:
    account = OpsgenieAccount()
    account.users = list(client.list("/v2/users"))
    for user in account.users:
        uid = str(user["id"])
        account.contacts[uid] = list(client.list(f"/v2/users/{uid}/contacts"))
        rules = []
        for rule in client.list(f"/v2/users/{uid}/notification-rules"):
            if rule.get("actionType") == ALERT_RULES and rule.get("enabled", True):
                rule = client.one(f"/v2/users/{uid}/notification-rules/{rule['id']}")
            rules.append(rule)
        account.notification_rules[uid] = rules
    account.teams = [client.one(f"/v2/teams/{t['id']}") for t in client.list("/v2/teams")]
    account.schedules = list(client.list("/v2/schedules", {"expand": "rotation"}))
    for schedule in account.schedules:  # all of a schedule's overrides; the mapping keeps the coming ones
        sid = str(schedule["id"])
        account.overrides[sid] = list(client.list(f"/v2/schedules/{sid}/overrides"))
    account.escalations = list(client.list("/v2/escalations"))
    account.integrations = [
        client.one(f"/v2/integrations/{i['id']}") for i in client.list("/v2/integrations")
    ]
    return account
