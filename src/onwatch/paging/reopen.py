"""Reopening a flapping alert group: the same group triggered (or acknowledged) again, and its
escalation going on from where it stopped, instead of a new group paging again."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import sqlalchemy as sa

from onwatch.db.tables import alert_groups
from onwatch.db.uow import UnitOfWork
from onwatch.paging.domain.alerts import GroupStatus
from onwatch.paging.domain.escalation import EscalationStatus
from onwatch.paging.pager import ESCALATE, timer_prefix
from onwatch.paging.store.escalations import EscalationRepository
from onwatch.paging.store.groups import AlertGroupRecord


def reopen_group(uow: UnitOfWork, previous: AlertGroupRecord, now: datetime) -> AlertGroupRecord | None:
    """`previous` open again and marked flapping: acknowledged if someone had acknowledged it, else
    triggered. None when another writer reopened it first (the caller joins it then)."""
    status = GroupStatus.ACKNOWLEDGED if previous.acknowledged_at is not None else GroupStatus.TRIGGERED
    changed = uow.conn.execute(
        sa.update(alert_groups)
        .where(alert_groups.c.id == previous.id, alert_groups.c.status == GroupStatus.RESOLVED.value)
        .values(status=status.value, resolved_at=None, resolved_by=None, flapping=True, updated_at=now)
    ).rowcount
    if changed != 1:
        return None
    return replace(previous, status=status, resolved_at=None, resolved_by=None, flapping=True, updated_at=now)


def resume_escalation(uow: UnitOfWork, group_id: int, now: datetime) -> None:
    """Nobody acknowledged the group before it resolved: its escalation goes on, the next step due
    one step delay from now (the step already paged is not paged again)."""
    repo = uow.repo(EscalationRepository)
    escalation = repo.current_escalation(group_id)
    if escalation is None or escalation.status is not EscalationStatus.RESOLVED:
        return
    following = escalation.policy.after(escalation.position)
    if following is None:  # the policy had run out: nobody more to page
        repo.update_escalation(escalation.id, now, status=EscalationStatus.ACTIVE, next_at=None)
        return
    due = now + escalation.policy.step(escalation.position).delay
    repo.update_escalation(escalation.id, now, status=EscalationStatus.ACTIVE, next_at=due)
    uow.timers.schedule(
        ESCALATE,
        due,
        {"escalation_id": escalation.id, "step": following.step, "round": following.round},
        f"{timer_prefix(escalation.id)}{following.round}.{following.step}",
        now,
    )
