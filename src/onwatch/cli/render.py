"""Plain-text rendering of incidents and timelines for the terminal."""

from __future__ import annotations

from datetime import datetime

from onwatch.incidents.domain.incident import Incident
from onwatch.kernel.timeline import TimelineEvent


def ts(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%SZ") if value else "-"


def incident_line(i: Incident) -> str:
    return (
        f"#{i.id:<5} {i.severity.label}  {i.state.value:<13} {i.status.title:<27} {i.owner_id:<12} {i.title}"
    )


def incident_detail(i: Incident, events: list[TimelineEvent]) -> str:
    lines = [
        f"Incident #{i.id}: {i.title}",
        f"  severity  {i.severity.label}",
        f"  state     {i.state.value}",
        f"  status    {i.status.title}",
        f"  owner     {i.owner_id}" + (f" ({i.owner_role.name})" if i.owner_role else " (declarer)"),
        f"  services  {', '.join(i.services) or '-'}",
        f"  labels    {', '.join(i.labels)}",
        f"  declared  {ts(i.declared_at)} by {i.declared_by}",
    ]
    if i.imoc_required:
        lines.append("  !! IMOC required: no Incident Manager On Call has engaged")
    active = [a for a in i.roles if a.active]
    if active:
        lines.append("  roles")
        for a in active:
            when = (
                f"engaged {ts(a.engaged_at)}" if a.engaged_at else f"asked {ts(a.assigned_at)}, not engaged"
            )
            lines.append(f"    {a.role.name:<9} {a.person_id:<12} {when}")
    lines += ["", "Timeline"]
    lines += [f"  {ts(e.at)}  [{e.interface.value:<6}] {e.actor:<12} {e.message}" for e in events]
    return "\n".join(lines)
