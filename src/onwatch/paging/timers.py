"""Paging's timer kind: the next escalation step (`escalate`), and the per-pass Pager other slices'
timers page through (one on-call memo and one applied config per pass)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from onwatch.config.cache import AppliedConfig, ConfigCache
from onwatch.db.timers import TimerRecord
from onwatch.db.uow import UnitOfWork
from onwatch.engine.timers import TimerKinds, TimerSubject
from onwatch.kernel.enums import Role
from onwatch.paging.domain.alerts import GroupStatus
from onwatch.paging.domain.escalation import EscalationStatus, Position
from onwatch.paging.links import LinkSigner
from onwatch.paging.page_writes import BufferedWrites
from onwatch.paging.pager import ESCALATE, Pager, Recipient
from onwatch.paging.store import counts
from onwatch.paging.store.escalations import EscalationRecord, EscalationRepository
from onwatch.paging.store.groups import AlertGroupRecord, AlertRepository

log = logging.getLogger(__name__)


class PagingPass:
    """What the timers of one pass share (one transaction, one `now`): the applied config and the
    on-call lookups, so 1,000 escalation steps resolve each role once."""

    def __init__(self, cache: ConfigCache, signer: Callable[[UnitOfWork], LinkSigner]) -> None:
        self.cache = cache
        self.signer = signer
        self._memo: dict[Role, Recipient | None] = {}
        self._applied: AppliedConfig | None = None

    def new_pass(self) -> None:
        """A new transaction may see another config, other overrides, another `now`."""
        self._memo = {}
        self._applied = None

    def _config(self, uow: UnitOfWork) -> AppliedConfig:
        if self._applied is None:
            self._applied = self.cache.get(uow)
        return self._applied

    def pager(self, uow: UnitOfWork, now: datetime, writes: BufferedWrites | None = None) -> Pager:
        return Pager(uow, self._config(uow), self.signer(uow), now, self._memo, writes)

    def escalate(self, uow: UnitOfWork, timer: TimerRecord, now: datetime) -> None:
        """Run the next step, unless the escalation moved on meanwhile (acknowledged, resolved,
        escalated by hand): a timer that no longer matches the escalation is dropped."""
        escalation = uow.repo(EscalationRepository).escalation(
            int(timer.payload["escalation_id"]), for_update=True
        )
        if escalation is None:
            return
        group = uow.repo(AlertRepository).group(escalation.group_id, for_update=True)
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
        self.pager(uow, now, writes).run(group, escalation.id, escalation.policy, position)

    def escalate_many(self, uow: UnitOfWork, steps: list[TimerRecord], now: datetime) -> list[TimerRecord]:
        """Escalation steps, set-based: their escalations and groups read (and locked) in two queries,
        every step decided in memory, then all pages, events, timers and escalation updates written
        in one statement per kind. A step whose decision fails is left to the worker, which runs it
        alone and keeps it for a retry if it fails again. Returns the steps left for the worker to run
        one by one: all of them if they cannot run together."""
        ids = [int(t.payload["escalation_id"]) for t in steps]
        if len(steps) < 2 or len(set(ids)) < len(ids):
            # two steps of one escalation in a pass: the second must see the first's outcome
            return steps
        found = uow.repo(EscalationRepository).escalations(ids, for_update=True)
        groups = uow.repo(AlertRepository).groups_by_ids(
            sorted({e.group_id for e in found.values()}), for_update=True
        )
        batch = BufferedWrites()
        alone: list[TimerRecord] = []
        for timer, escalation_id in zip(steps, ids, strict=True):
            escalation = found.get(escalation_id)
            writes = BufferedWrites()
            try:
                group = groups.get(escalation.group_id) if escalation else None
                self._step(uow, timer, escalation, group, now, writes)
            except Exception:
                log.exception("timer %s (%s) failed in a batch; running it alone", timer.id, timer.kind)
                alone.append(timer)
                continue
            batch.absorb(writes)
        savepoint = uow.conn.begin_nested()
        try:
            batch.flush(uow)
            savepoint.commit()
        except Exception:
            savepoint.rollback()
            log.exception("writing %d escalation steps together failed; running them one by one", len(steps))
            return steps
        return alone

    def about(self, uow: UnitOfWork, timer: TimerRecord) -> TimerSubject:
        """An escalation step works for its alert group (and the group's incident, if linked)."""
        escalation = uow.repo(EscalationRepository).escalation(int(timer.payload["escalation_id"]))
        if escalation is None:
            return TimerSubject()
        group = uow.repo(AlertRepository).groups_by_ids([escalation.group_id]).get(escalation.group_id)
        return TimerSubject(group.incident_id if group else None, escalation.group_id)


def register(kinds: TimerKinds, cache: ConfigCache, signer: Callable[[UnitOfWork], LinkSigner]) -> PagingPass:
    """Register `escalate` and the folding of appended group counts; returns the pass other slices'
    timers page through."""
    paging = PagingPass(cache, signer)
    kinds.register(
        ESCALATE, paging.escalate, batch=paging.escalate_many, new_pass=paging.new_pass, about=paging.about
    )
    kinds.chore(counts.fold)
    return paging
