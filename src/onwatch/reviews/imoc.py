"""Who the reviews slice tells as the IMOC when a review has no conductor: the IMOC on call."""

from __future__ import annotations

from datetime import datetime

from onwatch.config.cache import AppliedConfig
from onwatch.db.uow import UnitOfWork
from onwatch.kernel.enums import Role
from onwatch.oncall.commands import schedule_on_call


def imoc_on_call(uow: UnitOfWork, applied: AppliedConfig | None, now: datetime) -> str | None:
    """The IMOC on call at `now` (a near miss's review has no conductor), or None."""
    role = applied.config.roles.get(Role.IMOC) if applied is not None else None
    if applied is None or role is None or not role.schedule:
        return None
    return schedule_on_call(uow, applied, role.schedule, now)
