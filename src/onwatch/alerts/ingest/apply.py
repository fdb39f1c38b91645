"""Alert ingest: deduplicate, group, and start paging, in one transaction (`IngestRun` inside any
transaction: group commit's, a heartbeat's, an SLO alert's; `AlertIngest.apply` in its own)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy.exc import IntegrityError, OperationalError

from onwatch.alerts.ingest.rows import FIRING, Grouping, IngestResult, alert_values
from onwatch.alerts.store import batch as alert_batch
from onwatch.config.cache import AppliedConfig
from onwatch.db.uow import UnitOfWork
from onwatch.directory.tokens import hash_token
from onwatch.kernel.alert_context import AlertContext
from onwatch.kernel.caches import SharedTTLCache
from onwatch.kernel.durations import format_duration
from onwatch.kernel.enums import EventKind, Interface
from onwatch.kernel.errors import NotFound
from onwatch.kernel.timeline import Actor
from onwatch.paging.base import PagingCommands
from onwatch.paging.domain.alerts import (
    AlertAction,
    AlertEvent,
    AlertStatus,
    FlapPolicy,
    GroupStatus,
    group_title,
    prune_history,
)
from onwatch.paging.group_actions import GroupActions
from onwatch.paging.links import LinkSigner
from onwatch.paging.page_writes import BufferedWrites
from onwatch.paging.pager import Pager
from onwatch.paging.reopen import reopen_group, resume_escalation
from onwatch.paging.store import counts as alert_counts
from onwatch.paging.store.groups import AlertGroupRecord, AlertRepository, IntegrationRecord

__all__ = ["AlertIngest", "IngestResult", "IngestRun"]  # IngestResult lives in alert_rows

KEY_CACHE_SECONDS = 10.0
KEY_CACHE_ENTRIES = 4_096  # integrations are few; unknown keys are never cached


class AlertIngest(PagingCommands):
    @cached_property
    def _keys(self) -> SharedTTLCache[IntegrationRecord]:
        """Integration keys recently looked up, by hash."""
        return SharedTTLCache(KEY_CACHE_SECONDS, maxsize=KEY_CACHE_ENTRIES)

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
            found = uow.repo(AlertRepository).integration_by_key(key)
        if found is None or found.kind != kind:
            raise NotFound(f"no {kind} integration has this key", field="integration_key")
        self._keys.put(hash_token(key), found)
        return found

    def ingest(self, integration: IntegrationRecord, events: Sequence[AlertEvent]) -> list[IngestResult]:
        """All events of one request commit together, after which the caller may answer 2xx."""
        return self.apply(integration, events)[0]

    def apply(
        self, integration: IntegrationRecord, events: Sequence[AlertEvent]
    ) -> tuple[list[IngestResult], set[str]]:
        """The events applied in one transaction and committed; the results and the keys of the
        groups its triggers joined or opened."""
        for attempt in range(3):
            try:
                with self.db.write() as uow:
                    run = IngestRun(uow, self.cache.get(uow), self.signer(uow), integration, self.clock.now())
                    results = run.apply_all(events)
                self.on_commit()
                return results, run.group_keys
            except (IntegrityError, OperationalError) as exc:
                # another replica opened the same alert or group at the same moment (read it and
                # join), or PostgreSQL broke a lock cycle between two replicas: try again
                if attempt == 2 or not retryable(exc):
                    raise
        raise AssertionError("unreachable")


def retryable(exc: Exception) -> bool:
    """A conflict with a concurrent writer, which the same transaction run again resolves."""
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
        # pages, timeline events and timers of the groups a batch opens: written together at its end
        self.writes = BufferedWrites()
        self.pager = Pager(uow, applied, signer, now, writes=self.writes)
        self.actions = GroupActions(uow, Pager(uow, applied, signer, now, self.pager.oncall_memo), now)
        process = applied.config.process
        self.flaps = FlapPolicy(process.flapping_threshold, process.flapping_window)
        self.grouping = Grouping(applied, integ)
        self.group_keys: set[str] = set()  # of the groups its triggers joined or opened

    # ---- the batched path: a run of triggers in a handful of set-based statements ----------

    def apply_all(self, events: Sequence[AlertEvent]) -> list[IngestResult]:
        """Apply events in order. Each run of consecutive triggers is one batch: their alerts read in
        one query, upserted in one statement, group counters added in one more; only alerts that open
        a new group take the slower paging path. Acknowledges and resolves, rarer and with side
        effects, run one by one between the batches."""
        results: list[IngestResult] = []
        batch: list[AlertEvent] = []
        for event in events:
            if event.action is AlertAction.TRIGGER:
                batch.append(event)
                continue
            results += self._triggers(batch)
            batch = []
            results.append(self.apply(event))
        results += self._triggers(batch)
        return results

    def _triggers(self, events: list[AlertEvent]) -> list[IngestResult]:
        if not events:
            return []
        conn = self.uow.conn
        known = alert_batch.alert_states(
            conn, self.integ.id, list(dict.fromkeys(e.dedup_key for e in events))
        )
        # the groups the batch needs (for alerts not firing yet), each with the first alert needing it
        wanted: dict[str, tuple[AlertEvent, str]] = {}
        for event in events:
            if (state := known.get(event.dedup_key)) is None or state.status != FIRING:
                service = self.service_of(event)
                wanted.setdefault(self.group_key(event, service), (event, service))
        groups: dict[str, AlertGroupRecord] = (
            self.uow.repo(AlertRepository).open_groups(sorted(wanted)) if wanted else {}
        )
        # those not open are opened by that alert, in key order: two batches opening the same groups
        # (two replicas) then wait for each other instead of deadlocking on the
        # open-key index (PostgreSQL takes a second to detect that)
        openers = {gkey: wanted[gkey] for gkey in sorted(wanted) if gkey not in groups}
        for gkey, (event, service) in list(openers.items()):
            reopened = self.reopen_flapping(gkey)
            if reopened is not None:  # it fired again soon after resolving: the same group, no page
                groups[gkey] = reopened
                del openers[gkey]
                continue
            groups[gkey] = self.open(gkey, event, service)  # counts start at 1, 1, 1
        rows: dict[str, dict[str, Any]] = {}
        deltas: dict[int, list[int]] = {}
        results = []
        for event in events:
            key = event.dedup_key
            row = rows.get(key)
            state = known.get(key)
            if row is not None:  # the same alert again in this batch
                outcome, group_id = "updated", row["g"]
                row.update(alert_values(event), n=row["n"] + 1)
                self._delta(deltas, group_id, 0, 0, 1)
            elif state is not None and state.status == FIRING:
                outcome, group_id = "updated", state.group_id
                rows[key] = {"k": key, "g": group_id, "n": 1, **alert_values(event)}
                self._delta(deltas, group_id, 0, 0, 1)
            else:
                gkey = self.group_key(event, self.service_of(event))
                group = groups[gkey]
                if gkey in openers and openers[gkey][0] is event:
                    outcome = "opened"
                else:
                    self._delta(deltas, group.id, 1 if state is None else 0, 1, 1)
                    outcome = "joined" if state is None else "refired"
                group_id = group.id
                rows[key] = {"k": key, "g": group_id, "n": 1, **alert_values(event)}
            results.append(IngestResult(key, group_id, outcome))
        self.group_keys.update(groups)
        self.writes.flush(self.uow)  # before an acknowledge or resolve later in the request can look
        existed = alert_batch.upsert_firing(conn, self.integ.id, list(rows.values()), self.now)
        for i, result in enumerate(results):
            if result.outcome == "joined" and result.dedup_key in existed:
                # a concurrent request inserted this alert (and counted it) after our lookup
                results[i] = IngestResult(result.dedup_key, result.group_id, "updated")
                self._delta(deltas, rows[result.dedup_key]["g"], -1, -1, 0)
        alert_counts.append(conn, {g: (a, f, e) for g, (a, f, e) in deltas.items()}, self.now)
        return results

    @staticmethod
    def _delta(deltas: dict[int, list[int]], group_id: int, alerts: int, firing: int, events: int) -> None:
        d = deltas.setdefault(group_id, [0, 0, 0])
        d[0], d[1], d[2] = d[0] + alerts, d[1] + firing, d[2] + events

    # ---- one event at a time ---------------------------------------------------------------

    def apply(self, event: AlertEvent) -> IngestResult:
        """An acknowledge or resolve from the source (triggers go through the batch)."""
        alert = self.uow.repo(AlertRepository).alert(self.integ.id, event.dedup_key, for_update=True)
        if alert is None:
            return IngestResult(event.dedup_key, None, "ignored")
        source = Actor(name=f"integration:{self.integ.id}", interface=Interface.INTEGRATION)
        if event.action is AlertAction.ACKNOWLEDGE:
            group = self.uow.repo(AlertRepository).group(alert.group_id, for_update=True)
            if group.status is GroupStatus.TRIGGERED:
                self.actions.acknowledge(group, source)
            return IngestResult(event.dedup_key, group.id, "acknowledged")
        if alert.status is AlertStatus.RESOLVED:
            return IngestResult(event.dedup_key, alert.group_id, "ignored")
        self.uow.repo(AlertRepository).update_alert(
            alert.id,
            {
                "status": AlertStatus.RESOLVED.value,
                "resolved_at": self.now,
                "last_seen": self.now,
                "event_count": alert.event_count + 1,
            },
        )
        group = self.uow.repo(AlertRepository).group(alert.group_id, for_update=True)
        history = prune_history(
            [*map(datetime.fromisoformat, group.flap_history), self.now], self.now, self.flaps.window
        )
        firing = max(0, group.firing_count - 1)
        self.uow.repo(AlertRepository).update_group(
            group.id,
            {
                "firing_count": firing,
                "flap_history": [t.isoformat() for t in history],
                "updated_at": self.now,
                "event_count": group.event_count + 1,
            },
        )
        if firing == 0 and group.status is not GroupStatus.RESOLVED:
            group = self.uow.repo(AlertRepository).group(group.id, for_update=True)
            self.actions.resolve(group, source, "every alert in the group resolved at the source")
        return IngestResult(event.dedup_key, group.id, "resolved")

    def group_key(self, event: AlertEvent, service: str) -> str:
        return self.grouping.group_key(event, service)

    def service_of(self, event: AlertEvent) -> str:
        return self.grouping.service_of(event)

    def reopen_flapping(self, key: str) -> AlertGroupRecord | None:
        """A group resolved less than `process.flapping_window` ago whose alerts fire again is
        reopened (flapping) instead of a new group paging again: acknowledged again if someone had
        acknowledged it, else triggered with its escalation going on from where it was (the next
        step after its delay), so one page stays one page however often the alert flaps."""
        previous = self.uow.repo(AlertRepository).last_resolved_group(key)
        if (
            previous is None
            or previous.resolved_at is None
            or self.now - previous.resolved_at > self.flaps.window
            or previous.integration_id != self.integ.id
        ):
            return None
        reopened = reopen_group(self.uow, previous, self.now)
        if reopened is None:  # another writer reopened it first: join it
            return self.uow.repo(AlertRepository).open_groups([key]).get(key)
        gap = format_duration(self.now - previous.resolved_at)
        history = [datetime.fromisoformat(t) for t in reopened.flap_history]
        cycles = len(prune_history(history, self.now, self.flaps.window))
        self.writes.add_event(
            reopened.id,
            self.now,
            EventKind.FLAPPING,
            f"integration:{self.integ.id}",
            _INTEGRATION,
            f"flapping: fired again {gap} after resolving ({cycles} resolve/fire cycle(s) in "
            f"{format_duration(self.flaps.window)}); reopened this group instead of paging again",
        )
        if reopened.status is GroupStatus.TRIGGERED:
            resume_escalation(self.uow, reopened.id, self.now)
        return reopened

    def open(self, key: str, event: AlertEvent, service: str) -> AlertGroupRecord:
        previous = self.uow.repo(AlertRepository).last_resolved_group(key)
        inherited = [datetime.fromisoformat(t) for t in previous.flap_history] if previous else []
        history = prune_history(inherited, self.now, self.flaps.window)
        flapping = self.flaps.is_flapping(history, self.now)
        maintenance = self.uow.repo(AlertRepository).in_maintenance(service, self.now)
        values: dict[str, Any] = {
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
        group_id = self.uow.repo(AlertRepository).insert_group(values)
        # the record as stored, without reading it back
        group = AlertGroupRecord(
            id=group_id,
            **{**values, "status": GroupStatus.TRIGGERED},
            acknowledged_at=None,
            acknowledged_by=None,
            resolved_at=None,
            resolved_by=None,
        )
        actor = f"integration:{self.integ.id}"
        self.writes.add_event(
            group_id, self.now, EventKind.OPENED, actor, _INTEGRATION, f"alert group opened: {group.title}"
        )
        if flapping:
            self.writes.add_event(
                group_id,
                self.now,
                EventKind.FLAPPING,
                actor,
                _INTEGRATION,
                f"flapping: {len(history)} resolve/fire cycles in {self.flaps.window}; fix the alert rule",
            )
        if maintenance:
            self.writes.add_event(
                group_id,
                self.now,
                EventKind.MAINTENANCE,
                actor,
                _INTEGRATION,
                f"service {service} is in maintenance: recorded, nobody paged",
            )
        else:
            details = event.details if type(event.details) is dict else dict(event.details)
            self.pager.contexts[group_id] = AlertContext.of_alert(
                event.labels, {"details": details, "links": event.links}
            )
            self.pager.start(group, self.integ.policy_id)
        return group


_INTEGRATION = Interface.INTEGRATION.value
