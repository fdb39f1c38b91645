"""Turning a batch of trigger events into set-based rows, and the answers back into results."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from onwatch.config.cache import AppliedConfig
from onwatch.paging.domain.alerts import AlertEvent, AlertStatus, group_key
from onwatch.paging.store.groups import IntegrationRecord

FIRING = AlertStatus.FIRING.value


@dataclass(frozen=True)
class IngestResult:
    dedup_key: str
    group_id: int | None
    outcome: str  # "opened", "joined", "updated", "refired", "resolved", "acknowledged", "ignored"


class Grouping:
    """Which service and group an alert belongs to, under one applied config."""

    def __init__(self, applied: AppliedConfig, integ: IntegrationRecord) -> None:
        self.services = applied.config.services
        self.integ = integ
        self._keys: dict[tuple[str, ...], str] = {}

    def service_of(self, event: AlertEvent) -> str:
        """The alert's `service` label when it names a configured service, else the integration's."""
        label = event.labels.get("service", "")
        return label if label in self.services else self.integ.service_id

    def group_key(self, event: AlertEvent, service: str) -> str:
        """Memoised: a batch's alerts mostly share their grouping labels."""
        values = (service, *(event.labels.get(name, "") for name in self.integ.group_by))
        key = self._keys.get(values)
        if key is None:
            key = self._keys[values] = group_key(self.integ.id, service, event.labels, self.integ.group_by)
        return key


def alert_values(event: AlertEvent) -> dict[str, Any]:
    """An alert's stored fields, under the short names of store.alert_batch's rows."""
    labels = event.labels if type(event.labels) is dict else dict(event.labels)
    details = event.details if type(event.details) is dict else dict(event.details)
    return {
        "s": event.summary[:1024],
        "v": event.severity.value,
        "o": event.source[:255],
        "l": labels,
        "d": {"details": details, "links": list(event.links)},
    }


def rows_with_group_keys(events: Sequence[AlertEvent], grouping: Grouping) -> list[dict[str, Any]]:
    """One row per alert (repeats in the batch merged: last values, events counted) with its group key."""
    rows: dict[str, dict[str, Any]] = {}
    for event in events:
        row = rows.get(event.dedup_key)
        if row is None:
            gkey = grouping.group_key(event, grouping.service_of(event))
            rows[event.dedup_key] = {"k": event.dedup_key, "gk": gkey, "n": 1, **alert_values(event)}
        else:
            row.update(alert_values(event), n=row["n"] + 1)
    return list(rows.values())


def results_in_open_groups(
    events: Sequence[AlertEvent], found: dict[str, tuple[int, str | None]]
) -> list[IngestResult]:
    """Results from (group id, status before) per alert: a repeat in the batch is an update."""
    results = []
    seen: set[str] = set()
    for event in events:
        group_id, before = found[event.dedup_key]
        if event.dedup_key in seen or before == FIRING:
            outcome = "updated"
        else:
            outcome = "joined" if before is None else "refired"
        seen.add(event.dedup_key)
        results.append(IngestResult(event.dedup_key, group_id, outcome))
    return results
