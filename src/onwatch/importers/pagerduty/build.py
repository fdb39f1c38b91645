"""Assemble a PagerDuty account into one onwatch config document, merged into an existing one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from onwatch.importers.ids import assign_ids
from onwatch.importers.integrations import OldIntegration
from onwatch.importers.overrides import ImportedOverride
from onwatch.importers.pagerduty import mapping, mapping_v3
from onwatch.importers.pagerduty.read import PagerDutyAccount
from onwatch.importers.report import Unsupported
from onwatch.importers.roles import role_section
from onwatch.importers.roles import schedule_roles as roles_of_schedules

Obj = dict[str, Any]


@dataclass(frozen=True)
class ImportResult:
    document: Obj
    unsupported: list[Unsupported]
    counts: dict[str, int]
    # PagerDuty id -> onwatch id, for the people and the schedules that were imported
    people: dict[str, str]
    schedules: dict[str, str]
    integrations: list[OldIntegration] = field(default_factory=list)
    overrides: list[ImportedOverride] = field(default_factory=list)
    v3: frozenset[str] = frozenset()  # the PagerDuty ids of the v3 (shift-based) schedules


def build_document(
    account: PagerDutyAccount,
    existing: Obj,
    *,
    now: datetime,
    organisation: str,
    roles: dict[str, str] | None = None,
) -> ImportResult:
    """`existing` (the current YAML document, or {}) keeps its other settings; people are matched to
    its people by email, so their ids (and everything that names them) stay. `roles` (role ->
    PagerDuty schedule id or name) says which schedule holds which onwatch role, so escalation
    policies that target the schedule page that role."""
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

    everything = account.schedules + account.schedules_v3
    schedule_ids = assign_ids([(str(s["id"]), str(s.get("name", ""))) for s in everything])
    schedules: Obj = dict(existing.get("schedules") or {})
    imported_schedules: dict[str, str] = {}
    overrides: list[ImportedOverride] = []
    v3 = {str(s["id"]) for s in account.schedules_v3}
    for schedule in everything:
        is_v3 = str(schedule["id"]) in v3
        mapper = mapping_v3.map_schedule_v3 if is_v3 else mapping.map_schedule
        mapped, why = mapper(schedule, people_ids, now)
        lost += why
        if mapped is not None:
            schedules[schedule_ids[str(schedule["id"])]] = mapped
            imported_schedules[str(schedule["id"])] = schedule_ids[str(schedule["id"])]
            coming, why = (mapping_v3.map_overrides_v3 if is_v3 else mapping.map_overrides)(
                str(schedule["id"]),
                schedule_ids[str(schedule["id"])],
                account.overrides.get(str(schedule["id"]), []),
                people_ids,
                now,
            )
            overrides += coming
            lost += why

    named = [(str(s["id"]), str(s.get("name", ""))) for s in account.schedules]
    held = roles_of_schedules("PagerDuty", named, schedule_ids, existing, roles or {})
    schedule_roles = {pd: role for pd, role in held.items() if pd in imported_schedules}
    roles_doc = role_section(existing, schedule_roles, imported_schedules, schedules)
    if roles_doc:
        doc["roles"] = dict(sorted(roles_doc.items()))

    policy_ids = assign_ids([(str(p["id"]), str(p.get("name", ""))) for p in account.escalation_policies])
    policies: Obj = dict(existing.get("escalation_policies") or {})
    imported_policies: dict[str, str] = {}
    for policy in account.escalation_policies:
        mapped, why = mapping.map_escalation_policy(policy, people_ids, schedule_roles)
        lost += why
        if mapped is not None:
            policies[policy_ids[str(policy["id"])]] = mapped
            imported_policies[str(policy["id"])] = policy_ids[str(policy["id"])]

    service_ids = assign_ids([(str(s["id"]), str(s.get("name", ""))) for s in account.services])
    services: Obj = dict(existing.get("services") or {})
    integrations: Obj = dict(existing.get("integrations") or {})
    old_integrations: list[OldIntegration] = []
    for service in account.services:
        service_id = service_ids[str(service["id"])]
        mapped, why = mapping.map_service(service, team_ids)
        services[service_id] = {**(services.get(service_id) or {}), **mapped}
        found, why_not, old = mapping.map_integrations(service, service_id, imported_policies)
        integrations.update(found)
        old_integrations += old
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
        "overrides": len(overrides),
        "escalation_policies": len(imported_policies),
        "services": len(account.services),
    }
    return ImportResult(
        doc,
        sorted(set(lost)),
        counts,
        people_ids,
        imported_schedules,
        old_integrations,
        sorted(overrides),
        frozenset(v3),
    )
