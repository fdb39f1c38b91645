"""Read model of the public status page: non-confidential incidents only, with their public updates
and the worst status each ever had. Confidential incidents are filtered here, in SQL, so no caller
can forget to."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime

import sqlalchemy as sa

from onwatch.db.tables import incident_services, incidents, timeline_events
from onwatch.incidents.domain.publicity import default_public_title
from onwatch.incidents.store.incidents import IncidentRepository
from onwatch.kernel.enums import EventKind, Severity, State, Status
from onwatch.status.domain import PublicIncident, worst

DEFAULT_PUBLIC_SEVERITIES = (Severity.S1, Severity.S2, Severity.S3)

_STATUS_VALUES = frozenset(s.value for s in Status)


class StatusPageRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def incidents(
        self,
        *,
        since: datetime,
        limit: int = 1000,
        severities: Collection[Severity] = DEFAULT_PUBLIC_SEVERITIES,
        names: Mapping[str, str] | None = None,
    ) -> list[PublicIncident]:
        """Public incidents that are active, or were open at some time after `since`; newest first.
        Only the severities the config shows publicly, and only once the first public update is out
        (the CMOC decides what the public hears); titled by the public title, never the internal
        one (`names`: component id -> name, for the neutral default)."""
        query = (
            sa.select(incidents)
            .where(
                incidents.c.confidential == sa.false(),
                incidents.c.severity.in_(sorted(int(s) for s in severities)),
                incidents.c.last_public_update_at.is_not(None),
                sa.or_(
                    incidents.c.state != State.RESOLVED.value,
                    incidents.c.resolved_at >= since,
                ),
            )
            .order_by(incidents.c.declared_at.desc(), incidents.c.id.desc())
            .limit(limit)
        )
        rows = list(self.conn.execute(query).mappings())
        ids = [r["id"] for r in rows]
        if not ids:
            return []
        services: dict[int, list[str]] = {i: [] for i in ids}
        for incident_id, service_id in self.conn.execute(
            sa.select(incident_services.c.incident_id, incident_services.c.service_id)
            .where(incident_services.c.incident_id.in_(ids))
            .order_by(incident_services.c.service_id)
        ):
            services[incident_id].append(service_id)
        statuses: dict[int, list[Status]] = {i: [] for i in ids}
        for incident_id, kind, data in self.conn.execute(
            sa.select(timeline_events.c.incident_id, timeline_events.c.kind, timeline_events.c.data).where(
                timeline_events.c.incident_id.in_(ids),
                timeline_events.c.kind.in_([EventKind.DECLARED.value, EventKind.STATUS_CHANGED.value]),
            )
        ):
            value = data.get("status") if kind == EventKind.DECLARED.value else data.get("to")
            if value in _STATUS_VALUES:
                statuses[incident_id].append(Status(value))
        updates = IncidentRepository(self.conn).updates(ids)
        return [
            PublicIncident(
                **{k: r[k] for k in ("id", "declared_at", "updated_at", "mitigated_at", "resolved_at")},
                title=r["public_title"]
                or default_public_title(
                    [(names or {}).get(c, c) for c in services[r["id"]] if c in (names or {})]
                ),
                severity=Severity(r["severity"]),
                state=State(r["state"]),
                status=Status(r["status"]),
                services=tuple(services[r["id"]]),
                worst_status=worst([Status(r["status"]), *statuses[r["id"]]]),
                updates=tuple(updates[r["id"]]),
            )
            for r in rows
        ]
