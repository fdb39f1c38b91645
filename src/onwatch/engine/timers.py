"""Timer handlers: what happens when a durable timer comes due. Each runs inside the claiming
transaction, so its effects and the timer's deletion commit together (exactly once)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from onwatch.alerts.heartbeats import HEARTBEAT, heartbeat_missed
from onwatch.config.cache import AppliedConfig, ConfigCache
from onwatch.db.uow import Database, UnitOfWork
from onwatch.db.work import EscalationRecord, TimerRecord
from onwatch.incidents import timers as incident_timers
from onwatch.incidents.automation import INVESTIGATING, PUBLIC_CHECK, UPDATE_DUE
from onwatch.kernel.enums import Role
from onwatch.paging.domain.alerts import GroupStatus
from onwatch.paging.domain.escalation import EscalationStatus, Position
from onwatch.paging.links import LinkSigner
from onwatch.paging.page_writes import BufferedWrites
from onwatch.paging.pager import ESCALATE, Pager, Recipient
from onwatch.paging.store.groups import AlertGroupRecord
from onwatch.slo.evaluate import SLO_EVALUATE, SloEvaluator

log = logging.getLogger(__name__)

Handler = Callable[[UnitOfWork, TimerRecord, datetime], None]


class TimerHandlers:
    def __init__(self, cache: ConfigCache, signer: Callable[[UnitOfWork], LinkSigner]) -> None:
        self.cache = cache
        self.signer = signer
        self.slo = SloEvaluator(cache)
        self.handlers: dict[str, Handler] = {
            ESCALATE: self.escalate,
            HEARTBEAT: self.heartbeat,
            SLO_EVALUATE: self.slo.handle,
            INVESTIGATING: self._incident(incident_timers.investigating_too_long),
            UPDATE_DUE: self._incident(incident_timers.update_due),
            PUBLIC_CHECK: self._incident(incident_timers.public_check),
        }
        # on-call lookups shared by the timers of one pass (one transaction, one `now`)
        self._memo: dict[Role, Recipient | None] = {}
        self._applied: AppliedConfig | None = None

    def prepare(self, db: Database, now: datetime) -> None:
        """Slow I/O a due timer will need, done before the pass's write transaction opens."""
        try:
            self.slo.prepare(db, now)
        except Exception:  # the timer measures again itself
            log.exception("preparing the SLO evaluation failed")

    def new_pass(self) -> None:
        """Forget what one pass shares: a new transaction may see another config, other overrides,
        another `now`."""
        self._memo = {}
        self._applied = None

    def _config(self, uow: UnitOfWork) -> AppliedConfig:
        if self._applied is None:
            self._applied = self.cache.get(uow)
        return self._applied

    def handle(self, uow: UnitOfWork, timer: TimerRecord, now: datetime) -> None:
        handler = self.handlers.get(timer.kind)
        if handler is None:
            log.warning("dropping timer %s of unknown kind %r", timer.id, timer.kind)
            return
        handler(uow, timer, now)

    def _incident(self, handler: Callable[[UnitOfWork, Pager, TimerRecord, datetime], None]) -> Handler:
        def run(uow: UnitOfWork, timer: TimerRecord, now: datetime) -> None:
            handler(uow, Pager(uow, self._config(uow), self.signer(uow), now, self._memo), timer, now)

        return run

    def heartbeat(self, uow: UnitOfWork, timer: TimerRecord, now: datetime) -> None:
        heartbeat_missed(uow, timer, now, self.cache, self.signer(uow))

    def escalate(self, uow: UnitOfWork, timer: TimerRecord, now: datetime) -> None:
        """Run the next step, unless the escalation moved on meanwhile (acknowledged, resolved,
        escalated by hand): a timer that no longer matches the escalation is dropped."""
        escalation = uow.engine.escalation(int(timer.payload["escalation_id"]), for_update=True)
        if escalation is None:
            return
        group = uow.alerts.group(escalation.group_id, for_update=True)
        self._step(uow, timer, escalation, group, now, None)

    def _step(
        self,
        uow: UnitOfWork,
        timer: TimerRecord,
        escalation: EscalationRecord | None,
        group: AlertGroupRecord | None,
        now: datetime,
        writes: BufferedWrites | None,
    ) -> None:
        if escalation is None or escalation.status is not EscalationStatus.ACTIVE or group is None:
            return
        position = Position(int(timer.payload["step"]), int(timer.payload["round"]))
        if escalation.policy.after(escalation.position) != position:
            return
        if group.status is not GroupStatus.TRIGGERED:
            return
        Pager(uow, self._config(uow), self.signer(uow), now, self._memo, writes).run(
            group, escalation.id, escalation.policy, position
        )

    def escalate_many(self, uow: UnitOfWork, due: list[TimerRecord], now: datetime) -> list[TimerRecord]:
        """Escalation steps, set-based: their escalations and groups read (and locked) in two queries,
        every step decided in memory, then all pages, events, timers and escalation updates written
        in one statement per kind. A step whose decision fails is dropped (logged), as in `handle`.
        Returns the timers left for the caller to run one by one: other kinds, or all of them if
        they cannot run together."""
        steps = [t for t in due if t.kind == ESCALATE]
        others = [t for t in due if t.kind != ESCALATE]
        ids = [int(t.payload["escalation_id"]) for t in steps]
        if len(steps) < 2 or len(set(ids)) < len(ids):
            # two steps of one escalation in a pass: the second must see the first's outcome
            return due
        found = uow.engine.escalations(ids, for_update=True)
        groups = uow.alerts.groups_by_ids(sorted({e.group_id for e in found.values()}), for_update=True)
        batch = BufferedWrites()
        for timer, escalation_id in zip(steps, ids, strict=True):
            escalation = found.get(escalation_id)
            writes = BufferedWrites()
            try:
                group = groups.get(escalation.group_id) if escalation else None
                self._step(uow, timer, escalation, group, now, writes)
            except Exception:
                log.exception("timer %s (%s) failed; dropped", timer.id, timer.kind)
                continue
            batch.absorb(writes)
        savepoint = uow.conn.begin_nested()
        try:
            batch.flush(uow)
            savepoint.commit()
        except Exception:
            savepoint.rollback()
            log.exception("writing %d escalation steps together failed; running them one by one", len(steps))
            return due
        return others
