"""Incident repository: loads and saves the aggregate with its roles and new timeline events."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa

from onwatch.db.tables import (
    alert_groups,
    incident_roles,
    incident_services,
    incident_updates,
    incidents,
    timeline_events,
)
from onwatch.db.timeline import TimelineStore, event_of
from onwatch.db.versioned import update_versioned
from onwatch.incidents.domain.incident import Incident
from onwatch.incidents.domain.roles import RoleAssignment
from onwatch.incidents.domain.updates import PublicUpdate
from onwatch.kernel.enums import EventKind, Role, Severity, State, Status
from onwatch.kernel.errors import NotFound
from onwatch.kernel.timeline import TimelineEvent


@dataclass(frozen=True)
class IncidentFilter:
    active: bool | None = None
    service: str | None = None
    severity: Severity | None = None
    # False hides confidential (security) incidents: public outputs
    include_confidential: bool = True
    # incidents the caller may not see (directory/access.py: hidden_incidents)
    hidden: frozenset[int] = frozenset()
    limit: int = 100
    offset: int = 0


class IncidentRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        # (engaged_at, renounced_at) of role rows as loaded, so save() updates only changed rows
        self._loaded_roles: dict[int, tuple[object, object]] = {}

    # ---- writing -------------------------------------------------------------------------

    def add(self, incident: Incident) -> int:
        values = self._row(incident)
        values["version"] = 1
        new_id = self.conn.execute(sa.insert(incidents).values(values).returning(incidents.c.id)).scalar_one()
        incident.id = int(new_id)
        incident.version = 1
        if incident.services:
            self.conn.execute(
                sa.insert(incident_services),
                [{"incident_id": incident.id, "service_id": s} for s in incident.services],
            )
        self._save_roles(incident)
        self._flush_events(incident)
        self._flush_updates(incident)
        return incident.id

    def save(self, incident: Incident) -> None:
        if incident.id is None:
            raise ValueError("save() needs a stored incident; use add()")
        values = self._row(incident)
        values["version"] = incident.version + 1
        update_versioned(
            self.conn, incidents, incident.id, incident.version, values, what=f"incident {incident.id}"
        )
        incident.version += 1
        self._save_roles(incident)
        self._flush_events(incident)
        self._flush_updates(incident)

    @staticmethod
    def _row(i: Incident) -> dict[str, Any]:
        return {
            "title": i.title,
            "severity": int(i.severity),
            "state": i.state.value,
            "status": i.status.value,
            "declared_by": i.declared_by,
            "declared_at": i.declared_at,
            "owner_id": i.owner_id,
            "owner_role": i.owner_role.value if i.owner_role else None,
            "imoc_required": i.imoc_required,
            "review_requested": i.review_requested,
            "review_completed": i.review_completed,
            "mitigated_at": i.mitigated_at,
            "monitoring_since": i.monitoring_since,
            "resolved_at": i.resolved_at,
            "updated_at": i.updated_at or i.declared_at,
            "security": i.security,
            "confidential": i.confidential,
            "public_withheld_reason": i.public_withheld_reason,
            "last_public_update_at": i.last_public_update_at,
            "public_title": i.public_title,
        }

    def _save_roles(self, incident: Incident) -> None:
        for a in incident.roles:
            values = {
                "incident_id": incident.id,
                "role": a.role.value,
                "person_id": a.person_id,
                "assigned_at": a.assigned_at,
                "assigned_by": a.assigned_by,
                "engaged_at": a.engaged_at,
                "renounced_at": a.renounced_at,
            }
            if a.id is None:
                a.id = int(
                    self.conn.execute(
                        sa.insert(incident_roles).values(values).returning(incident_roles.c.id)
                    ).scalar_one()
                )
            elif self._loaded_roles.get(a.id) != (a.engaged_at, a.renounced_at):
                self.conn.execute(
                    sa.update(incident_roles)
                    .where(incident_roles.c.id == a.id)
                    .values(engaged_at=a.engaged_at, renounced_at=a.renounced_at)
                )
            self._loaded_roles[a.id] = (a.engaged_at, a.renounced_at)

    def append_event(self, incident_id: int, event: TimelineEvent) -> None:
        """An event from outside the aggregate (announcements, role pages asked, document edits)."""
        TimelineStore(self.conn).append(replace(event, incident_id=incident_id))

    def _flush_events(self, incident: Incident) -> None:
        if not incident.new_events:
            return
        TimelineStore(self.conn).append_many(replace(e, incident_id=incident.id) for e in incident.new_events)
        incident.new_events.clear()

    def _flush_updates(self, incident: Incident) -> None:
        if not incident.new_updates:
            return
        self.conn.execute(
            sa.insert(incident_updates),
            [
                {
                    "incident_id": incident.id,
                    "at": u.at,
                    "state": u.state.value,
                    "status": u.status.value,
                    "body": u.body,
                    "author": u.author,
                }
                for u in incident.new_updates
            ],
        )
        incident.new_updates.clear()

    def edit_update(self, incident_id: int, update_id: int, body: str) -> bool:
        changed = self.conn.execute(
            sa.update(incident_updates)
            .where(incident_updates.c.id == update_id, incident_updates.c.incident_id == incident_id)
            .values(body=body)
        ).rowcount
        return bool(changed)

    # ---- reading -------------------------------------------------------------------------

    def updates(self, incident_ids: Sequence[int]) -> dict[int, list[PublicUpdate]]:
        """Public updates of the given incidents, newest first."""
        result: dict[int, list[PublicUpdate]] = {i: [] for i in incident_ids}
        if not incident_ids:
            return result
        rows = self.conn.execute(
            sa.select(incident_updates)
            .where(incident_updates.c.incident_id.in_(list(incident_ids)))
            .order_by(incident_updates.c.id.desc())
        ).mappings()
        for r in rows:
            result[r["incident_id"]].append(
                PublicUpdate(
                    id=r["id"],
                    at=r["at"],
                    state=State(r["state"]),
                    status=Status(r["status"]),
                    body=r["body"],
                    author=r["author"],
                )
            )
        return result

    def get(self, incident_id: int, *, for_update: bool = False) -> Incident:
        query = sa.select(incidents).where(incidents.c.id == incident_id)
        if for_update:
            query = query.with_for_update()
        row = self.conn.execute(query).mappings().first()
        if row is None:
            raise NotFound(f"incident {incident_id} does not exist", field="id")
        return self._load([row])[0]

    def find(self, flt: IncidentFilter) -> list[Incident]:
        query = sa.select(incidents).order_by(incidents.c.id.desc()).limit(flt.limit).offset(flt.offset)
        if flt.active is True:
            query = query.where(incidents.c.state != State.RESOLVED.value)
        elif flt.active is False:
            query = query.where(incidents.c.state == State.RESOLVED.value)
        if flt.severity is not None:
            query = query.where(incidents.c.severity == int(flt.severity))
        if not flt.include_confidential:
            query = query.where(incidents.c.confidential == sa.false())
        if flt.hidden:
            query = query.where(incidents.c.id.not_in(sorted(flt.hidden)))
        if flt.service is not None:
            query = query.where(
                incidents.c.id.in_(
                    sa.select(incident_services.c.incident_id).where(
                        incident_services.c.service_id == flt.service
                    )
                )
            )
        return self._load(list(self.conn.execute(query).mappings()))

    def timeline(self, incident_id: int, *, after_id: int = 0, limit: int = 1000) -> list[TimelineEvent]:
        """The incident's own events and the pages, acknowledgements and resolutions of the alert
        groups linked to it, oldest first, as the incident shows them."""
        linked = sa.select(alert_groups.c.id).where(alert_groups.c.incident_id == incident_id)
        shown = [k.value for k in EventKind if k.on_incident is not None]
        where = sa.or_(
            timeline_events.c.incident_id == incident_id,
            sa.and_(timeline_events.c.group_id.in_(linked), timeline_events.c.kind.in_(shown)),
        )
        events = TimelineStore(self.conn).select(where, after_id=after_id, limit=limit)
        return [e.on_incident() for e in events]

    def last_event(self, incident_id: int, kind: EventKind) -> TimelineEvent | None:
        """The latest of the incident's own events of one kind (e.g. why the IMOC was last required)."""
        row = (
            self.conn.execute(
                sa.select(timeline_events)
                .where(timeline_events.c.incident_id == incident_id, timeline_events.c.kind == kind.value)
                .order_by(timeline_events.c.id.desc())
                .limit(1)
            )
            .mappings()
            .first()
        )
        return event_of(row) if row else None

    def _load(self, rows: Sequence[sa.RowMapping]) -> list[Incident]:
        if not rows:
            return []
        ids = [r["id"] for r in rows]
        services: dict[int, list[str]] = {i: [] for i in ids}
        for sr in self.conn.execute(
            sa.select(incident_services)
            .where(incident_services.c.incident_id.in_(ids))
            .order_by(incident_services.c.service_id)
        ):
            services[sr.incident_id].append(sr.service_id)
        roles: dict[int, list[RoleAssignment]] = {i: [] for i in ids}
        for rr in self.conn.execute(
            sa.select(incident_roles)
            .where(incident_roles.c.incident_id.in_(ids))
            .order_by(incident_roles.c.id)
        ).mappings():
            self._loaded_roles[rr["id"]] = (rr["engaged_at"], rr["renounced_at"])
            roles[rr["incident_id"]].append(
                RoleAssignment(
                    id=rr["id"],
                    role=Role(rr["role"]),
                    person_id=rr["person_id"],
                    assigned_at=rr["assigned_at"],
                    assigned_by=rr["assigned_by"],
                    engaged_at=rr["engaged_at"],
                    renounced_at=rr["renounced_at"],
                )
            )
        return [
            Incident(
                id=r["id"],
                title=r["title"],
                severity=Severity(r["severity"]),
                state=State(r["state"]),
                status=Status(r["status"]),
                services=services[r["id"]],
                declared_by=r["declared_by"],
                declared_at=r["declared_at"],
                owner_id=r["owner_id"],
                owner_role=Role(r["owner_role"]) if r["owner_role"] else None,
                imoc_required=r["imoc_required"],
                review_requested=r["review_requested"],
                review_completed=r["review_completed"],
                mitigated_at=r["mitigated_at"],
                monitoring_since=r["monitoring_since"],
                resolved_at=r["resolved_at"],
                updated_at=r["updated_at"],
                roles=roles[r["id"]],
                security=r["security"],
                confidential=r["confidential"],
                public_withheld_reason=r["public_withheld_reason"],
                last_public_update_at=r["last_public_update_at"],
                public_title=r["public_title"],
                version=r["version"],
            )
            for r in rows
        ]
