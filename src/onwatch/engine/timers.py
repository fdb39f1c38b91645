"""The timer-kind registry: what the engine runs when a durable timer of a kind comes due.

The engine knows no slice. Each slice registers its own kinds from its `timers.py`, and
onwatch.bootstrap builds the registry once. A handler runs inside the claiming transaction, so its
effects and the timer's deletion commit together (exactly once). A handler that raises has its own
savepoint rolled back and its timer retried (engine/worker.py); `about` says which incident or alert
group a timer works for, so its failures and retries land on that timeline.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from onwatch.db.timers import TimerRecord
from onwatch.db.uow import Database, UnitOfWork

log = logging.getLogger(__name__)

Handler = Callable[[UnitOfWork, TimerRecord, datetime], None]
# runs many due timers of one kind together; returns those it leaves to run one by one
BatchHandler = Callable[[UnitOfWork, list[TimerRecord], datetime], list[TimerRecord]]
# slow I/O a due timer will need, done before the pass's write transaction opens
Prepare = Callable[[Database, datetime], None]
# forget what one pass shared: the next transaction may see another config, another `now`
NewPass = Callable[[], None]
# upkeep the worker runs every few seconds on a write connection; returns how many rows changed
Chore = Callable[[sa.Connection], int]


@dataclass(frozen=True)
class TimerSubject:
    """What a timer works for: the incident and/or alert group whose timeline shows its troubles."""

    incident_id: int | None = None
    group_id: int | None = None


# reads (never writes) what a timer of a kind is for; default: the payload's incident_id/group_id
About = Callable[[UnitOfWork, TimerRecord], TimerSubject]


class UnknownTimerKind(LookupError):
    """No handler for this kind in this version (e.g. a newer worker scheduled it): kept, retried."""


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def payload_subject(_: UnitOfWork, timer: TimerRecord) -> TimerSubject:
    return TimerSubject(_int(timer.payload.get("incident_id")), _int(timer.payload.get("group_id")))


class TimerKinds:
    """kind -> handler, plus the per-pass hooks the kinds need."""

    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}
        self._batches: dict[str, BatchHandler] = {}
        self._prepares: list[Prepare] = []
        self._new_passes: list[NewPass] = []
        self._about: dict[str, About] = {}
        self.chores: list[Chore] = []

    def register(
        self,
        kind: str,
        handler: Handler,
        *,
        batch: BatchHandler | None = None,
        prepare: Prepare | None = None,
        new_pass: NewPass | None = None,
        about: About | None = None,
    ) -> None:
        if kind in self._handlers:
            raise ValueError(f"timer kind {kind!r} is registered twice")
        self._handlers[kind] = handler
        if about is not None:
            self._about[kind] = about
        if batch is not None:
            self._batches[kind] = batch
        self.on_pass(prepare=prepare, new_pass=new_pass)

    def on_pass(self, *, prepare: Prepare | None = None, new_pass: NewPass | None = None) -> None:
        """Hooks shared by several kinds (or none): run once per pass."""
        if prepare is not None:
            self._prepares.append(prepare)
        if new_pass is not None:
            self._new_passes.append(new_pass)

    def chore(self, chore: Chore) -> None:
        self.chores.append(chore)

    @property
    def kinds(self) -> list[str]:
        return sorted(self._handlers)

    def prepare(self, db: Database, now: datetime) -> None:
        for prepare in self._prepares:
            try:
                prepare(db, now)
            except Exception:  # the timer does the work itself when it runs
                log.exception("preparing timers failed (%s)", getattr(prepare, "__qualname__", prepare))

    def new_pass(self) -> None:
        for new_pass in self._new_passes:
            new_pass()

    def handle(self, uow: UnitOfWork, timer: TimerRecord, now: datetime) -> None:
        handler = self._handlers.get(timer.kind)
        if handler is None:
            raise UnknownTimerKind(f"no handler for timer kind {timer.kind!r} in this onwatch version")
        handler(uow, timer, now)

    def about(self, uow: UnitOfWork, timer: TimerRecord) -> TimerSubject:
        """The incident / alert group a timer works for (empty if it cannot be told)."""
        try:
            return self._about.get(timer.kind, payload_subject)(uow, timer)
        except Exception:  # telling what a timer is for must never stop it being kept
            log.exception("cannot tell what timer %s (%s) is for", timer.id, timer.kind)
            return TimerSubject()

    def run_batches(self, uow: UnitOfWork, due: list[TimerRecord], now: datetime) -> list[TimerRecord]:
        """Run the kinds that can run together, each in a savepoint; returns the timers left for
        `handle`, in order: those a batch leaves (it could not run them together, or one failed),
        and all of a kind whose batch raised."""
        if not self._batches:
            return due
        left: set[int] = set()
        batched: set[str] = set()
        for kind, batch in self._batches.items():
            of_kind = [t for t in due if t.kind == kind]
            if not of_kind:
                continue
            batched.add(kind)
            savepoint = uow.conn.begin_nested()
            try:
                left.update(t.id for t in batch(uow, of_kind, now))
                savepoint.commit()
            except Exception:
                savepoint.rollback()
                log.exception(
                    "running %d %s timers together failed; running them one by one", len(of_kind), kind
                )
                left.update(t.id for t in of_kind)
        return [t for t in due if t.kind not in batched or t.id in left]
