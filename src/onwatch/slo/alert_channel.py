"""Delivers SLO state changes into the alert pipeline, from the outbox.

A message says "service X changed (change number N)". Delivery reads X's current state and sends
the matching alert events through `AlertIngest.ingest`, like any integration: alerts that should
fire are triggered (grouped, paged, escalated as usual), the others resolved. A message older
than the latest change is skipped (the latest one brings the service up to date), so retries and
out-of-order deliveries cannot leave a stale alert behind.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import OperationalError

from onwatch.alerts.ingest.apply import AlertIngest
from onwatch.db.outbox import OutboxMessage
from onwatch.db.uow import Database
from onwatch.kernel.clock import Clock
from onwatch.notify.base import DeliveryError
from onwatch.paging.domain.alerts import AlertAction, AlertEvent, AlertSeverity
from onwatch.paging.store.groups import AlertRepository
from onwatch.slo.evaluate import SLO_ALERT_CHANNEL
from onwatch.slo.store import SloRepository, StateRecord

ALERTS = ("degraded", "outage", "unknown")
_SEVERITY = {
    "degraded": AlertSeverity.ERROR,
    "outage": AlertSeverity.CRITICAL,
    "unknown": AlertSeverity.WARNING,
}
_ALERTNAME = {"degraded": "SLODegraded", "outage": "SLOOutage", "unknown": "SLOUnknown"}


def dedup_key(service_id: str, alert: str) -> str:
    return f"slo:{service_id}:{alert}"


def alert_events(record: StateRecord, now: datetime) -> list[AlertEvent]:
    """Trigger what should fire, resolve the rest (resolving an alert that never fired is a no-op)."""
    content = record.alert
    name = str(content.get("name", record.service_id))
    events = []
    for alert in ALERTS:
        key = dedup_key(record.service_id, alert)
        if alert not in record.alerts:
            events.append(AlertEvent(AlertAction.RESOLVE, key, "", now))
            continue
        if alert == "unknown":
            summary = f"{name}: SLO state unknown for too long: {content.get('reason') or 'no measurements'}"
        else:
            summary = str(content.get("summary", f"{name}: {alert}"))
        labels = {
            "alertname": _ALERTNAME[alert],
            "service": record.service_id,
            "slo_state": str(content.get("state", "")),
            "suggested_status": str(content.get("suggested_status", "")),
            "suggested_severity": str(content.get("suggested_severity", "")),
        }
        events.append(
            AlertEvent(
                AlertAction.TRIGGER,
                key,
                summary,
                now,
                _SEVERITY[alert],
                "onwatch-slo",
                labels={k: v for k, v in labels.items() if v},
                details=dict(content),
            )
        )
    return events


class SloAlertChannel:
    """An outbox channel whose "delivery" is an alert ingest (thread-safe: ingest is)."""

    name = SLO_ALERT_CHANNEL

    def __init__(self, db: Database, clock: Clock, ingest: AlertIngest) -> None:
        self.db = db
        self.clock = clock
        self.ingest = ingest

    def send(self, message: OutboxMessage) -> None:
        service_id = str(message.target["service"])
        integration_id = str(message.target["integration"])
        seq = int(message.payload["seq"])
        try:
            with self.db.read() as uow:
                record = uow.repo(SloRepository).states([service_id]).get(service_id)
                integration = uow.repo(AlertRepository).integration_by_id(integration_id)
            if record is None or record.seq > seq:
                return  # a newer change is queued and will bring the alerts up to date
            if integration is None:
                raise DeliveryError(f"integration {integration_id!r} does not exist", retryable=False)
            self.ingest.ingest(integration, alert_events(record, self.clock.now()))
        except OperationalError as exc:
            raise DeliveryError(f"database busy: {exc}") from None
