"""Dead timers: those whose handler failed every attempt (engine/worker.py), kept for an admin.

`onwatch timers dead`, `GET /api/v1/timers?state=dead` and the dashboard's banner list them with what
they work for (the incident / alert group, from the kind's `about`); `onwatch timers retry ID` and
`POST /api/v1/timers/{id}/retry` put one back, due now with its attempts reset. Its death and its
retry are on the timeline of its incident or group, so nobody wonders why an escalation step did
not run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from onwatch.db.timers import TimerRecord
from onwatch.db.uow import Database, UnitOfWork
from onwatch.engine.timers import TimerKinds, TimerSubject
from onwatch.kernel.clock import Clock
from onwatch.kernel.enums import EventKind, Interface
from onwatch.kernel.errors import DomainError, NotFound
from onwatch.kernel.timeline import Actor, TimelineEvent

log = logging.getLogger(__name__)

ENGINE = Actor("onwatch", Interface.ENGINE)


class TimerState(StrEnum):
    DEAD = "dead"
    PENDING = "pending"


@dataclass(frozen=True)
class TimerView:
    """A timer as admins see it: the row and what it is for."""

    timer: TimerRecord
    subject: TimerSubject

    @property
    def state(self) -> TimerState:
        return TimerState.DEAD if self.timer.dead_at is not None else TimerState.PENDING

    @property
    def for_text(self) -> str:
        parts = []
        if self.subject.incident_id is not None:
            parts.append(f"incident #{self.subject.incident_id}")
        if self.subject.group_id is not None:
            parts.append(f"alert group #{self.subject.group_id}")
        return ", ".join(parts) or "-"


def _event(
    subject: TimerSubject, kind: EventKind, actor: Actor, now: datetime, message: str, timer: TimerRecord
) -> TimelineEvent | None:
    if subject.incident_id is None and subject.group_id is None:
        return None
    return TimelineEvent(
        at=now,
        kind=kind,
        actor=actor.name,
        interface=actor.interface,
        message=message,
        data={"timer": timer.id, "timer_kind": timer.kind},
        incident_id=subject.incident_id,
        group_id=subject.group_id,
    )


def _note(uow: UnitOfWork, event: TimelineEvent | None) -> None:
    """Append `event` in a savepoint: the incident or group a payload names may be gone, and a
    timeline that cannot take the note must not stop the timer being kept or retried."""
    if event is None:
        return
    savepoint = uow.conn.begin_nested()
    try:
        uow.timeline.append(event)
        savepoint.commit()
    except Exception:
        savepoint.rollback()
        log.warning("timer %s: no timeline to note it on", event.data.get("timer"), exc_info=True)


def record_death(
    uow: UnitOfWork, kinds: TimerKinds, timer: TimerRecord, attempts: int, error: str, now: datetime
) -> None:
    """The timeline of what a timer that just died worked for says so (in the worker's transaction)."""
    times = "once" if attempts == 1 else f"{attempts} times"
    message = (
        f"timer {timer.id} ({timer.kind}) failed {times} and is held as dead: {error[:200]}; "
        f"an admin can run it again (onwatch timers retry {timer.id})"
    )
    _note(uow, _event(kinds.about(uow, timer), EventKind.TIMER_DEAD, ENGINE, now, message, timer))


class DeadTimers:
    """The admin's commands over dead timers (one transaction each)."""

    def __init__(self, db: Database, clock: Clock, kinds: TimerKinds, wake: Callable[[], None]) -> None:
        self.db = db
        self.clock = clock
        self.kinds = kinds
        self.wake = wake

    def list(self, state: TimerState = TimerState.DEAD, limit: int = 100) -> list[TimerView]:
        with self.db.read() as uow:
            found = (
                uow.timers.dead_timers(limit)
                if state is TimerState.DEAD
                else uow.timers.pending_timers(limit)
            )
            return [TimerView(t, self.kinds.about(uow, t)) for t in found]

    def count_dead(self) -> int:
        with self.db.read() as uow:
            return uow.timers.count_dead()

    def retry(self, timer_id: int, actor: Actor) -> TimerView:
        """Put a dead timer back, due now with its attempts reset; noted on its incident / group."""
        with self.db.write() as uow:
            now = self.clock.now()
            timer = uow.timers.timer(timer_id, for_update=True)
            if timer is None:
                raise NotFound(f"timer {timer_id} does not exist (it ran, or was cancelled)", field="id")
            if timer.dead_at is None:
                raise DomainError(
                    f"timer {timer_id} is not dead: it is due {timer.due_at.isoformat()}", field="id"
                )
            uow.timers.revive(timer_id, now)
            subject = self.kinds.about(uow, timer)
            message = f"{actor.name} put dead timer {timer.id} ({timer.kind}) back: it runs now"
            _note(uow, _event(subject, EventKind.TIMER_RETRIED, actor, now, message, timer))
            revived = uow.timers.timer(timer_id)
        self.wake()
        assert revived is not None
        return TimerView(revived, subject)
