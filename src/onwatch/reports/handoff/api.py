"""GET /api/v1/handoffs/report: the shift report as it stands now, what the next person of the role
would get if the handoff were this instant (the pushed one goes out at the real handoff)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

from onwatch.api.auth import Viewer
from onwatch.config.cache import ConfigCache
from onwatch.db.uow import Database
from onwatch.kernel.clock import Clock
from onwatch.kernel.enums import Role
from onwatch.kernel.errors import InvalidInput
from onwatch.oncall.domain.resolve import on_call_at
from onwatch.oncall.store import OnCallRepository
from onwatch.reports.handoff.shifts import HORIZON, REPORTED_ROLES, Handoff
from onwatch.reports.handoff.store import ShiftRepository

router = APIRouter(prefix="/api/v1", tags=["oncall"])


class ShiftReportOut(BaseModel):
    role: Role
    holder: str | None
    shift_start: str
    title: str
    text: str
    facts: dict[str, str]


@router.get("/handoffs/report", response_model=ShiftReportOut)
def shift_report(request: Request, _who: Viewer, role: Role = Role.EOC) -> ShiftReportOut:
    """The current shift of `role` so far: pages, incidents, open groups, follow-ups, handoff notes."""
    if role not in REPORTED_ROLES:
        raise InvalidInput(f"{role.value} has no shift report; use eoc, imoc or cmoc", field="query.role")
    db: Database = request.app.state.db
    cache: ConfigCache = request.app.state.config_cache
    clock: Clock = request.app.state.clock
    now = clock.now()
    with db.read() as uow:
        applied = cache.get(uow)
        schedule = applied.role_schedule(role)
        shift = None
        if schedule is not None:
            overrides = uow.repo(OnCallRepository).overrides(schedule.id, now - HORIZON, now + HORIZON)
            shift = on_call_at(schedule, overrides, now, HORIZON).shift
        holder = shift.person if shift is not None else None
        start = shift.start if shift is not None else now
        report = uow.repo(ShiftRepository).report(Handoff(role, now, holder, None, start))
    return ShiftReportOut(
        role=role,
        holder=holder,
        shift_start=start.isoformat(),
        title=report.title,
        text=report.text(),
        facts=report.facts(),
    )
