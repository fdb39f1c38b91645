"""Timer handlers: what happens when a durable timer comes due. Each runs inside the claiming
transaction, so its effects and the timer's deletion commit together (exactly once)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from onwatch.commands.automation import INVESTIGATING, PUBLIC_CHECK, UPDATE_DUE
from onwatch.commands.config_cache import AppliedConfig, ConfigCache
from onwatch.commands.heartbeats import HEARTBEAT, heartbeat_missed
from onwatch.commands.links import LinkSigner
from onwatch.commands.paging import ESCALATE, Pager, Recipient
from onwatch.domain.alerts import GroupStatus
from onwatch.domain.enums import Role
from onwatch.domain.escalation import Position
from onwatch.engine import incident_timers
from onwatch.slo.evaluate import SLO_EVALUATE, SloEvaluator
from onwatch.store.engine import TimerRecord
from onwatch.store.uow import Database, UnitOfWork

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
        if escalation is None or escalation.status != "active":
            return
        position = Position(int(timer.payload["step"]), int(timer.payload["round"]))
        if escalation.policy.after(escalation.position) != position:
            return
        group = uow.alerts.group(escalation.group_id, for_update=True)
        if group.status is not GroupStatus.TRIGGERED:
            return
        Pager(uow, self._config(uow), self.signer(uow), now, self._memo).run(
            group, escalation.id, escalation.policy, position
        )
