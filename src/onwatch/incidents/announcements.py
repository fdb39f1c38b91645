"""What declaring writes for people: the working document's first version and the announcement,
rendered from the built-in templates or the config's overrides."""

from __future__ import annotations

from typing import Any

from onwatch.config.cache import AppliedConfig
from onwatch.config.schema import TemplateConfig
from onwatch.incidents.domain.cadence import DEFAULT_CADENCE
from onwatch.incidents.domain.incident import Incident
from onwatch.incidents.domain.rules import Cadence, update_interval
from onwatch.incidents.templates import builtin, render
from onwatch.kernel.enums import Severity, State


def cadence_of(applied: AppliedConfig) -> Cadence:
    """The public-update cadence from the config's severities table (PROCESS.md §9 by default)."""
    table: dict[Severity, dict[State, Any]] = {}
    for severity in Severity:
        rule = applied.config.severities.get(severity.label)
        if rule is None:
            table[severity] = dict(DEFAULT_CADENCE[severity])
            continue
        c = rule.update_cadence
        table[severity] = {
            State.INVESTIGATING: c.investigating,
            State.IDENTIFIED: c.identified,
            State.MONITORING: c.monitoring,
        }
    return table


def links(public_url: str, applied: AppliedConfig, incident_id: int) -> dict[str, str]:
    room = applied.config.organisation.situation_room
    result = {
        "incident": f"{public_url}/incidents/{incident_id}",
        "document": f"{public_url}/incidents/{incident_id}/document",
        "api": f"{public_url}/api/v1/incidents/{incident_id}",
    }
    if room:
        result["situation_room"] = str(room)
    return result


def context(incident: Incident, applied: AppliedConfig, public_url: str, paged: list[str]) -> dict[str, Any]:
    assert incident.id is not None
    interval = update_interval(incident.severity, incident.state, cadence_of(applied))
    people = applied.config.people
    return {
        "incident": {
            "id": incident.id,
            "title": incident.title,
            "severity": incident.severity.label,
            "state": incident.state.value.capitalize(),
            "status": incident.status.title,
            "services": [
                applied.config.services[s].name if s in applied.config.services else s
                for s in incident.services
            ],
            "declared_at": incident.declared_at.strftime("%Y-%m-%d %H:%M UTC"),
            "declared_by": people[incident.declared_by].name
            if incident.declared_by in people
            else incident.declared_by,
            "owner": people[incident.owner_id].name if incident.owner_id in people else incident.owner_id,
            "labels": incident.labels,
            "security": incident.security,
        },
        "organisation": applied.config.organisation.name,
        "links": {"situation_room": "", **links(public_url, applied, incident.id)},
        "cadence": f"every {int(interval.total_seconds() // 60)} minutes" if interval else "none",
        "paged": paged,
    }


def _text(override: TemplateConfig | None, name: str) -> str:
    return override.text if override is not None and override.text is not None else builtin(name)


def document(incident: Incident, applied: AppliedConfig, public_url: str) -> str:
    return render(
        _text(applied.config.process.templates.document, "document"),
        context(incident, applied, public_url, []),
    )


def announcement(
    incident: Incident, applied: AppliedConfig, public_url: str, paged: list[str], with_document: bool = True
) -> str:
    values = context(incident, applied, public_url, paged)
    if not with_document:  # declared without a working document: no link to one
        values["links"] = {**values["links"], "document": ""}
    return render(_text(applied.config.process.templates.announcement, "announcement"), values)
