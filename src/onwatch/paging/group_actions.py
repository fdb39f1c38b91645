"""What people (and sources) do to alert groups: acknowledge, resolve, escalate, page.

The aggregate (paging/domain/group.py) decides and returns the events; this stores them with the
side effects: the escalation stopped, delayed notifications cancelled, and what it publishes
(an acknowledgement engages the role it paged: incidents/reactions.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from onwatch.db.uow import UnitOfWork
from onwatch.kernel.errors import InvalidInput
from onwatch.kernel.timeline import Actor, TimelineEvent
from onwatch.paging.domain.escalation import Position, Target, TargetKind
from onwatch.paging.domain.group import AlertGroup, EscalationStatus
from onwatch.paging.events import GroupAcknowledged
from onwatch.paging.pager import Pager, Recipient, correlation, timer_prefix
from onwatch.paging.store.escalations import EscalationRepository
from onwatch.paging.store.groups import AlertRepository


class GroupActions:
    """Runs inside the caller's transaction: state change, event, timers and outbox together."""

    def __init__(self, uow: UnitOfWork, pager: Pager, now: datetime) -> None:
        self.uow = uow
        self.pager = pager
        self.now = now

    def acknowledge(self, group: AlertGroup, actor: Actor) -> None:
        events = group.acknowledge(actor, self.now)
        if not events:
            return
        self._store(group, events)
        self._stop_escalation(group, EscalationStatus.ACKNOWLEDGED)
        self.uow.publish(GroupAcknowledged(group.id, actor, self.now))

    def resolve(self, group: AlertGroup, actor: Actor, reason: str = "") -> None:
        events = group.resolve(actor, self.now, reason)
        if not events:
            return
        self._store(group, events)
        self.uow.repo(AlertRepository).resolve_alerts_of(group.id, self.now)
        self._stop_escalation(group, EscalationStatus.RESOLVED)

    def escalate(self, group: AlertGroup, actor: Actor) -> None:
        """Run the next step of the escalation now ("page the IMOC now"), even if acknowledged."""
        escalation = self.uow.repo(EscalationRepository).current_escalation(group.id)
        following = (
            (escalation.policy.after(escalation.position) or Position(0, escalation.position.round + 1))
            if escalation is not None
            else Position(0, 0)
        )
        events = group.escalate(
            actor,
            self.now,
            escalation=escalation.status if escalation is not None else None,
            to_step=following.step + 1,
        )
        assert escalation is not None  # the aggregate refuses a group without one
        self.uow.timers.cancel_timers(timer_prefix(escalation.id))
        self.uow.repo(EscalationRepository).update_escalation(
            escalation.id, self.now, status=EscalationStatus.ACTIVE
        )
        self._store(group, events)
        self.pager.run(group, escalation.id, escalation.policy, following)

    def page(self, group: AlertGroup, actor: Actor, target: Target) -> str:
        """Page one role or person now, outside the policy (the `/pd trigger` of the process).
        A role paged this way is engaged when the person acknowledges, like a policy's page."""
        group.check_page()
        recipient = self.pager.resolve_target(target)
        if recipient is None:
            what = (
                f"nobody is on call as {target.ref.upper()}"
                if target.kind is TargetKind.ROLE
                else "unknown person"
            )
            raise InvalidInput(f"cannot page: {what}", field=target.kind.value)
        stamp = self.now.strftime("%Y%m%dT%H%M%S%f")
        keys = [f"manual:{group.id}:{stamp}:{recipient.person}:{i}" for i in range(10)]
        by_hand = Recipient(recipient.person, f"{recipient.via} (by {actor.name})", recipient.role)
        self.pager.page_person(group, by_hand, keys)
        return recipient.person

    def _store(self, group: AlertGroup, events: Iterable[TimelineEvent]) -> None:
        self.uow.repo(AlertRepository).save_with_events(group, events)

    def _stop_escalation(self, group: AlertGroup, status: EscalationStatus) -> None:
        escalation = self.uow.repo(EscalationRepository).current_escalation(group.id)
        if escalation is not None and escalation.status is EscalationStatus.ACTIVE:
            self.uow.repo(EscalationRepository).update_escalation(
                escalation.id, self.now, status=status, next_at=None
            )
            self.uow.timers.cancel_timers(timer_prefix(escalation.id))
        self.uow.outbox.cancel_outbox(correlation(group.id), self.now)
