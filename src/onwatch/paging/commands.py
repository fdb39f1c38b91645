"""Alert group commands for the API and CLI: each one transaction, then the engine is woken."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from onwatch.db.secrets import shared_secret
from onwatch.db.uow import UnitOfWork
from onwatch.directory.store import DirectoryRepository
from onwatch.kernel.enums import EventKind
from onwatch.kernel.errors import InvalidInput, NotFound
from onwatch.kernel.timeline import Actor, TimelineEvent
from onwatch.paging.base import PagingCommands
from onwatch.paging.domain.alerts import GroupStatus
from onwatch.paging.domain.escalation import Target
from onwatch.paging.group_actions import GroupActions
from onwatch.paging.links import LinkSigner
from onwatch.paging.pager import Pager
from onwatch.paging.store.escalations import EscalationRecord, EscalationRepository
from onwatch.paging.store.groups import AlertGroupRecord, AlertRecord, AlertRepository


class SignerSource:
    """The link signer, built once from the secret all replicas share."""

    def __init__(self, public_url: str) -> None:
        self.public_url = public_url
        self._signer: LinkSigner | None = None

    def __call__(self, uow: UnitOfWork) -> LinkSigner:
        if self._signer is None:
            self._signer = LinkSigner(shared_secret(uow.conn, "action-links"), self.public_url)
        return self._signer


def link_to_incident(
    uow: UnitOfWork, group: AlertGroupRecord, incident_id: int, actor: Actor, now: datetime
) -> None:
    """Link: the incident's timeline shows the group's pages and acknowledgements so far and from
    now on, read from the group's own events (nothing is copied)."""
    uow.repo(AlertRepository).save_with_events(group, group.link(incident_id, actor, now))
    uow.timeline.append(
        TimelineEvent(
            at=now,
            kind=EventKind.ALERTS_LINKED,
            actor=actor.name,
            interface=actor.interface,
            message=f"{actor.name} linked alert group #{group.id}: {group.title}",
            data={"alert_group": group.id},
            incident_id=incident_id,
        )
    )


class AlertGroupCommands(PagingCommands):
    def _act(
        self, group_id: int, action: Callable[[GroupActions, AlertGroupRecord, UnitOfWork], object]
    ) -> AlertGroupRecord:
        with self.db.write() as uow:
            now = self.clock.now()
            group = uow.repo(AlertRepository).group(group_id, for_update=True)
            pager = Pager(uow, self.cache.get(uow), self.signer(uow), now)
            action(GroupActions(uow, pager, now), group, uow)
            updated = uow.repo(AlertRepository).group(group_id)
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

    def attach(self, group_id: int, incident_id: int, actor: Actor) -> AlertGroupRecord:
        def run(actions: GroupActions, group: AlertGroupRecord, uow: UnitOfWork) -> None:
            uow.repo(AlertRepository).require_incident(incident_id)
            if group.incident_id == incident_id:
                return
            link_to_incident(uow, group, incident_id, actor, actions.now)

        return self._act(group_id, run)

    # ---- queries ---------------------------------------------------------------------------

    def groups(
        self,
        status: GroupStatus | None = None,
        limit: int = 100,
        offset: int = 0,
        hidden_incidents: frozenset[int] = frozenset(),
    ) -> list[AlertGroupRecord]:
        with self.db.read() as uow:
            return uow.repo(AlertRepository).groups(
                status=status, limit=limit, offset=offset, hidden_incidents=hidden_incidents
            )

    def detail(
        self, group_id: int
    ) -> tuple[AlertGroupRecord, list[AlertRecord], list[TimelineEvent], EscalationRecord | None]:
        with self.db.read() as uow:
            group = uow.repo(AlertRepository).group(group_id)
            return (
                group,
                uow.repo(AlertRepository).alerts_of(group_id),
                uow.repo(AlertRepository).events(group_id),
                uow.repo(EscalationRepository).current_escalation(group_id),
            )

    def add_maintenance(
        self, service_id: str, start: datetime, end: datetime, reason: str, actor: Actor
    ) -> int:
        if end <= start:
            raise InvalidInput("'end' must be after 'start'", field="end")
        with self.db.write() as uow:
            uow.repo(DirectoryRepository).require_services([service_id], field="service")
            return uow.repo(AlertRepository).add_maintenance(
                service_id, start, end, reason.strip()[:500], actor.name, self.clock.now()
            )

    def maintenance(self, service_id: str | None = None) -> list[dict[str, Any]]:
        with self.db.read() as uow:
            return uow.repo(AlertRepository).maintenance(service_id, self.clock.now())

    def remove_maintenance(self, window_id: int) -> None:
        with self.db.write() as uow:
            if not uow.repo(AlertRepository).remove_maintenance(window_id):
                raise NotFound(f"maintenance window {window_id} does not exist", field="id")
