"""Alert ingest: deduplicate, group, and start paging, in one transaction per request."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy.exc import IntegrityError, OperationalError

from onwatch.commands.base import PagingCommands
from onwatch.commands.config_cache import AppliedConfig
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
from onwatch.domain.enums import Interface
from onwatch.domain.errors import NotFound
from onwatch.domain.timeline import Actor
from onwatch.store.alerts import AlertGroupRecord, IntegrationRecord
from onwatch.store.tokens import hash_token
from onwatch.store.uow import UnitOfWork
from onwatch.ttl_cache import TtlCache

KEY_CACHE_SECONDS = 10.0


@dataclass(frozen=True)
class IngestResult:
    dedup_key: str
    group_id: int | None
    outcome: str  # "opened", "joined", "updated", "refired", "resolved", "acknowledged", "ignored"


class AlertIngest(PagingCommands):
    @cached_property
    def _keys(self) -> TtlCache[IntegrationRecord]:
        """Integration keys recently looked up, by hash."""
        return TtlCache(KEY_CACHE_SECONDS)

    def cached_integration(self, key: str, kind: str) -> IntegrationRecord | None:
        """The integration if this key was looked up in the last few seconds (no database call);
        raises NotFound when it belongs to another kind of integration."""
        cached = self._keys.get(hash_token(key))
        if cached is not None and cached.kind != kind:
            raise NotFound(f"no {kind} integration has this key", field="integration_key")
        return cached

    def integration(self, key: str, kind: str) -> IntegrationRecord:
        """The integration a key belongs to. Known keys are remembered for a few seconds, so a busy
        integration costs no extra query per request; a removed key stops working within that time."""
        found = self.cached_integration(key, kind)
        if found is not None:
            return found
        with self.db.read() as uow:
            found = uow.alerts.integration_by_key(key)
        if found is None or found.kind != kind:
            raise NotFound(f"no {kind} integration has this key", field="integration_key")
        self._keys.put(hash_token(key), found)
        return found

    def ingest(self, integration: IntegrationRecord, events: Sequence[AlertEvent]) -> list[IngestResult]:
        """All events of one request commit together, after which the caller may answer 2xx."""
        for attempt in range(3):
            try:
                with self.db.write() as uow:
                    applied = self.cache.get(uow)
                    now = self.clock.now()
                    run = IngestRun(uow, applied, self.signer(uow), integration, now)
                    results = run.apply_all(events)
                self.on_commit()
                return results
            except (IntegrityError, OperationalError) as exc:
                # another replica opened the same alert or group at the same moment (read it and
                # join), or PostgreSQL broke a lock cycle between two replicas: try again
                if attempt == 2 or not _retryable(exc):
                    raise
        raise AssertionError("unreachable")


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, IntegrityError):
        return True
    code = getattr(getattr(exc, "orig", None), "sqlstate", None)
    return code in ("40P01", "40001")  # deadlock detected, serialization failure


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
        self._group_keys: dict[tuple[str, ...], str] = {}

    # ---- the batched path: one request's triggers in a handful of statements -------------

    def apply_all(self, events: Sequence[AlertEvent]) -> list[IngestResult]:
        """Apply events in order. Triggers are batched (alerts read in one query, written with
        executemany, group counters added once per group); acknowledges and resolves, rarer and
        with side effects, flush the batch first and run one by one."""
        keys = [e.dedup_key for e in events]
        self._known = self.uow.alerts.alerts_by_keys(self.integ.id, keys)
        self._open = self._prefetch_open_groups(events)
        self._inserts: dict[str, dict[str, Any]] = {}
        self._updates: dict[int, dict[str, Any]] = {}
        self._deltas: dict[int, list[int]] = {}
        results = []
        for event in events:
            if event.action is AlertAction.TRIGGER:
                results.append(self._batched_trigger(event))
                continue
            self.flush()
            results.append(self.apply(event))
            found = self.uow.alerts.alert(self.integ.id, event.dedup_key)
            if found is not None:
                self._known[event.dedup_key] = found
            self._open.clear()  # a resolve may have closed a group
        self.flush(final=True)
        return results

    def _batched_trigger(self, event: AlertEvent) -> IngestResult:
        values = {
            "status": AlertStatus.FIRING.value,
            "summary": event.summary[:1024],
            "severity": event.severity.value,
            "source": event.source[:255],
            "labels": dict(event.labels),
            "details": {"details": dict(event.details), "links": list(event.links)},
            "last_seen": self.now,
            "resolved_at": None,
        }
        pending = self._inserts.get(event.dedup_key)
        if pending is not None:  # the same new alert twice in one request
            pending.update(values, event_count=pending["event_count"] + 1)
            self._delta(pending["group_id"], 0, 0, 1)
            return IngestResult(event.dedup_key, pending["group_id"], "updated")
        alert = self._known.get(event.dedup_key)
        if alert is not None and alert.status is AlertStatus.FIRING:
            row = self._updates.setdefault(
                alert.id, {"_id": alert.id, "group_id": alert.group_id, "event_count": alert.event_count}
            )
            row.update(values, event_count=row["event_count"] + 1)
            self._delta(alert.group_id, 0, 0, 1)
            return IngestResult(event.dedup_key, alert.group_id, "updated")
        service = self.service_of(event)
        key = self.group_key(event, service)
        group = self._open.get(key) if key in self._open else self.uow.alerts.open_group(key, for_update=True)
        if group is None:
            group = self.open(key, event, service)  # counts start at one alert, firing, one event
            outcome = "opened"
        else:
            self._delta(group.id, 1 if alert is None else 0, 1, 1)
            outcome = "joined" if alert is None else "refired"
        self._open[key] = group
        if alert is None:
            self._inserts[event.dedup_key] = {
                **values,
                "integration_id": self.integ.id,
                "dedup_key": event.dedup_key,
                "group_id": group.id,
                "event_count": 1,
                "first_seen": self.now,
            }
        else:
            self._updates[alert.id] = {
                **values,
                "_id": alert.id,
                "group_id": group.id,
                "event_count": alert.event_count + 1,
            }
            self._known[event.dedup_key] = dataclasses.replace(
                alert, status=AlertStatus.FIRING, group_id=group.id, event_count=alert.event_count + 1
            )
        return IngestResult(event.dedup_key, group.id, outcome)

    def _prefetch_open_groups(self, events: Sequence[AlertEvent]) -> dict[str, AlertGroupRecord | None]:
        """Open groups for every group key the request's new or re-firing alerts need: one query.
        A key mapped to None has no open group (yet)."""
        keys = set()
        for e in events:
            known = self._known.get(e.dedup_key)
            if e.action is AlertAction.TRIGGER and (known is None or known.status is not AlertStatus.FIRING):
                keys.add(self.group_key(e, self.service_of(e)))
        found: dict[str, AlertGroupRecord | None] = dict.fromkeys(keys)
        found.update(self.uow.alerts.open_groups(sorted(keys)))
        return found

    def _delta(self, group_id: int, alerts: int, firing: int, events: int) -> None:
        d = self._deltas.setdefault(group_id, [0, 0, 0])
        d[0], d[1], d[2] = d[0] + alerts, d[1] + firing, d[2] + events

    def flush(self, *, final: bool = False) -> None:
        """Write what the batch collected: new alerts, updated alerts, group counters. Joining
        alerts are not put on the group timeline one by one: the alert list shows them."""
        if not (self._inserts or self._updates or self._deltas):
            return
        self.uow.alerts.insert_alerts(list(self._inserts.values()))
        self.uow.alerts.update_alerts(list(self._updates.values()))
        self.uow.alerts.add_to_groups({g: (a, f, e) for g, (a, f, e) in self._deltas.items()}, self.now)
        if self._inserts and not final:  # later events of this request may refer to them
            self._known.update(self.uow.alerts.alerts_by_keys(self.integ.id, list(self._inserts)))
        self._inserts, self._updates, self._deltas = {}, {}, {}

    # ---- one event at a time ---------------------------------------------------------------

    def apply(self, event: AlertEvent) -> IngestResult:
        """An acknowledge or resolve from the source (triggers go through the batch)."""
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

    def group_key(self, event: AlertEvent, service: str) -> str:
        """Memoised per request: a batch's alerts mostly share their grouping labels."""
        values = (service, *(event.labels.get(name, "") for name in self.integ.group_by))
        key = self._group_keys.get(values)
        if key is None:
            key = self._group_keys[values] = group_key(
                self.integ.id, service, event.labels, self.integ.group_by
            )
        return key

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
