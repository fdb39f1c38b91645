"""Pushed SLO samples and per-service detection state."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from onwatch.db.connect import dialect_insert
from onwatch.db.tables import slo_samples, slo_state, timers
from onwatch.slo.domain import SloState, Tracker

_COUNTS = ("requests", "errors", "satisfied", "tolerated")


@dataclass(frozen=True)
class Sample:
    service_id: str
    at: datetime
    requests: float
    errors: float
    satisfied: float
    tolerated: float


@dataclass(frozen=True)
class StateRecord:
    service_id: str
    tracker: Tracker
    seq: int
    alerts: list[str]
    alert: dict[str, Any]
    snapshot: dict[str, Any]


WindowCounts = dict[timedelta, tuple[float, float, float, float]]


class SloRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    # ---- samples -------------------------------------------------------------------------

    def add_samples(self, samples: Sequence[Sample], now: datetime) -> None:
        if samples:
            self.conn.execute(
                sa.insert(slo_samples),
                [
                    {
                        "service_id": s.service_id,
                        "at": s.at,
                        "requests": s.requests,
                        "errors": s.errors,
                        "satisfied": s.satisfied,
                        "tolerated": s.tolerated,
                        "received_at": now,
                    }
                    for s in samples
                ],
            )

    def window_counts(
        self, service_ids: Sequence[str], now: datetime, windows: Sequence[timedelta]
    ) -> dict[str, WindowCounts]:
        """Sums of the samples in (now - w, now] for every window, for all services in one query.
        Services without a sample in the longest window are absent from the answer."""
        if not service_ids or not windows:
            return {}
        longest = max(windows)
        columns: list[Any] = [slo_samples.c.service_id]
        for i, w in enumerate(windows):
            inside = slo_samples.c.at > now - w
            for name in _COUNTS:
                value = sa.case((inside, slo_samples.c[name]), else_=0.0)
                columns.append(sa.func.sum(value).label(f"{name}_{i}"))
        query = (
            sa.select(*columns)
            .where(
                slo_samples.c.service_id.in_(list(service_ids)),
                slo_samples.c.at > now - longest,
                slo_samples.c.at <= now,
            )
            .group_by(slo_samples.c.service_id)
        )
        out: dict[str, WindowCounts] = {}
        for row in self.conn.execute(query).mappings():
            out[row["service_id"]] = {
                w: tuple(float(row[f"{name}_{i}"] or 0.0) for name in _COUNTS)  # type: ignore[misc]
                for i, w in enumerate(windows)
            }
        return out

    def prune_samples(self, service_ids: Sequence[str], before: datetime) -> int:
        """Drop samples older than `before` (by service, so the (service_id, at) index serves it)."""
        if not service_ids:
            return 0
        stmt = sa.delete(slo_samples).where(
            slo_samples.c.service_id.in_(list(service_ids)), slo_samples.c.at < before
        )
        return int(self.conn.execute(stmt).rowcount)

    def earliest_timer(self, kind: str) -> datetime | None:
        value: datetime | None = self.conn.execute(
            sa.select(sa.func.min(timers.c.due_at)).where(timers.c.kind == kind)
        ).scalar_one()
        return value

    def has_timer(self, kind: str) -> bool:
        return (
            self.conn.execute(sa.select(timers.c.id).where(timers.c.kind == kind).limit(1)).first()
            is not None
        )

    # ---- detection state -----------------------------------------------------------------

    def states(
        self, service_ids: Sequence[str] | None = None, *, for_update: bool = False
    ) -> dict[str, StateRecord]:
        query = sa.select(slo_state)
        if service_ids is not None:
            query = query.where(slo_state.c.service_id.in_(list(service_ids)))
        if for_update:
            query = query.with_for_update()
        return {r["service_id"]: _record(r) for r in self.conn.execute(query).mappings()}

    def save_states(self, records: Sequence[StateRecord]) -> None:
        """Upsert: every evaluation writes each service's tracker."""
        if not records:
            return
        rows = [_row(r) for r in records]
        stmt = dialect_insert(self.conn, slo_state)
        update = {c: stmt.excluded[c] for c in rows[0] if c != "service_id"}
        self.conn.execute(stmt.on_conflict_do_update(index_elements=["service_id"], set_=update), rows)


def _record(r: sa.RowMapping) -> StateRecord:
    """The row's columns are the tracker's fields, plus the alert sync's own."""
    values = {f.name: r[f.name] for f in fields(Tracker)}
    values.update(
        state=SloState(r["state"]),
        known_state=SloState(r["known_state"]),
        unknown_paged=bool(r["unknown_paged"]),
    )
    tracker = Tracker(**values)
    return StateRecord(
        r["service_id"], tracker, r["seq"], list(r["alerts"]), dict(r["alert"]), dict(r["snapshot"])
    )


def _row(record: StateRecord) -> dict[str, Any]:
    t = record.tracker
    return {
        **{f.name: getattr(t, f.name) for f in fields(Tracker)},
        "service_id": record.service_id,
        "state": t.state.value,
        "known_state": t.known_state.value,
        "reason": t.reason[:2000],
        "seq": record.seq,
        "alerts": list(record.alerts),
        "alert": record.alert,
        "snapshot": record.snapshot,
    }
