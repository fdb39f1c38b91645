"""Statuspage (v2 API) shaped JSON, so existing status widgets and tools can read onwatch."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from onwatch.kernel.enums import State
from onwatch.status.domain import COMPONENT_STATUS, IMPACT, PublicIncident
from onwatch.status.web.model import ComponentView, StatusModel

PAGE_ID = "onwatch"


def ts(value: datetime | None) -> str | None:
    return (
        None
        if value is None
        else value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


def page(model: StatusModel) -> dict[str, Any]:
    return {
        "id": PAGE_ID,
        "name": model.name,
        "url": model.url,
        "time_zone": "Etc/UTC",
        "updated_at": ts(model.updated_at),
    }


def component(view: ComponentView, model: StatusModel) -> dict[str, Any]:
    c = view.component
    since = datetime.combine(view.history[0].day, time(0), UTC) if view.history else model.now
    return {
        "id": c.id,
        "name": c.name,
        "status": COMPONENT_STATUS[view.status],
        "created_at": ts(since),
        "updated_at": ts(model.updated_at),
        "position": c.position,
        "description": c.description or None,
        "showcase": True,
        "start_date": since.date().isoformat(),
        "group_id": None,
        "page_id": PAGE_ID,
        "group": False,
        "only_show_if_degraded": False,
    }


def incident(i: PublicIncident, model: StatusModel) -> dict[str, Any]:
    names = model.component_names()
    affected = [
        {
            "code": sid,
            "name": names[sid],
            "old_status": "operational",
            "new_status": COMPONENT_STATUS[i.status],
        }
        for sid in i.services
        if sid in names
    ]
    components = [component(v, model) for v in model.components if v.component.id in i.services]
    return {
        "id": str(i.id),
        "name": i.title,
        "status": i.state.value,
        "created_at": ts(i.declared_at),
        "updated_at": ts(i.updated_at),
        "monitoring_at": ts(i.mitigated_at) if i.state in (State.MONITORING, State.RESOLVED) else None,
        "resolved_at": ts(i.resolved_at),
        "impact": IMPACT[i.severity],
        "shortlink": f"{model.url}/incidents/{i.id}",
        "started_at": ts(i.declared_at),
        "page_id": PAGE_ID,
        "incident_updates": [
            {
                "id": str(u.id),
                "status": u.state.value,
                "body": u.body,
                "incident_id": str(i.id),
                "created_at": ts(u.at),
                "updated_at": ts(u.at),
                "display_at": ts(u.at),
                "affected_components": affected,
                "deliver_notifications": True,
                "custom_tweet": None,
                "tweet_id": None,
            }
            for u in i.updates
        ],
        "components": components,
    }


def status(model: StatusModel) -> dict[str, Any]:
    return {"indicator": model.indicator, "description": model.description}


def summary(model: StatusModel) -> dict[str, Any]:
    return {
        "page": page(model),
        "components": [component(v, model) for v in model.components],
        "incidents": [incident(i, model) for i in model.active],
        "scheduled_maintenances": [],
        "status": status(model),
    }


def incidents(model: StatusModel, limit: int = 50) -> dict[str, Any]:
    return {"page": page(model), "incidents": [incident(i, model) for i in model.incidents[:limit]]}


def unresolved(model: StatusModel) -> dict[str, Any]:
    return {"page": page(model), "incidents": [incident(i, model) for i in model.active]}


def components(model: StatusModel) -> dict[str, Any]:
    return {"page": page(model), "components": [component(v, model) for v in model.components]}


def status_only(model: StatusModel) -> dict[str, Any]:
    return {"page": page(model), "status": status(model)}
