"""Which imported schedule holds which onwatch role: onwatch pages a schedule through the role it
says who holds (`roles.<role>.schedule`), so an escalation target that is a schedule becomes a
`{role: ...}` target when the schedule holds a role (`--role ROLE=SCHEDULE`, or a role of the
existing config whose schedule is imported), and is listed otherwise."""

from __future__ import annotations

from typing import Any

from onwatch.importers.report import InvalidOption

Obj = dict[str, Any]


def schedule_roles(
    tool: str,
    schedules: list[tuple[str, str]],
    schedule_ids: dict[str, str],
    existing: Obj,
    roles: dict[str, str],
) -> dict[str, str]:
    """Source schedule id -> onwatch role, for (source id, name) `schedules`; `roles` maps a role
    to a schedule's source id, name or onwatch id. Raises InvalidOption for a schedule not found."""
    onwatch_to_source = {sid: source for source, sid in schedule_ids.items()}
    out: dict[str, str] = {}
    for role, rc in (existing.get("roles") or {}).items():
        if isinstance(rc, dict) and rc.get("schedule") in onwatch_to_source:
            out[onwatch_to_source[str(rc["schedule"])]] = str(role)
    for role, wanted in roles.items():
        matches = [sid for sid, name in schedules if wanted in (sid, name, schedule_ids.get(sid))]
        if not matches:
            raise InvalidOption(f"--role {role}={wanted}: {tool} has no schedule with that id or name")
        out = {source: r for source, r in out.items() if r != role}
        out[matches[0]] = role
    return out


def role_section(existing: Obj, held: dict[str, str], imported: dict[str, str], schedules: Obj) -> Obj:
    """The `roles` section: the existing one, with each held role pointing at its imported schedule
    (named after it unless the role already has a name)."""
    section: Obj = dict(existing.get("roles") or {})
    for source, role in held.items():
        if source not in imported:
            continue
        previous = section.get(role) or {}
        section[role] = {
            "name": previous.get("name") or f"{schedules[imported[source]]['name']} on call"[:200],
            **{k: v for k, v in previous.items() if k != "name"},
            "schedule": imported[source],
        }
    return section
