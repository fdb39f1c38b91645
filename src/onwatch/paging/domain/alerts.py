"""Alerts and alert groups: dedup keys, grouping keys, statuses and flapping (pure)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import msgspec
import orjson


class AlertStatus(StrEnum):
    FIRING = "firing"
    RESOLVED = "resolved"


class GroupStatus(StrEnum):
    TRIGGERED = "triggered"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class AlertAction(StrEnum):
    """What a source says about an alert (PagerDuty's event_action, Alertmanager's status)."""

    TRIGGER = "trigger"
    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"


class AlertSeverity(StrEnum):
    """Source severities (PagerDuty's set). They never decide incident severity (PROCESS.md §5)."""

    CRITICAL = "critical"
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


DEFAULT_GROUP_BY = ("alertname", "service")


class AlertEvent(msgspec.Struct, frozen=True):
    """One normalised signal from any integration.

    A frozen msgspec Struct, not the domain's usual frozen dataclass: a storm builds one per alert, and
    it builds several times faster (bench/README.md). Immutable, compared by value."""

    action: AlertAction
    dedup_key: str
    summary: str
    at: datetime
    severity: AlertSeverity = AlertSeverity.CRITICAL
    source: str = ""
    labels: Mapping[str, str] = msgspec.field(default_factory=dict)
    details: Mapping[str, object] = msgspec.field(default_factory=dict)
    links: Sequence[str] = ()


def fingerprint(labels: Mapping[str, str]) -> str:
    """A stable key for a label set, for sources that send none (order of labels does not matter)."""
    return hashlib.sha256(orjson.dumps(dict(labels), option=orjson.OPT_SORT_KEYS)).hexdigest()[:32]


def group_key(integration: str, service: str, labels: Mapping[str, str], group_by: Sequence[str]) -> str:
    """Alerts with the same values of the `group_by` labels (in one integration) share a group.

    `service` stands in for a missing `service` label, so the default groups per alert name and
    service. Missing labels count as empty: they group together rather than each alone.
    """
    values = {name: labels.get(name, service if name == "service" else "") for name in group_by}
    return f"{integration}:{fingerprint(values)}"


def group_title(labels: Mapping[str, str], summary: str, group_by: Sequence[str]) -> str:
    named = [f"{k}={labels[k]}" for k in group_by if labels.get(k)]
    return f"{summary} [{', '.join(named)}]" if named else summary


@dataclass(frozen=True)
class FlapPolicy:
    """A group flaps when its alerts go firing -> resolved more than `threshold` times in `window`."""

    threshold: int = 4
    window: timedelta = timedelta(hours=1)

    def is_flapping(self, resolutions: Sequence[datetime], now: datetime) -> bool:
        recent = [t for t in resolutions if now - t <= self.window]
        return len(recent) > self.threshold


def prune_history(resolutions: Sequence[datetime], now: datetime, window: timedelta) -> list[datetime]:
    return [t for t in resolutions if now - t <= window][-50:]
