"""Alert group commands for the API and CLI: each one transaction, then the engine is woken."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from onwatch.db.secrets import shared_secret
from onwatch.db.uow import UnitOfWork
from onwatch.db.work import EscalationRecord
from onwatch.incidents.automation import IncidentAutomation
from onwatch.incidents.domain.incident import Incident
from onwatch.incidents.engagement import engaged_from_group, paged_vias
from onwatch.incidents.role_pages import NO_SERVICE
from onwatch.kernel.enums import EventKind, Role, Severity, Status
from onwatch.kernel.errors import DomainError, InvalidInput, NotFound
from onwatch.kernel.timeline import Actor, TimelineEvent
from onwatch.paging.base import PagingCommands
from onwatch.paging.domain.alerts import GroupStatus
from onwatch.paging.domain.escalation import Target
from onwatch.paging.group_actions import GroupActions
from onwatch.paging.links import LinkSigner
from onwatch.paging.pager import Pager
from onwatch.paging.store.groups import AlertGroupRecord, AlertRecord, GroupEvent


class SignerSource:
    """The link signer, built once from the secret all replicas share."""

    def __init__(self, public_url: str) -> None:
        self.public_url = public_url
        self._signer: LinkSigner | None = None

    def __call__(self, uow: UnitOfWork) -> LinkSigner:
        if self._signer is None:
            self._signer = LinkSigner(shared_secret(uow.conn, "action-links"), self.public_url)
        return self._signer


class AlertGroupCommands(PagingCommands):
    def _act(
        self, group_id: int, action: Callable[[GroupActions, AlertGroupRecord, UnitOfWork], object]
    ) -> AlertGroupRecord:
        with self.db.write() as uow:
            now = self.clock.now()
            group = uow.alerts.group(group_id, for_update=True)
            pager = Pager(uow, self.cache.get(uow), self.signer(uow), now)
            action(GroupActions(uow, pager, now), group, uow)
            updated = uow.alerts.group(group_id)
        self.on_commit()
        return updated

    def acknowledge(self, group_id: int, actor: Actor) -> AlertGroupRecord:
        return self._act(group_id, lambda a, g, _u: a.acknowledge(g, actor))

    def resolve(self, group_id: int, actor: Actor) -> AlertGroupRecord:
        return self._act(group_id, lambda a, g, _u: a.resolve(g, actor))

    def escalate(self, group_id: int, actor: Actor) -> AlertGroupRecord:
        return self._act(group_id, lambda a, g, _u: a.escalate(g, actor))

    def page(self, group_id: int, actor: Actor, target: Target) -> AlertGroupRecord:
        return self._act(group_id, lambda a, g, _u: a.page(g, actor, target))

    def to_incident(
        self,
        group_id: int,
        actor: Actor,
        *,
        severity: Severity,
        title: str | None = None,
        status: Status = Status.DEGRADED_PERFORMANCE,
        page: frozenset[Role] = frozenset(),
    ) -> tuple[AlertGroupRecord, int]:
        """Declare an incident from the group (same transaction) and link them; declaring does all
        it does from scratch (document, announcements, pages). Whoever acknowledged a report engages."""
        holder: dict[str, int] = {}

        def run(actions: GroupActions, group: AlertGroupRecord, uow: UnitOfWork) -> None:
            if group.incident_id is not None:
                raise DomainError(
                    f"alert group {group.id} already belongs to incident {group.incident_id}", field="id"
                )
            if actor.person_id is not None:
                uow.directory.require_person(actor.person_id, field="declared_by")
            incident = Incident.declare(
                title=title or group.title[:200],
                severity=severity,
                actor=actor,
                now=actions.now,
                services=[group.service_id] if group.service_id != NO_SERVICE else [],
                status=status,
            )
            holder["id"] = uow.incidents.add(incident)
            self._link(uow, group, holder["id"], actor, actions.now)
            engaged = engaged_from_group(uow, group)
            if engaged is not None:  # whoever took the page engages on the incident (and owns it)
                uow.process.attach_to_incident(group.id, holder["id"])
                incident.engage_role(engaged[1], engaged[0], actor, actions.now)
                uow.incidents.save(incident)
            IncidentAutomation(uow, actions.pager, actions.now).declared(incident, actor, set(page))

        group = self._act(group_id, run)
        return group, holder["id"]

    def attach(self, group_id: int, incident_id: int, actor: Actor) -> AlertGroupRecord:
        def run(actions: GroupActions, group: AlertGroupRecord, uow: UnitOfWork) -> None:
            uow.incidents.get(incident_id)  # 404 if unknown
            if group.incident_id == incident_id:
                return
            if group.incident_id is not None:
                raise DomainError(
                    f"alert group {group.id} already belongs to incident {group.incident_id}", field="id"
                )
            self._link(uow, group, incident_id, actor, actions.now)

        return self._act(group_id, run)

    @staticmethod
    def _link(
        uow: UnitOfWork, group: AlertGroupRecord, incident_id: int, actor: Actor, now: datetime
    ) -> None:
        """Link, and copy the group's history so the incident timeline shows every page and ack so far."""
        uow.alerts.update_group(group.id, {"incident_id": incident_id, "updated_at": now})
        for e in uow.alerts.events(group.id):
            uow.incidents.append_event(
                incident_id,
                TimelineEvent(
                    at=e.at,
                    kind=EventKind.PAGED if e.kind == "paged" else EventKind.ALERTS_LINKED,
                    actor=e.actor,
                    interface=actor.interface,
                    message=f"alert group #{group.id}: {e.message}",
                    data={"alert_group": group.id, "original_kind": e.kind},
                ),
            )
        uow.incidents.append_event(
            incident_id,
            TimelineEvent(
                at=now,
                kind=EventKind.ALERTS_LINKED,
                actor=actor.name,
                interface=actor.interface,
                message=f"{actor.name} linked alert group #{group.id}: {group.title}",
                data={"alert_group": group.id},
            ),
        )
        uow.alerts.add_event(
            group.id, now, "linked", actor.name, actor.interface.value, f"linked to incident #{incident_id}"
        )

    # ---- queries ---------------------------------------------------------------------------

    def page_to(self, incident_id: int, person: str) -> int | None:
        """The incident's open role page that paged `person` (what "ack" in chat means), if any."""
        with self.db.read() as uow:
            uow.incidents.get(incident_id)
            for page in uow.process.open_role_pages(incident_id):  # newest first
                if uow.alerts.group(page.group_id).status is not GroupStatus.TRIGGERED:
                    continue
                if paged_vias(uow, page.group_id, person):
                    return page.group_id
        return None

    def groups(
        self, status: GroupStatus | None = None, limit: int = 100, offset: int = 0
    ) -> list[AlertGroupRecord]:
        with self.db.read() as uow:
            return uow.alerts.groups(status=status, limit=limit, offset=offset)

    def detail(
        self, group_id: int
    ) -> tuple[AlertGroupRecord, list[AlertRecord], list[GroupEvent], EscalationRecord | None]:
        with self.db.read() as uow:
            group = uow.alerts.group(group_id)
            return (
                group,
                uow.alerts.alerts_of(group_id),
                uow.alerts.events(group_id),
                uow.engine.current_escalation(group_id),
            )

    def add_maintenance(
        self, service_id: str, start: datetime, end: datetime, reason: str, actor: Actor
    ) -> int:
        if end <= start:
            raise InvalidInput("'end' must be after 'start'", field="end")
        with self.db.write() as uow:
            uow.directory.require_services([service_id], field="service")
            return uow.alerts.add_maintenance(
                service_id, start, end, reason.strip()[:500], actor.name, self.clock.now()
            )

    def maintenance(self, service_id: str | None = None) -> list[dict[str, Any]]:
        with self.db.read() as uow:
            return uow.alerts.maintenance(service_id, self.clock.now())

    def remove_maintenance(self, window_id: int) -> None:
        with self.db.write() as uow:
            if not uow.alerts.remove_maintenance(window_id):
                raise NotFound(f"maintenance window {window_id} does not exist", field="id")
