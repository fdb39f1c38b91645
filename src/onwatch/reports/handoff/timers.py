"""The shift handoff report's engine timers: one durable `handoff_report` timer per role of
`handoff_reports.roles` (EOC, IMOC, CMOC) due at its next handoff, computed from the schedules in
UTC (so a handoff follows its zone's DST). When it comes due, the outgoing and the incoming person
get the shift's report on their first contact method through the outbox (one idempotency key per
handoff and person: a retried timer sends once), and the timer of the handoff after it is scheduled.

Applying a config and adding or removing an override reschedule the role's timer (domain events).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from onwatch.config.cache import AppliedConfig, ConfigCache
from onwatch.config.events import ConfigApplied
from onwatch.config.schedules import to_schedule
from onwatch.db.tables import timers
from onwatch.db.timers import TimerRecord
from onwatch.db.uow import UnitOfWork
from onwatch.engine.timers import TimerKinds
from onwatch.kernel.enums import Role
from onwatch.kernel.errors import NotFound
from onwatch.kernel.events import EventBus
from onwatch.notify.base import Notification
from onwatch.oncall.events import ShiftsChanged
from onwatch.paging.outreach import notify_person
from onwatch.reports.handoff.shifts import REPORTED_ROLES, Handoff, handoffs, next_handoff
from onwatch.reports.handoff.store import ShiftRepository

HANDOFF_REPORT = "handoff_report"


def _prefix(role: Role) -> str:
    return f"handoff:{role.value}:"


def _applied(uow: UnitOfWork, cache: ConfigCache) -> AppliedConfig | None:
    try:
        return cache.get(uow)
    except NotFound:
        return None


def schedule_next(
    uow: UnitOfWork, applied: AppliedConfig, role: Role, after: datetime, now: datetime
) -> bool:
    """The timer of `role`'s first handoff after `after`, unless one is pending; False if none is
    coming within 8 days (the role has no schedule, or nobody ever takes it over)."""
    # a dead one counts too: an admin retries it (`onwatch timers retry`), a config change replaces it
    pending = uow.conn.execute(
        sa.select(timers.c.id).where(timers.c.dedup_key.startswith(_prefix(role)))
    ).first()
    if pending is not None:
        return False
    found = next_handoff(uow, applied, role, after)
    if found is None:
        return False
    key = f"{_prefix(role)}{found.at.isoformat()}"
    uow.timers.schedule(HANDOFF_REPORT, found.at, {"role": role.value, "at": found.at.isoformat()}, key, now)
    return True


def reschedule(
    uow: UnitOfWork, applied: AppliedConfig, roles: list[Role], after: datetime, now: datetime
) -> None:
    """Drop the roles' pending handoff timers and schedule the next handoff after `after` of each
    that the config reports (`handoff_reports.roles`)."""
    for role in roles:
        uow.timers.cancel_timers(_prefix(role))
        if role in applied.config.handoff_reports.roles:
            schedule_next(uow, applied, role, after, now)


def ensure_scheduled(uow: UnitOfWork, applied: AppliedConfig, now: datetime) -> None:
    """Each reported role with a schedule has its next handoff's timer (idempotent)."""
    for role in applied.config.handoff_reports.roles:
        schedule_next(uow, applied, role, now, now)


class HandoffTimers:
    def __init__(self, cache: ConfigCache, public_url: str) -> None:
        self.cache = cache
        self.public_url = public_url.rstrip("/")

    def report(self, uow: UnitOfWork, timer: TimerRecord, now: datetime) -> None:
        role = Role(str(timer.payload["role"]))
        at = datetime.fromisoformat(str(timer.payload["at"]))
        applied = _applied(uow, self.cache)
        if applied is None or role not in applied.config.handoff_reports.roles:
            return
        # the schedules as they are now: an override or a config change may have moved this handoff
        found = [h for h in handoffs(uow, applied, role, at - timedelta(seconds=1), at) if h.at == at]
        for handoff in found:
            self.send(uow, applied, handoff, now)
        schedule_next(uow, applied, role, at, now)

    def send(self, uow: UnitOfWork, applied: AppliedConfig, handoff: Handoff, now: datetime) -> list[str]:
        """The report to the outgoing and the incoming person; whom it went to."""
        report = uow.repo(ShiftRepository).report(handoff)
        told = []
        for person in dict.fromkeys(p for p in (handoff.outgoing, handoff.incoming) if p):
            side = "incoming" if person == handoff.incoming else "outgoing"
            note = Notification(
                kind="handoff_report",
                title=report.title,
                text=report.text(),
                recipient=person,
                facts=report.facts(),
                links={"view": f"{self.public_url}/oncall#handoffs"},
                ref={"role": handoff.role.value, "handoff_at": handoff.at.isoformat(), "side": side},
                urgency="low",
            )
            key = f"handoff:{handoff.role.value}:{handoff.at.isoformat()}:{person}"
            if notify_person(uow, applied, person, note, key, now, key, first_method_only=True):
                told.append(person)
        return told


def subscribe(bus: EventBus[UnitOfWork], cache: ConfigCache) -> None:
    """Applying a config and changing overrides move the handoffs: reschedule their timers."""

    def config_applied(uow: UnitOfWork, event: ConfigApplied) -> None:
        # the config being applied (the cache may not have read it yet, inside this transaction)
        schedules = {sid: to_schedule(sid, s) for sid, s in event.config.schedules.items()}
        applied = AppliedConfig(revision=-1, config=event.config, schedules=schedules)
        # from just before now: a handoff due this very instant whose timer has not run yet keeps its
        # report (if it ran, the outbox's keys send nothing twice)
        reschedule(uow, applied, list(REPORTED_ROLES), event.at - timedelta(seconds=1), event.at)

    def shifts_changed(uow: UnitOfWork, event: ShiftsChanged) -> None:
        applied = _applied(uow, cache)
        if applied is None:
            return
        roles = [
            r
            for r in REPORTED_ROLES
            if (s := applied.role_schedule(r)) is not None and s.id == event.schedule_id
        ]
        reschedule(uow, applied, roles, event.at, event.at)

    bus.subscribe(ConfigApplied, config_applied)
    bus.subscribe(ShiftsChanged, shifts_changed)


def register(kinds: TimerKinds, cache: ConfigCache, public_url: str) -> None:
    kinds.register(HANDOFF_REPORT, HandoffTimers(cache, public_url).report)
