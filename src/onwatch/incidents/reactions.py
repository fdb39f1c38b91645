"""The incident process's reactions to other changes, subscribed once at composition
(onwatch.bootstrap) and run inside the publisher's transaction (onwatch.kernel.events):

- an alert group acknowledged engages the role it paged on its incident (incidents/engagement.py)
  and, for S1/S2, tells the production channel the acknowledger is joining (incidents/joining.py);
- a responder page acknowledged marks the responder joined (incidents/responders.py);
- an incident resolved stands down its role and responder pages still open;
- its review completed (or reopened) classifies the final severity and moves the label.
"""

from __future__ import annotations

from collections.abc import Callable

from onwatch.config.cache import ConfigCache
from onwatch.db.uow import UnitOfWork
from onwatch.incidents.automation import ENGINE, automation_for
from onwatch.incidents.engagement import engage_from_acknowledgement
from onwatch.incidents.events import IncidentResolved, ReviewConcluded, ReviewReopened
from onwatch.incidents.joining import announce_joining
from onwatch.incidents.responders import responder_joined
from onwatch.incidents.store.incidents import IncidentRepository
from onwatch.kernel.events import EventBus
from onwatch.paging.domain.alerts import GroupStatus
from onwatch.paging.events import GroupAcknowledged
from onwatch.paging.group_actions import GroupActions
from onwatch.paging.links import LinkSigner
from onwatch.paging.store.groups import AlertRepository
from onwatch.paging.store.responders import ResponderRepository
from onwatch.paging.store.role_pages import RolePageRepository


class IncidentReactions:
    def __init__(self, cache: ConfigCache, signer: Callable[[UnitOfWork], LinkSigner]) -> None:
        self.cache = cache
        self.signer = signer

    def subscribe(self, bus: EventBus[UnitOfWork]) -> None:
        bus.subscribe(GroupAcknowledged, self.group_acknowledged)
        bus.subscribe(IncidentResolved, self.incident_resolved)
        bus.subscribe(ReviewConcluded, self.review_concluded)
        bus.subscribe(ReviewReopened, self.review_reopened)

    def review_concluded(self, uow: UnitOfWork, event: ReviewConcluded) -> None:
        incidents = uow.repo(IncidentRepository)
        incident = incidents.get(event.incident_id, for_update=True)
        incident.conclude_review(event.review_id, event.final_severity, event.actor, event.at)
        incidents.save(incident)

    def review_reopened(self, uow: UnitOfWork, event: ReviewReopened) -> None:
        incidents = uow.repo(IncidentRepository)
        incident = incidents.get(event.incident_id, for_update=True)
        incident.reopen_review(event.review_id, event.actor, event.at)
        incidents.save(incident)

    def group_acknowledged(self, uow: UnitOfWork, event: GroupAcknowledged) -> None:
        automation = automation_for(uow, self.cache, self.signer, event.at)
        if automation is not None:
            group = uow.repo(AlertRepository).group(event.group_id)
            engage_from_acknowledgement(automation, group, event.actor)
            responder_joined(uow, group, event.actor, event.at)
            announce_joining(automation, group, event.actor)

    def incident_resolved(self, uow: UnitOfWork, event: IncidentResolved) -> None:
        """Stand down the role and responder pages still open: nobody is needed any more."""
        groups = [p.group_id for p in uow.repo(RolePageRepository).open_role_pages(event.incident_id)]
        groups += [
            r.group_id
            for r, status in uow.repo(ResponderRepository).for_incident(event.incident_id)
            if status is not GroupStatus.RESOLVED
        ]
        automation = automation_for(uow, self.cache, self.signer, event.at) if groups else None
        if automation is None:
            return
        actions = GroupActions(uow, automation.pager, event.at)
        for group_id in groups:
            group = uow.repo(AlertRepository).group(group_id, for_update=True)
            if group.status is not GroupStatus.RESOLVED:
                actions.resolve(group, ENGINE, f"incident #{event.incident_id} is resolved")
