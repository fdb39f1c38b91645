"""Who holds a role when, and where it changes hands, read from oncall's schedules and overrides
inside the caller's transaction. All instants are UTC; the schedules' wall-clock rules (and so
DST) are oncall's (oncall/domain/schedules.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from onwatch.config.cache import AppliedConfig
from onwatch.db.uow import UnitOfWork
from onwatch.kernel.enums import Role
from onwatch.oncall.domain.resolve import resolve
from onwatch.oncall.domain.schedules import Shift
from onwatch.oncall.store import OnCallRepository

HORIZON = timedelta(days=35)
# the roles whose handoffs may get a report (`handoff_reports.roles`; security's rotation has none)
REPORTED_ROLES = (Role.EOC, Role.IMOC, Role.CMOC)


@dataclass(frozen=True)
class Handoff:
    """`role` passes from `outgoing` to `incoming` at `at` (either may be nobody: a gap)."""

    role: Role
    at: datetime
    outgoing: str | None
    incoming: str | None
    shift_start: datetime  # when the outgoing person's turn began (`at` when nobody held it)


def _shifts(
    uow: UnitOfWork, applied: AppliedConfig, role: Role, start: datetime, end: datetime
) -> list[Shift]:
    schedule = applied.role_schedule(role)
    if schedule is None:
        return []
    overrides = uow.repo(OnCallRepository).overrides(schedule.id, start, end)
    return resolve(schedule, overrides, start, end)


def _person_at(shifts: list[Shift], at: datetime) -> str | None:
    return next((s.person for s in shifts if s.start <= at < s.end), None)


def handoffs(
    uow: UnitOfWork, applied: AppliedConfig, role: Role, after: datetime, until: datetime
) -> list[Handoff]:
    """The changes of hands of `role` in (after, until], oldest first."""
    lookback = timedelta(days=8)  # to find where the outgoing person's turn began
    shifts = _shifts(uow, applied, role, after - lookback, until + timedelta(seconds=1))
    edges = sorted({s.start for s in shifts} | {s.end for s in shifts})
    out: list[Handoff] = []
    for at in edges:
        if not after < at <= until:
            continue
        before = _person_at(shifts, at - timedelta(microseconds=1))
        now = _person_at(shifts, at)
        if before == now:
            continue
        start = at
        if before is not None:  # walk back over the outgoing person's pieces of the same turn
            for s in reversed([s for s in shifts if s.end <= at]):
                if s.person != before or s.end < start:
                    break
                start = s.start
        out.append(Handoff(role, at, before, now, start))
    return out


def next_handoff(
    uow: UnitOfWork,
    applied: AppliedConfig,
    role: Role,
    after: datetime,
    within: timedelta = timedelta(days=8),
) -> Handoff | None:
    """The first change of hands of `role` after `after` (within `within`), or None."""
    found = handoffs(uow, applied, role, after, after + within)
    return found[0] if found else None
