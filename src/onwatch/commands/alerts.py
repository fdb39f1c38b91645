"""Alert ingest: deduplicate, group, and start paging, in one transaction per request."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from onwatch.commands.config_cache import AppliedConfig, ConfigCache
from onwatch.commands.groups import GroupActions
from onwatch.commands.links import LinkSigner
from onwatch.commands.paging import Pager
from onwatch.domain.alerts import (
    AlertAction,
    AlertEvent,
    AlertStatus,
    FlapPolicy,
    GroupStatus,
    group_key,
    group_title,
    prune_history,
)
from onwatch.domain.clock import Clock
from onwatch.domain.enums import Interface
from onwatch.domain.errors import NotFound
from onwatch.domain.timeline import Actor
from onwatch.store.alerts import AlertGroupRecord, IntegrationRecord
from onwatch.store.uow import Database, UnitOfWork


@dataclass(frozen=True)
class IngestResult:
    dedup_key: str
    group_id: int | None
    outcome: str  # "opened", "joined", "updated", "refired", "resolved", "acknowledged", "ignored"


class AlertIngest:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        cache: ConfigCache,
        signer: Callable[[UnitOfWork], LinkSigner],
        on_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.cache = cache
        self.signer = signer
        self.on_commit = on_commit

    def integration(self, key: str, kind: str) -> IntegrationRecord:
        with self.db.read() as uow:
            found = uow.alerts.integration_by_key(key)
        if found is None or found.kind != kind:
            raise NotFound(f"no {kind} integration has this key", field="integration_key")
        return found

    def ingest(self, integration: IntegrationRecord, events: Sequence[AlertEvent]) -> list[IngestResult]:
        """All events of one request commit together, after which the caller may answer 2xx."""
        for attempt in range(3):
            try:
                with self.db.write() as uow:
                    applied = self.cache.get(uow)
                    now = self.clock.now()
                    run = IngestRun(uow, applied, self.signer(uow), integration, now)
                    results = [run.apply(e) for e in events]
                self.on_commit()
                return results
            except IntegrityError:
                # another replica opened the same alert or group at the same moment: read it and join
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


class IngestRun:
    def __init__(
        self,
        uow: UnitOfWork,
        applied: AppliedConfig,
        signer: LinkSigner,
        integ: IntegrationRecord,
        now: datetime,
    ) -> None:
        self.uow = uow
        self.applied = applied
        self.integ = integ
        self.now = now
        self.pager = Pager(uow, applied, signer, now)
        self.actions = GroupActions(uow, self.pager, now)
        process = applied.config.process
        self.flaps = FlapPolicy(process.flapping_threshold, process.flapping_window)

    def apply(self, event: AlertEvent) -> IngestResult:
        if event.action is AlertAction.TRIGGER:
            return self.trigger(event)
        alert = self.uow.alerts.alert(self.integ.id, event.dedup_key, for_update=True)
        if alert is None:
            return IngestResult(event.dedup_key, None, "ignored")
        source = Actor(name=f"integration:{self.integ.id}", interface=Interface.INTEGRATION)
        if event.action is AlertAction.ACKNOWLEDGE:
            group = self.uow.alerts.group(alert.group_id, for_update=True)
            if group.status is GroupStatus.TRIGGERED:
                self.actions.acknowledge(group, source)
            return IngestResult(event.dedup_key, group.id, "acknowledged")
        if alert.status is AlertStatus.RESOLVED:
            return IngestResult(event.dedup_key, alert.group_id, "ignored")
        self.uow.alerts.update_alert(
            alert.id,
            {
                "status": AlertStatus.RESOLVED.value,
                "resolved_at": self.now,
                "last_seen": self.now,
                "event_count": alert.event_count + 1,
            },
        )
        group = self.uow.alerts.group(alert.group_id, for_update=True)
        history = prune_history(
            [*map(datetime.fromisoformat, group.flap_history), self.now], self.now, self.flaps.window
        )
        firing = max(0, group.firing_count - 1)
        self.uow.alerts.update_group(
            group.id,
            {
                "firing_count": firing,
                "flap_history": [t.isoformat() for t in history],
                "updated_at": self.now,
                "event_count": group.event_count + 1,
            },
        )
        if firing == 0 and group.status is not GroupStatus.RESOLVED:
            group = self.uow.alerts.group(group.id, for_update=True)
            self.actions.resolve(group, source, "every alert in the group resolved at the source")
        return IngestResult(event.dedup_key, group.id, "resolved")

    def trigger(self, event: AlertEvent) -> IngestResult:
        alert = self.uow.alerts.alert(self.integ.id, event.dedup_key, for_update=True)
        details = {"details": dict(event.details), "links": list(event.links)}
        if alert is not None and alert.status is AlertStatus.FIRING:
            self.uow.alerts.update_alert(
                alert.id,
                {
                    "last_seen": self.now,
                    "event_count": alert.event_count + 1,
                    "summary": event.summary[:1024],
                    "labels": dict(event.labels),
                    "details": details,
                },
            )
            current = self.uow.alerts.group(alert.group_id)
            self.uow.alerts.update_group(
                current.id, {"event_count": current.event_count + 1, "updated_at": self.now}
            )
            return IngestResult(event.dedup_key, current.id, "updated")
        service = self.service_of(event)
        key = group_key(self.integ.id, service, event.labels, self.integ.group_by)
        group = self.uow.alerts.open_group(key, for_update=True)
        outcome = "joined" if group is not None else "opened"
        if group is None:
            group = self.open(key, event, service)
        else:
            self.uow.alerts.update_group(
                group.id,
                {
                    "alert_count": group.alert_count + (alert is None),
                    "firing_count": group.firing_count + 1,
                    "event_count": group.event_count + 1,
                    "updated_at": self.now,
                },
            )
            self.uow.alerts.add_event(
                group.id,
                self.now,
                "alert_joined",
                f"integration:{self.integ.id}",
                _INTEGRATION,
                f"alert joined: {event.summary}",
                {"dedup_key": event.dedup_key},
            )
        values = {
            "group_id": group.id,
            "status": AlertStatus.FIRING.value,
            "summary": event.summary[:1024],
            "severity": event.severity.value,
            "source": event.source[:255],
            "labels": dict(event.labels),
            "details": details,
            "last_seen": self.now,
            "resolved_at": None,
        }
        if alert is None:
            self.uow.alerts.insert_alert(
                {
                    **values,
                    "integration_id": self.integ.id,
                    "dedup_key": event.dedup_key,
                    "event_count": 1,
                    "first_seen": self.now,
                }
            )
        else:
            self.uow.alerts.update_alert(alert.id, {**values, "event_count": alert.event_count + 1})
            outcome = "refired" if outcome == "joined" else outcome
        return IngestResult(event.dedup_key, group.id, outcome)

    def service_of(self, event: AlertEvent) -> str:
        """The alert's `service` label when it names a configured service, else the integration's."""
        label = event.labels.get("service", "")
        return label if label in self.applied.config.services else self.integ.service_id

    def open(self, key: str, event: AlertEvent, service: str) -> AlertGroupRecord:
        previous = self.uow.alerts.last_resolved_group(key)
        inherited = [datetime.fromisoformat(t) for t in previous.flap_history] if previous else []
        history = prune_history(inherited, self.now, self.flaps.window)
        flapping = self.flaps.is_flapping(history, self.now)
        maintenance = self.uow.alerts.in_maintenance(service, self.now)
        group_id = self.uow.alerts.insert_group(
            {
                "group_key": key,
                "integration_id": self.integ.id,
                "service_id": service,
                "title": group_title(event.labels, event.summary, self.integ.group_by)[:500],
                "severity": event.severity.value,
                "status": GroupStatus.TRIGGERED.value,
                "alert_count": 1,
                "firing_count": 1,
                "event_count": 1,
                "flap_history": [t.isoformat() for t in history],
                "flapping": flapping,
                "in_maintenance": maintenance,
                "incident_id": None,
                "created_at": self.now,
                "updated_at": self.now,
            }
        )
        group = self.uow.alerts.group(group_id)
        actor = f"integration:{self.integ.id}"
        self.uow.alerts.add_event(
            group_id, self.now, "opened", actor, _INTEGRATION, f"alert group opened: {group.title}"
        )
        if flapping:
            self.uow.alerts.add_event(
                group_id,
                self.now,
                "flapping",
                actor,
                _INTEGRATION,
                f"flapping: {len(history)} resolve/fire cycles in {self.flaps.window}; fix the alert rule",
            )
        if maintenance:
            self.uow.alerts.add_event(
                group_id,
                self.now,
                "maintenance",
                actor,
                _INTEGRATION,
                f"service {service} is in maintenance: recorded, nobody paged",
            )
        else:
            self.pager.start(group, self.integ.policy_id)
        return group


_INTEGRATION = Interface.INTEGRATION.value
