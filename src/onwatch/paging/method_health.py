"""A contact method that keeps failing is flagged: when pages to one person on one method failed for
good `FAILING_AFTER` times within a day, the person (on their other methods) and the IMOC on call
are told, once a day per method, with the last error and how to test it.

A worker chore (every few seconds): it reads only the day's failed page deliveries, usually none.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import sqlalchemy as sa

from onwatch.config.cache import ConfigCache
from onwatch.db.tables import outbox
from onwatch.db.uow import UnitOfWork
from onwatch.engine.timers import TimerKinds
from onwatch.kernel.clock import Clock
from onwatch.kernel.enums import Role
from onwatch.kernel.events import EventBus
from onwatch.notify.base import Notification
from onwatch.paging.domain.escalation import Target, TargetKind
from onwatch.paging.outreach import contact_methods, method_row, notify_person
from onwatch.paging.timers import PagingPass

FAILING_AFTER = 3
WINDOW = timedelta(days=1)
KEY = "method-failing"


def failing_methods(conn: sa.Connection, since: datetime) -> dict[tuple[str, str], tuple[int, str]]:
    """(person, channel) -> (failed pages, last error) since `since`."""
    rows = conn.execute(
        sa.select(outbox.c.channel, outbox.c.payload, outbox.c.last_error)
        .where(
            outbox.c.status == "failed", outbox.c.created_at >= since, outbox.c.correlation.like("group:%")
        )
        .order_by(outbox.c.id)
    ).all()
    counts: Counter[tuple[str, str]] = Counter()
    last: dict[tuple[str, str], str] = {}
    for channel, payload, error in rows:
        person = str((payload or {}).get("recipient") or "")
        if (payload or {}).get("kind") != "page" or not person:
            continue
        counts[(person, channel)] += 1
        last[(person, channel)] = error or ""
    return {k: (n, last[k]) for k, n in counts.items() if n >= FAILING_AFTER}


def flag(uow: UnitOfWork, paging: PagingPass, cache: ConfigCache, clock: Clock) -> int:
    now = clock.now()
    found = failing_methods(uow.conn, now - WINDOW)
    if not found:
        return 0
    applied = cache.get(uow)
    day = now.date().isoformat()
    flagged = 0
    for (person, channel), (count, error) in found.items():
        key = f"{KEY}:{person}:{channel}:{day}"
        exists = uow.conn.execute(
            sa.select(outbox.c.id).where(outbox.c.idempotency_key.like(f"{key}:%")).limit(1)
        ).first()
        if exists is not None or person not in applied.config.people:
            continue
        name = applied.config.people[person].name
        notice = Notification(
            kind="notice",
            title=f"{name}'s {channel} contact method is failing",
            text=f"{count} pages to {name} by {channel} failed in the last day; the last answer: "
            f"{error[:300]}. Fix the method, then try it: onwatch test-contact {person}",
            recipient=person,
            recipient_name=name,
        )
        # at once, on every other method (a notice, not a page: no notification rules' delays)
        others = [
            m | {"delay": timedelta(0)} for m in contact_methods(applied, person) if m["channel"] != channel
        ]
        rows = [method_row(m, f"{key}:{i}", notice, now, f"person:{person}") for i, m in enumerate(others)]
        uow.outbox.enqueue(rows)
        imoc = paging.pager(uow, now).resolve_target(Target(TargetKind.ROLE, Role.IMOC.value))
        if imoc is not None and imoc.person != person:
            notify_person(
                uow,
                applied,
                imoc.person,
                notice,
                f"{key}:imoc",
                now,
                f"person:{person}",
                first_method_only=True,
            )
        flagged += 1
    return flagged


def register(kinds: TimerKinds, paging: PagingPass, cache: ConfigCache, clock: Clock) -> None:
    bus: EventBus[UnitOfWork] = EventBus()

    def chore(conn: sa.Connection) -> int:
        return flag(UnitOfWork(conn, bus), paging, cache, clock)

    kinds.chore(chore)
