"""Why an alert group action would be refused, asked of the aggregate itself (no copy of its rules).

The alert page shows each button disabled with its reason by trying the transition on a copy of the
group: the page says exactly what the command (and the API's 409) would say.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime

from onwatch.kernel.errors import DomainError
from onwatch.kernel.timeline import Actor
from onwatch.paging.domain.alerts import GroupStatus
from onwatch.paging.domain.group import AlertGroup, EscalationStatus


def refusal(group: AlertGroup, attempt: Callable[[AlertGroup], object]) -> str | None:
    """The message of the DomainError `attempt` raises on a copy of `group`, or None if allowed."""
    try:
        attempt(copy.copy(group))
    except DomainError as exc:
        return exc.message
    return None


def acknowledge_refusal(group: AlertGroup, actor: Actor, now: datetime) -> str | None:
    if group.status is GroupStatus.ACKNOWLEDGED:
        return f"already acknowledged by {group.acknowledged_by}"
    return refusal(group, lambda g: g.acknowledge(actor, now))


def resolve_refusal(group: AlertGroup, actor: Actor, now: datetime) -> str | None:
    if group.status is GroupStatus.RESOLVED:
        return "already resolved"
    return refusal(group, lambda g: g.resolve(actor, now))


def escalate_refusal(
    group: AlertGroup, actor: Actor, now: datetime, escalation: EscalationStatus | None
) -> str | None:
    return refusal(group, lambda g: g.escalate(actor, now, escalation=escalation, to_step=1))


def page_refusal(group: AlertGroup) -> str | None:
    return refusal(group, lambda g: g.check_page())


def link_refusal(group: AlertGroup) -> str | None:
    return refusal(group, lambda g: g.check_unlinked())
