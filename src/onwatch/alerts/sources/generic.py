"""A generic JSON webhook for anything else.

Body: one alert object, or {"alerts": [...]} of them. Fields:
  status      "firing" (default), "acknowledged" or "resolved"
  dedup_key   the alert's identity; repeated sends update one alert (default: hash of the labels)
  summary     required when firing
  severity    critical | error | warning | info (others are read loosely; unknown = critical)
  source, labels {str: str}, details {...}, links [url], timestamp (RFC 3339)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from onwatch.alerts.sources.base import (
    MAX_ALERTS_PER_REQUEST,
    MAX_SUMMARY,
    PayloadError,
    load_json,
    loose_severity,
    parse_time,
    refuse_deep,
    refuse_nul_in,
    string_map,
)
from onwatch.paging.domain.alerts import AlertAction, AlertEvent, fingerprint

_ACTIONS = {
    "firing": AlertAction.TRIGGER,
    "trigger": AlertAction.TRIGGER,
    "acknowledged": AlertAction.ACKNOWLEDGE,
    "acknowledge": AlertAction.ACKNOWLEDGE,
    "resolved": AlertAction.RESOLVE,
    "resolve": AlertAction.RESOLVE,
}


def parse_body(raw: bytes, now: datetime) -> list[AlertEvent]:
    """The events of a raw request body; PayloadError naming each field at fault."""
    body = load_json(raw)
    refuse_nul_in(raw, body)
    return parse(body, now)


def parse(body: Any, now: datetime) -> list[AlertEvent]:
    if isinstance(body, dict) and "alerts" in body:
        items, prefix = body["alerts"], "alerts"
        if not isinstance(items, list) or not items:
            raise PayloadError([("alerts", "must be a non-empty list")])
    elif isinstance(body, dict):
        items, prefix = [body], ""
    else:
        raise PayloadError([("body", 'must be an alert object or {"alerts": [...]}')])
    if len(items) > MAX_ALERTS_PER_REQUEST:
        raise PayloadError([("alerts", f"at most {MAX_ALERTS_PER_REQUEST} alerts per request")])
    errors: list[tuple[str, str]] = []
    events = []
    for i, item in enumerate(items):
        path = f"{prefix}[{i}]." if prefix else ""
        if not isinstance(item, dict):
            errors.append((f"{prefix}[{i}]", "must be an object"))
            continue
        action = _ACTIONS.get(str(item.get("status", "firing")).lower())
        if action is None:
            errors.append((f"{path}status", "must be 'firing', 'acknowledged' or 'resolved'"))
            continue
        labels = string_map(item.get("labels"), f"{path}labels", errors)
        summary = item.get("summary")
        if action is AlertAction.TRIGGER and (not isinstance(summary, str) or not summary.strip()):
            errors.append((f"{path}summary", "required when firing"))
        key = item.get("dedup_key")
        if key is not None and (not isinstance(key, str) or not key or len(key) > 255):
            errors.append((f"{path}dedup_key", "must be a non-empty string of at most 255 characters"))
            continue
        if key is None and action is not AlertAction.TRIGGER and not labels:
            errors.append(
                (f"{path}dedup_key", "required to acknowledge or resolve (or send the same labels)")
            )
        at = parse_time(item.get("timestamp"), f"{path}timestamp", errors, now)
        refuse_deep(item.get("details"), f"{path}details", errors)
        links = item.get("links") or []
        if not isinstance(links, list):
            errors.append((f"{path}links", "must be a list of URLs"))
            links = []
        events.append(
            AlertEvent(
                action=action,
                dedup_key=key or fingerprint(labels or {"summary": str(summary or "")}),
                summary=str(summary or "")[:MAX_SUMMARY],
                at=at,
                severity=loose_severity(
                    item.get("severity") if isinstance(item.get("severity"), str) else None
                ),
                source=str(item.get("source") or "generic")[:255],
                labels={"alertname": str(summary or "")[:200], **labels},
                details={"details": item.get("details")} if item.get("details") is not None else {},
                links=[str(link) for link in links][:10],
            )
        )
    if errors:
        raise PayloadError(errors)
    return events
