"""Assemble a PagerDuty account into one onwatch config document, merged into an existing one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from onwatch.importers.ids import assign_ids
from onwatch.importers.pagerduty import mapping
from onwatch.importers.pagerduty.read import PagerDutyAccount
from onwatch.importers.report import Unsupported

Obj = dict[str, Any]


@dataclass(frozen=True)
class ImportResult:
    document: Obj
    unsupported: list[Unsupported]
    counts: dict[str, int]
    # PagerDuty id -> onwatch id, for the people and the schedules that were imported
    people: dict[str, str]
    schedules: dict[str, str]


def build_document(
    account: PagerDutyAccount, existing: Obj, *, now: datetime, organisation: str
) -> ImportResult:
    """`existing` (the current YAML document, or {}) keeps its other settings; people are matched to
    its people by email, so their ids (and everything that names them) stay."""
    doc: Obj = {k: v for k, v in existing.items()}
    doc.setdefault("organisation", {"name": organisation})
    lost: list[Unsupported] = []

    known_people = {str(p.get("email", "")).lower(): pid for pid, p in (existing.get("people") or {}).items()}
    by_email = {
        str(u["id"]): known_people[str(u["email"]).lower()]
        for u in account.users
        if str(u.get("email", "")).lower() in known_people
    }
    people_ids = assign_ids([(str(u["id"]), str(u["email"]).split("@")[0]) for u in account.users], by_email)
    people: Obj = dict(existing.get("people") or {})
    for user in account.users:
        uid = str(user["id"])
        person, why = mapping.map_user(
            user, account.contact_methods.get(uid, []), account.notification_rules.get(uid, [])
        )
        previous = people.get(people_ids[uid]) or {}
        people[people_ids[uid]] = {**previous, **person}
        lost += why

    team_ids = assign_ids([(str(t["id"]), str(t.get("name", ""))) for t in account.teams])
    teams: Obj = dict(existing.get("teams") or {})
    for team in account.teams:
        teams[team_ids[str(team["id"])]] = mapping.map_team(
            team, account.team_members.get(str(team["id"]), []), people_ids
        )

    schedule_ids = assign_ids([(str(s["id"]), str(s.get("name", ""))) for s in account.schedules])
    schedules: Obj = dict(existing.get("schedules") or {})
    imported_schedules: dict[str, str] = {}
    for schedule in account.schedules:
        mapped, why = mapping.map_schedule(schedule, people_ids, now)
        lost += why
        if mapped is not None:
            schedules[schedule_ids[str(schedule["id"])]] = mapped
            imported_schedules[str(schedule["id"])] = schedule_ids[str(schedule["id"])]

    policy_ids = assign_ids([(str(p["id"]), str(p.get("name", ""))) for p in account.escalation_policies])
    policies: Obj = dict(existing.get("escalation_policies") or {})
    imported_policies: dict[str, str] = {}
    for policy in account.escalation_policies:
        mapped, why = mapping.map_escalation_policy(policy, people_ids)
        lost += why
        if mapped is not None:
            policies[policy_ids[str(policy["id"])]] = mapped
            imported_policies[str(policy["id"])] = policy_ids[str(policy["id"])]

    service_ids = assign_ids([(str(s["id"]), str(s.get("name", ""))) for s in account.services])
    services: Obj = dict(existing.get("services") or {})
    integrations: Obj = dict(existing.get("integrations") or {})
    for service in account.services:
        service_id = service_ids[str(service["id"])]
        mapped, why = mapping.map_service(service, team_ids)
        services[service_id] = {**(services.get(service_id) or {}), **mapped}
        found, why_not = mapping.map_integrations(service, service_id, imported_policies)
        integrations.update(found)
        lost += why + why_not

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
        "escalation_policies": len(imported_policies),
        "services": len(account.services),
    }
    return ImportResult(doc, sorted(set(lost)), counts, people_ids, imported_schedules)
