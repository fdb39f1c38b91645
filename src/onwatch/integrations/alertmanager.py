"""Prometheus Alertmanager webhook (`webhook_configs`), payload version 4.

Each alert is keyed by its own fingerprint (or a hash of its labels when absent): alerts are
never merged by summary. `status: resolved` resolves that alert.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from onwatch.domain.alerts import AlertAction, AlertEvent, fingerprint
from onwatch.integrations.base import (
    MAX_ALERTS_PER_REQUEST,
    MAX_SUMMARY,
    PayloadError,
    loose_severity,
    parse_time,
    string_map,
)


def parse(body: Any, now: datetime) -> list[AlertEvent]:
    if not isinstance(body, dict):
        raise PayloadError([("body", "must be an Alertmanager webhook object")])
    alerts = body.get("alerts")
    if not isinstance(alerts, list) or not alerts:
        raise PayloadError([("alerts", "required: a non-empty list of alerts")])
    if len(alerts) > MAX_ALERTS_PER_REQUEST:
        raise PayloadError([("alerts", f"at most {MAX_ALERTS_PER_REQUEST} alerts per request")])
    errors: list[tuple[str, str]] = []
    events: list[AlertEvent] = []
    for i, alert in enumerate(alerts):
        path = f"alerts[{i}]"
        if not isinstance(alert, dict):
            errors.append((path, "must be an object"))
            continue
        status = alert.get("status", body.get("status"))
        if status not in ("firing", "resolved"):
            errors.append((f"{path}.status", "must be 'firing' or 'resolved'"))
        labels = string_map(alert.get("labels"), f"{path}.labels", errors)
        if not labels and "labels" not in alert:
            errors.append((f"{path}.labels", "required"))
        annotations = string_map(alert.get("annotations"), f"{path}.annotations", errors)
        at = parse_time(alert.get("startsAt"), f"{path}.startsAt", errors, now)
        key = alert.get("fingerprint")
        if key is not None and (not isinstance(key, str) or not key or len(key) > 255):
            errors.append((f"{path}.fingerprint", "must be a non-empty string of at most 255 characters"))
            continue
        summary = (
            annotations.get("summary") or annotations.get("description") or labels.get("alertname") or "alert"
        )
        events.append(
            AlertEvent(
                action=AlertAction.TRIGGER if status == "firing" else AlertAction.RESOLVE,
                dedup_key=key or fingerprint(labels),
                summary=summary[:MAX_SUMMARY],
                at=at,
                severity=loose_severity(labels.get("severity")),
                source=str(alert.get("generatorURL") or labels.get("instance") or "alertmanager")[:255],
                labels=labels,
                details={"annotations": annotations, "externalURL": body.get("externalURL", "")},
                links=[str(alert["generatorURL"])] if alert.get("generatorURL") else [],
            )
        )
    if errors:
        raise PayloadError(errors)
    return events
