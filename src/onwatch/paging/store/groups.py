"""Alerts, alert groups and their timeline events, integrations and maintenance windows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from onwatch.db.tables import (
    alert_groups,
    alerts,
    incidents,
    integrations,
    maintenance_windows,
    timeline_events,
)
from onwatch.db.timeline import TimelineStore
from onwatch.directory.tokens import hash_token
from onwatch.kernel.alert_context import AlertContext
from onwatch.kernel.enums import EventKind, Interface, Role
from onwatch.kernel.errors import NotFound
from onwatch.kernel.timeline import TimelineEvent
from onwatch.paging.domain.alerts import AlertStatus, GroupStatus
from onwatch.paging.domain.group import AlertGroup
from onwatch.paging.store import counts as alert_counts
from onwatch.paging.store.counts import GROUP_COLUMNS


@dataclass(frozen=True)
class IntegrationRecord:
    id: str
    kind: str
    service_id: str
    policy_id: str
    group_by: tuple[str, ...]

    @classmethod
    def of(cls, row: sa.RowMapping) -> IntegrationRecord:
        return cls(row["id"], row["kind"], row["service_id"], row["policy_id"], tuple(row["group_by"]))


# the stored group is the aggregate itself
AlertGroupRecord = AlertGroup


@dataclass(frozen=True)
class AlertRecord:
    id: int
    integration_id: str
    dedup_key: str
    group_id: int
    status: AlertStatus
    summary: str
    severity: str
    source: str
    labels: dict[str, Any]
    details: dict[str, Any]
    event_count: int
    first_seen: datetime
    last_seen: datetime
    resolved_at: datetime | None

    @classmethod
    def of(cls, row: sa.RowMapping) -> AlertRecord:
        values = dict(row)
        values["status"] = AlertStatus(values["status"])
        return cls(**values)


class AlertRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def require_incident(self, incident_id: int) -> None:
        """A group links only to an incident that exists (404 otherwise); paging reads nothing else of
        it, so it needs none of the incidents slice."""
        found = self.conn.execute(sa.select(incidents.c.id).where(incidents.c.id == incident_id)).first()
        if found is None:
            raise NotFound(f"incident {incident_id} does not exist", field="id")

    # ---- integrations --------------------------------------------------------------------

    def integration_by_key(self, key: str) -> IntegrationRecord | None:
        return self._active_integration(integrations.c.key_hash == hash_token(key))

    def integration_by_id(self, integration_id: str) -> IntegrationRecord | None:
        return self._active_integration(integrations.c.id == integration_id)

    def _active_integration(self, where: sa.ColumnElement[bool]) -> IntegrationRecord | None:
        query = sa.select(integrations).where(where, integrations.c.active)
        row = self.conn.execute(query).mappings().first()
        return IntegrationRecord.of(row) if row is not None else None

    # ---- alerts --------------------------------------------------------------------------

    def alert(self, integration_id: str, dedup_key: str, *, for_update: bool = False) -> AlertRecord | None:
        query = sa.select(alerts).where(
            alerts.c.integration_id == integration_id, alerts.c.dedup_key == dedup_key
        )
        if for_update:
            query = query.with_for_update()
        row = self.conn.execute(query).mappings().first()
        return AlertRecord.of(row) if row else None

    def update_alert(self, alert_id: int, values: dict[str, Any]) -> None:
        self.conn.execute(sa.update(alerts).where(alerts.c.id == alert_id).values(values))

    def context_of(self, group_id: int) -> AlertContext:
        """What the group's newest firing alert (or, all resolved, its newest) says beyond its summary."""
        row = self.conn.execute(
            sa.select(alerts.c.labels, alerts.c.details)
            .where(alerts.c.group_id == group_id)
            .order_by((alerts.c.status == "firing").desc(), alerts.c.last_seen.desc(), alerts.c.id.desc())
            .limit(1)
        ).first()
        return AlertContext() if row is None else AlertContext.of_alert(row.labels or {}, row.details or {})

    def alerts_of(self, group_id: int, limit: int = 500) -> list[AlertRecord]:
        rows = self.conn.execute(
            sa.select(alerts).where(alerts.c.group_id == group_id).order_by(alerts.c.id).limit(limit)
        ).mappings()
        return [AlertRecord.of(r) for r in rows]

    def resolve_alerts_of(self, group_id: int, now: datetime) -> None:
        self.conn.execute(
            sa.update(alerts)
            .where(alerts.c.group_id == group_id, alerts.c.status == AlertStatus.FIRING.value)
            .values(status=AlertStatus.RESOLVED.value, resolved_at=now)
        )

    # ---- groups --------------------------------------------------------------------------

    def open_groups(self, keys: list[str]) -> dict[str, AlertGroupRecord]:
        """The open groups among `keys`, share-locked for this transaction: they stay open until it
        ends, while other writers may still join them."""
        found: dict[str, AlertGroupRecord] = {}
        for start in range(0, len(keys), 500):
            rows = self.conn.execute(
                sa.select(*GROUP_COLUMNS)
                .where(
                    alert_groups.c.group_key.in_(keys[start : start + 500]),
                    alert_groups.c.status != GroupStatus.RESOLVED.value,
                )
                .order_by(alert_groups.c.id)
                .with_for_update(read=True, of=alert_groups)
            ).mappings()
            found.update((r["group_key"], AlertGroupRecord.of(r)) for r in rows)
        return found

    def last_resolved_group(self, group_key: str) -> AlertGroupRecord | None:
        row = (
            self.conn.execute(
                sa.select(*GROUP_COLUMNS)
                .where(
                    alert_groups.c.group_key == group_key, alert_groups.c.status == GroupStatus.RESOLVED.value
                )
                .order_by(alert_groups.c.id.desc())
                .limit(1)
            )
            .mappings()
            .first()
        )
        return AlertGroupRecord.of(row) if row else None

    def group(self, group_id: int, *, for_update: bool = False) -> AlertGroupRecord:
        found = self.groups_by_ids([group_id], for_update=for_update)
        if group_id not in found:
            raise NotFound(f"alert group {group_id} does not exist", field="id")
        return found[group_id]

    def groups_by_ids(self, ids: list[int], *, for_update: bool = False) -> dict[int, AlertGroupRecord]:
        """The groups among `ids`, by id. With `for_update`, locked in id order and with their pending
        counts folded into the row first, so that the caller may set a counter outright."""
        found: dict[int, AlertGroupRecord] = {}
        unique = sorted(set(ids))
        for start in range(0, len(unique), 1000):
            chunk = unique[start : start + 1000]
            if for_update:
                self.conn.execute(
                    sa.select(alert_groups.c.id)
                    .where(alert_groups.c.id.in_(chunk))
                    .order_by(alert_groups.c.id)
                    .with_for_update()
                ).all()
                alert_counts.fold(self.conn, chunk)
            # once folded and locked, the row holds every count a writer may build on (counts that
            # transactions still open append stay pending, and must not be folded into a total here)
            columns = alert_groups.c if for_update else GROUP_COLUMNS
            query = sa.select(*columns).where(alert_groups.c.id.in_(chunk))
            found.update((r["id"], AlertGroupRecord.of(r)) for r in self.conn.execute(query).mappings())
        return found

    def groups(
        self,
        *,
        status: GroupStatus | None = None,
        limit: int = 100,
        offset: int = 0,
        hidden_incidents: frozenset[int] = frozenset(),
    ) -> list[AlertGroupRecord]:
        """Newest first; groups of `hidden_incidents` (those the caller may not see) left out."""
        query = sa.select(*GROUP_COLUMNS).order_by(alert_groups.c.id.desc()).limit(limit).offset(offset)
        if status is not None:
            query = query.where(alert_groups.c.status == status.value)
        if hidden_incidents:
            query = query.where(
                sa.or_(
                    alert_groups.c.incident_id.is_(None),
                    alert_groups.c.incident_id.not_in(sorted(hidden_incidents)),
                )
            )
        return [AlertGroupRecord.of(r) for r in self.conn.execute(query).mappings()]

    def insert_group(self, values: dict[str, Any]) -> int:
        return int(
            self.conn.execute(
                sa.insert(alert_groups).values(values).returning(alert_groups.c.id)
            ).scalar_one()
        )

    def update_group(self, group_id: int, values: dict[str, Any]) -> None:
        self.conn.execute(sa.update(alert_groups).where(alert_groups.c.id == group_id).values(values))

    def save(self, group: AlertGroup) -> None:
        """Store what a transition of the aggregate changes (the caller holds the row's lock)."""
        values: dict[str, Any] = {
            "status": group.status.value,
            "incident_id": group.incident_id,
            "acknowledged_at": group.acknowledged_at,
            "acknowledged_by": group.acknowledged_by,
            "resolved_at": group.resolved_at,
            "resolved_by": group.resolved_by,
            "updated_at": group.updated_at,
        }
        if group.status is GroupStatus.RESOLVED:
            values["firing_count"] = group.firing_count
        self.update_group(group.id, values)

    def save_with_events(self, group: AlertGroup, events: Iterable[TimelineEvent]) -> None:
        """A transition: the group as it is now and the events it returned, together."""
        self.save(group)
        TimelineStore(self.conn).append_many(events)

    # ---- group timeline ------------------------------------------------------------------

    def add_event(
        self,
        group_id: int,
        at: datetime,
        kind: EventKind,
        actor: str,
        interface: str,
        message: str,
        data: dict[str, Any] | None = None,
        *,
        role: Role | None = None,
        person: str | None = None,
    ) -> None:
        TimelineStore(self.conn).append(
            TimelineEvent(
                at=at,
                kind=kind,
                actor=actor,
                interface=Interface(interface),
                message=message,
                data=data or {},
                group_id=group_id,
                role=role,
                person=person,
            )
        )

    def events(self, group_id: int, after_id: int = 0, limit: int = 1000) -> list[TimelineEvent]:
        """The group's timeline, oldest first."""
        return TimelineStore(self.conn).select(
            timeline_events.c.group_id == group_id, after_id=after_id, limit=limit
        )

    def paged_role(self, group_id: int, person: str) -> Role | None:
        """The role `person` was first paged as for this group, if they were paged as one: what
        acknowledging the group engages them as on its incident."""
        role = self.conn.execute(
            sa.select(timeline_events.c.role)
            .where(
                timeline_events.c.group_id == group_id,
                timeline_events.c.kind == EventKind.PAGED.value,
                timeline_events.c.person == person,
                timeline_events.c.role.is_not(None),
            )
            .order_by(timeline_events.c.id)
            .limit(1)
        ).scalar()
        return Role(role) if role is not None else None

    def was_paged(self, group_id: int, person: str) -> bool:
        found = self.conn.execute(
            sa.select(timeline_events.c.id)
            .where(
                timeline_events.c.group_id == group_id,
                timeline_events.c.kind == EventKind.PAGED.value,
                timeline_events.c.person == person,
            )
            .limit(1)
        ).first()
        return found is not None

    # ---- maintenance ---------------------------------------------------------------------

    def in_maintenance(self, service_id: str, at: datetime) -> bool:
        found = self.conn.execute(
            sa.select(maintenance_windows.c.id)
            .where(
                maintenance_windows.c.service_id == service_id,
                maintenance_windows.c.starts_at <= at,
                maintenance_windows.c.ends_at > at,
            )
            .limit(1)
        ).first()
        return found is not None

    def add_maintenance(
        self,
        service_id: str,
        starts_at: datetime,
        ends_at: datetime,
        reason: str,
        created_by: str,
        now: datetime,
    ) -> int:
        return int(
            self.conn.execute(
                sa.insert(maintenance_windows)
                .values(
                    service_id=service_id,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    reason=reason,
                    created_by=created_by,
                    created_at=now,
                )
                .returning(maintenance_windows.c.id)
            ).scalar_one()
        )

    def maintenance(self, service_id: str | None, after: datetime) -> list[dict[str, Any]]:
        query = sa.select(maintenance_windows).where(maintenance_windows.c.ends_at > after)
        if service_id is not None:
            query = query.where(maintenance_windows.c.service_id == service_id)
        return [
            dict(r) for r in self.conn.execute(query.order_by(maintenance_windows.c.starts_at)).mappings()
        ]

    def remove_maintenance(self, window_id: int) -> bool:
        result = self.conn.execute(
            sa.delete(maintenance_windows).where(maintenance_windows.c.id == window_id)
        )
        return result.rowcount == 1
