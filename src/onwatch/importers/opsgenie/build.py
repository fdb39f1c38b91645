"""Assemble an Opsgenie account into one onwatch config document, merged into an existing one."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from onwatch.importers.ids import assign_ids
from onwatch.importers.integrations import OldIntegration
from onwatch.importers.opsgenie import mapping
from onwatch.importers.opsgenie.read import OpsgenieAccount
from onwatch.importers.overrides import ImportedOverride
from onwatch.importers.people import match_people
from onwatch.importers.report import Unsupported
from onwatch.importers.result import SourceResult
from onwatch.importers.roles import role_section, schedule_roles

Obj = dict[str, Any]
# Opsgenie integration types onwatch receives directly: Prometheus is Alertmanager's opsgenie_configs
_RECEIVERS = {"Prometheus": "alertmanager", "API": "generic"}
_NOTES = {
    "alertmanager": "Alertmanager: replace the opsgenie_configs receiver with this webhook_configs one",
    "generic": "the body changes from Opsgenie's alert JSON to onwatch's generic one",
}


def build_document(
    account: OpsgenieAccount,
    existing: Obj,
    *,
    now: datetime,
    organisation: str,
    base_url: str,
    roles: dict[str, str] | None = None,
) -> SourceResult:
    """`existing` (the current YAML document, or {}) keeps its other settings; people are matched to
    its people by email, so their ids (and everything that names them) stay. `roles` (role ->
    Opsgenie schedule id or name) says which schedule holds which onwatch role, so escalations
    that notify the schedule page that role."""
    doc: Obj = dict(existing)
    doc.setdefault("organisation", {"name": organisation})
    lost: list[Unsupported] = []

    people_ids = match_people([(str(u["id"]), str(u["username"])) for u in account.users], existing)
    people: Obj = dict(existing.get("people") or {})
    for user in account.users:
        uid = str(user["id"])
        person, why = mapping.map_user(user, account.notification_rules.get(uid, []))
        people[people_ids[uid]] = {**(people.get(people_ids[uid]) or {}), **person}
        lost += why

    team_ids = assign_ids([(str(t["id"]), str(t.get("name", ""))) for t in account.teams])
    teams: Obj = dict(existing.get("teams") or {})
    for team in account.teams:
        teams[team_ids[str(team["id"])]] = mapping.map_team(team, people_ids)

    schedule_ids = assign_ids([(str(s["id"]), str(s.get("name", ""))) for s in account.schedules])
    schedules: Obj = dict(existing.get("schedules") or {})
    imported_schedules: dict[str, str] = {}
    overrides: list[ImportedOverride] = []
    for schedule in account.schedules:
        sid = str(schedule["id"])
        mapped, why = mapping.map_schedule(schedule, people_ids, now)
        lost += why
        if mapped is None:
            continue
        schedules[schedule_ids[sid]] = mapped
        imported_schedules[sid] = schedule_ids[sid]
        found, why = mapping.map_overrides(
            schedule, schedule_ids[sid], account.overrides.get(sid, []), people_ids, now
        )
        overrides += found
        lost += why

    pairs = [(str(sc["id"]), str(sc.get("name", ""))) for sc in account.schedules]
    held = {
        source: role
        for source, role in schedule_roles("Opsgenie", pairs, schedule_ids, existing, roles or {}).items()
        if source in imported_schedules
    }
    held_roles = role_section(existing, held, imported_schedules, schedules)
    if held_roles:
        doc["roles"] = dict(sorted(held_roles.items()))

    policy_ids = assign_ids([(str(e["id"]), str(e.get("name", ""))) for e in account.escalations])
    policies: Obj = dict(existing.get("escalation_policies") or {})
    by_team: dict[str, str] = {}  # Opsgenie team id -> its first imported escalation (by name)
    for escalation in sorted(account.escalations, key=lambda e: str(e.get("name", ""))):
        mapped, why = mapping.map_escalation(escalation, people_ids, held)
        lost += why
        if mapped is not None:
            policies[policy_ids[str(escalation["id"])]] = mapped
            owner = str((escalation.get("ownerTeam") or {}).get("id"))
            by_team.setdefault(owner, policy_ids[str(escalation["id"])])

    services: Obj = dict(existing.get("services") or {})
    integrations: Obj = dict(existing.get("integrations") or {})
    moves: list[OldIntegration] = []
    integration_ids = assign_ids([(str(i["id"]), str(i.get("name", ""))) for i in account.integrations])
    for integration in account.integrations:
        where = f"integrations.{integration['id']}"
        kind = _RECEIVERS.get(str(integration.get("type")))
        owner = str((integration.get("ownerTeam") or {}).get("id") or integration.get("teamId"))
        if kind is None:
            lost.append(Unsupported(where, f"integration type {integration.get('type')!r} is not imported"))
            continue
        if owner not in by_team:
            lost.append(Unsupported(where, "no escalation of its team was imported: integration left out"))
            continue
        iid = integration_ids[str(integration["id"])]
        service: Obj = {"name": str(integration.get("name") or iid)[:200]}
        if owner in team_ids:
            service["team"] = team_ids[owner]
        services[iid] = {**(services.get(iid) or {}), **service}
        key = _key(integration, integrations.get(iid) or {})
        integrations[iid] = {"type": kind, "key": key, "service": iid, "escalation_policy": by_team[owner]}
        moves.append(
            OldIntegration(
                where,
                str(integration.get("name") or iid),
                f"{integration.get('type')} integration",
                f"{base_url.rstrip('/')}/v2/alerts",
                str(integration.get("apiKey") or ""),
                iid,
                _NOTES[kind],
            )
        )

    for section, entries in (
        ("people", people), ("teams", teams), ("schedules", schedules),
        ("escalation_policies", policies), ("services", services), ("integrations", integrations),
    ):  # fmt: skip
        if entries:
            doc[section] = dict(sorted(entries.items()))
    counts = {
        "people": len(account.users),
        "teams": len(account.teams),
        "schedules": len(imported_schedules),
        "overrides": len(overrides),
        "escalation_policies": sum(1 for e in account.escalations if policy_ids[str(e["id"])] in policies),
        "integrations": len(moves),
    }
    return SourceResult(
        doc, sorted(set(lost)), counts, people_ids, imported_schedules, sorted(overrides), moves
    )


def _key(integration: Obj, previous: Obj) -> str:
    """Opsgenie's own API key when the answer carries it (senders keep their secret), else the key
    a previous import chose, else a new random one."""
    api_key = str(integration.get("apiKey") or "")
    if 16 <= len(api_key) <= 128 and all(c.isalnum() or c in "-_" for c in api_key):
        return api_key
    return str(previous.get("key") or secrets.token_urlsafe(24))
