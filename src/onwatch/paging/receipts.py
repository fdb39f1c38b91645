"""Pushover receipts: an emergency page's receipt is polled until it is acknowledged in the app
(then the group is acknowledged in onwatch, as the person, on the timeline like any other
acknowledgement), expires, or the page was answered elsewhere (then the alarm is cancelled).

The receipts due are read before the pass's write transaction opens (the `prepare` hook): a slow
Pushover never holds the database's write lock.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from onwatch.db.tables import timers
from onwatch.db.timers import TimerRecord
from onwatch.db.uow import Database, UnitOfWork
from onwatch.engine.timers import TimerKinds
from onwatch.kernel.enums import Interface
from onwatch.kernel.timeline import Actor
from onwatch.notify.base import DeliveryError
from onwatch.notify.pushover import POLL, RECEIPT_TIMER, PushoverApi
from onwatch.paging.domain.alerts import GroupStatus
from onwatch.paging.group_actions import GroupActions
from onwatch.paging.store.groups import AlertRepository
from onwatch.paging.timers import PagingPass

log = logging.getLogger(__name__)


class ReceiptPolls:
    def __init__(self, paging: PagingPass, api: PushoverApi) -> None:
        self.paging = paging
        self.api = api
        self._read: dict[str, dict[str, Any] | None] = {}

    def prepare(self, db: Database, now: datetime) -> None:
        with db.read() as uow:
            payloads = uow.conn.execute(
                sa.select(timers.c.payload).where(timers.c.kind == RECEIPT_TIMER, timers.c.due_at <= now)
            ).scalars()
            receipts = [str(p["receipt"]) for p in payloads]
        self._read = {receipt: self._poll(receipt) for receipt in receipts}

    def _poll(self, receipt: str) -> dict[str, Any] | None:
        try:
            return self.api.receipt(receipt)
        except DeliveryError as exc:
            log.warning("reading Pushover receipt failed: %s", exc)
            return None

    def handle(self, uow: UnitOfWork, timer: TimerRecord, now: datetime) -> None:
        receipt, group_id, person = (
            timer.payload["receipt"],
            int(timer.payload["group"]),
            timer.payload["person"],
        )
        state = self._read.pop(receipt) if receipt in self._read else self._poll(receipt)
        group = uow.repo(AlertRepository).group(group_id, for_update=True)
        if state is not None and state.get("acknowledged") == 1:
            if group.status is GroupStatus.TRIGGERED:
                actions = GroupActions(uow, self.paging.pager(uow, now), now)
                actions.acknowledge(group, Actor.person(person, Interface.PUSH))
            return
        if state is not None and state.get("expired") == 1:
            return
        if group.status is not GroupStatus.TRIGGERED:  # answered elsewhere: stop the alarm
            try:
                self.api.cancel(receipt)
            except DeliveryError as exc:
                log.warning("cancelling Pushover receipt failed: %s", exc)
            return
        uow.timers.schedule(RECEIPT_TIMER, now + POLL, dict(timer.payload), f"pushover:{receipt}", now)


def register(kinds: TimerKinds, paging: PagingPass, api: PushoverApi) -> None:
    polls = ReceiptPolls(paging, api)
    kinds.register(RECEIPT_TIMER, polls.handle, prepare=polls.prepare)
