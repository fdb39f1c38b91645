"""Who owns a new follow-up: the person holding a role (the EOC) at an instant, read from oncall's
schedules and overrides inside the caller's transaction."""

from __future__ import annotations

from datetime import datetime, timedelta

from onwatch.config.cache import AppliedConfig
from onwatch.db.uow import UnitOfWork
from onwatch.kernel.enums import Role
from onwatch.oncall.domain.resolve import on_call_at
from onwatch.oncall.store import OnCallRepository

HORIZON = timedelta(days=35)


def holder(uow: UnitOfWork, applied: AppliedConfig, role: Role, at: datetime) -> str | None:
    """The person holding `role` at `at`, or None (no schedule, or a gap)."""
    schedule = applied.role_schedule(role)
    if schedule is None:
        return None
    overrides = uow.repo(OnCallRepository).overrides(schedule.id, at - HORIZON, at + HORIZON)
    current = on_call_at(schedule, overrides, at, HORIZON).shift
    return current.person if current is not None else None
