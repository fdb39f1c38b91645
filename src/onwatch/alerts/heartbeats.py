"""Heartbeat monitors: a job pings `/api/v1/heartbeats/{key}` every interval; silence pages.

Each ping moves a durable timer to `now + interval + grace`; when the timer fires with no newer
ping, a "heartbeat missed" alert enters the normal pipeline (grouped, paged, escalated). The
next ping resolves it.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from onwatch.alerts.ingest.apply import IngestRun
from onwatch.config.cache import ConfigCache
from onwatch.db.connect import dialect_insert
from onwatch.db.tables import heartbeat_state
from onwatch.db.timers import TimerRecord
from onwatch.db.uow import UnitOfWork
from onwatch.kernel.durations import format_duration
from onwatch.kernel.errors import NotFound
from onwatch.paging.base import PagingCommands
from onwatch.paging.domain.alerts import AlertAction, AlertEvent, AlertSeverity
from onwatch.paging.links import LinkSigner
from onwatch.paging.store.groups import AlertRepository

HEARTBEAT = "heartbeat"


def _alert_key(heartbeat_id: str) -> str:
    return f"heartbeat:{heartbeat_id}"


class Heartbeats(PagingCommands):
    def ping(self, key: str) -> datetime:
        """Record a ping; returns when the next one is expected by."""
        with self.db.write() as uow:
            integration = uow.repo(AlertRepository).integration_by_key(key)
            if integration is None or integration.kind != "heartbeat":
                raise NotFound("no heartbeat has this key", field="key")
            heartbeat_id = integration.id.removeprefix("heartbeat:")
            applied = self.cache.get(uow)
            config = applied.config.heartbeats[heartbeat_id]
            now = self.clock.now()
            expected_by = now + config.interval + config.grace
            stmt = dialect_insert(uow.conn, heartbeat_state).values(
                heartbeat_id=heartbeat_id, last_ping_at=now, expected_by=expected_by
            )
            uow.conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["heartbeat_id"], set_={"last_ping_at": now, "expected_by": expected_by}
                )
            )
            uow.timers.cancel_timers(f"hb:{heartbeat_id}:")
            uow.timers.schedule(
                HEARTBEAT,
                expected_by,
                {"heartbeat": heartbeat_id},
                f"hb:{heartbeat_id}:{expected_by.isoformat()}",
                now,
            )
            alert = uow.repo(AlertRepository).alert(integration.id, _alert_key(heartbeat_id))
            if alert is not None and alert.status.value == "firing":
                run = IngestRun(uow, applied, self.signer(uow), integration, now)
                run.apply_all([AlertEvent(AlertAction.RESOLVE, _alert_key(heartbeat_id), "", now)])
        self.on_commit()
        return expected_by


def heartbeat_missed(
    uow: UnitOfWork, timer: TimerRecord, now: datetime, cache: ConfigCache, signer: LinkSigner
) -> None:
    """Timer handler: if no ping came since the timer was set, raise the missed-heartbeat alert."""
    heartbeat_id = str(timer.payload["heartbeat"])
    row = (
        uow.conn.execute(sa.select(heartbeat_state).where(heartbeat_state.c.heartbeat_id == heartbeat_id))
        .mappings()
        .first()
    )
    if row is None or row["expected_by"] is None or row["expected_by"] > now:
        return
    applied = cache.get(uow)
    config = applied.config.heartbeats.get(heartbeat_id)
    integration = uow.repo(AlertRepository).integration_by_id(f"heartbeat:{heartbeat_id}")
    if config is None or integration is None:
        return
    summary = (
        f"Heartbeat {heartbeat_id} missed: no ping since {row['last_ping_at']:%Y-%m-%d %H:%M:%SZ} "
        f"(expected every {format_duration(config.interval)})"
    )
    event = AlertEvent(
        AlertAction.TRIGGER,
        _alert_key(heartbeat_id),
        summary,
        now,
        AlertSeverity.CRITICAL,
        "heartbeat",
        labels={"alertname": f"HeartbeatMissed:{heartbeat_id}", "service": config.service},
    )
    IngestRun(uow, applied, signer, integration, now).apply_all([event])
