"""Assemble a Grafana OnCall organisation into one onwatch config document, merged into an
existing one."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from onwatch.importers.grafana_oncall import mapping, shifts
from onwatch.importers.grafana_oncall.read import GrafanaOnCallAccount
from onwatch.importers.ids import assign_ids
from onwatch.importers.integrations import OldIntegration
from onwatch.importers.overrides import ImportedOverride
from onwatch.importers.people import match_people
from onwatch.importers.report import Unsupported
from onwatch.importers.result import SourceResult
from onwatch.importers.roles import role_section, schedule_roles

Obj = dict[str, Any]


def build_document(
    account: GrafanaOnCallAccount,
    existing: Obj,
    *,
    now: datetime,
    organisation: str,
    roles: dict[str, str] | None = None,
) -> SourceResult:
    """`existing` (the current YAML document, or {}) keeps its other settings; people are matched to
    its people by email, so their ids (and everything that names them) stay. `roles` (role ->
    Grafana OnCall schedule id or name) says which schedule holds which onwatch role, so chains
    that notify the schedule's on-call page that role."""
    doc: Obj = dict(existing)
    doc.setdefault("organisation", {"name": organisation})
    lost: list[Unsupported] = []

    people_ids = match_people([(str(u["id"]), str(u["email"])) for u in account.users], existing)
    rules: dict[str, list[Obj]] = defaultdict(list)
    for rule in account.notification_rules:
        rules[str(rule.get("user_id"))].append(rule)
    people: Obj = dict(existing.get("people") or {})
    for user in account.users:
        person, why = mapping.map_user(user, rules.get(str(user["id"]), []))
        pid = people_ids[str(user["id"])]
        people[pid] = {**(people.get(pid) or {}), **person}
        lost += why

    team_ids = assign_ids([(str(t["id"]), str(t.get("name", ""))) for t in account.teams])
    teams: Obj = dict(existing.get("teams") or {})
    for team in account.teams:
        members = {
            people_ids[str(u["id"])]
            for u in account.users
            if str(team["id"]) in map(str, u.get("teams") or [])
        }
        teams[team_ids[str(team["id"])]] = {
            "name": str(team.get("name") or team["id"]),
            "members": sorted(members),
        }

    schedule_ids = assign_ids([(str(s["id"]), str(s.get("name", ""))) for s in account.schedules])
    schedules: Obj = dict(existing.get("schedules") or {})
    imported_schedules: dict[str, str] = {}
    overrides: list[ImportedOverride] = []
    for schedule in account.schedules:
        sid = str(schedule["id"])
        mapped, why = shifts.map_schedule(schedule, account.shifts, people_ids, now)
        lost += why
        if mapped is None:
            continue
        schedules[schedule_ids[sid]] = mapped
        imported_schedules[sid] = schedule_ids[sid]
        found, why = shifts.map_overrides(schedule, schedule_ids[sid], account.shifts, people_ids, now)
        overrides += found
        lost += why

    pairs = [(str(sc["id"]), str(sc.get("name", ""))) for sc in account.schedules]
    held = {
        source: role
        for source, role in schedule_roles(
            "Grafana OnCall", pairs, schedule_ids, existing, roles or {}
        ).items()
        if source in imported_schedules
    }
    held_roles = role_section(existing, held, imported_schedules, schedules)
    if held_roles:
        doc["roles"] = dict(sorted(held_roles.items()))

    chain_ids = assign_ids([(str(c["id"]), str(c.get("name", ""))) for c in account.escalation_chains])
    steps: dict[str, list[Obj]] = defaultdict(list)
    for policy in account.escalation_policies:
        steps[str(policy.get("escalation_chain_id"))].append(policy)
    policies: Obj = dict(existing.get("escalation_policies") or {})
    imported_chains: dict[str, str] = {}
    for chain in account.escalation_chains:
        mapped, why = mapping.map_escalation_chain(chain, steps.get(str(chain["id"]), []), people_ids, held)
        lost += why
        if mapped is not None:
            policies[chain_ids[str(chain["id"])]] = mapped
            imported_chains[str(chain["id"])] = chain_ids[str(chain["id"])]

    services: Obj = dict(existing.get("services") or {})
    integrations: Obj = dict(existing.get("integrations") or {})
    moves: list[OldIntegration] = []
    integration_ids = assign_ids([(str(i["id"]), str(i.get("name", ""))) for i in account.integrations])
    for integration in account.integrations:
        iid = integration_ids[str(integration["id"])]
        found_one, why = mapping.map_integration(
            integration, iid, imported_chains, team_ids, integrations.get(iid) or {}
        )
        lost += why
        if found_one is not None:
            service, entry, move = found_one
            services[iid] = {**(services.get(iid) or {}), **service}
            integrations[iid] = entry
            moves.append(move)

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
        "escalation_policies": len(imported_chains),
        "integrations": len(moves),
    }
    return SourceResult(
        doc, sorted(set(lost)), counts, people_ids, imported_schedules, sorted(overrides), moves
    )
