"""PagerDuty Events API v2 (`POST /v2/enqueue`), so existing clients and tools work unchanged."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from onwatch.alerts.sources.base import MAX_SUMMARY, PayloadError, parse_time, refuse_deep
from onwatch.paging.domain.alerts import AlertAction, AlertEvent, AlertSeverity

_SEVERITIES = {s.value for s in AlertSeverity}
MAX_LINKS = 10


def routing_key(body: Any) -> str:
    if not isinstance(body, dict) or not isinstance(body.get("routing_key"), str) or not body["routing_key"]:
        raise PayloadError([("routing_key", "required")])
    return str(body["routing_key"])


def parse(body: dict[str, Any], now: datetime) -> AlertEvent:
    errors: list[tuple[str, str]] = []
    action = body.get("event_action")
    if action not in ("trigger", "acknowledge", "resolve"):
        raise PayloadError([("event_action", "must be 'trigger', 'acknowledge' or 'resolve'")])
    dedup = body.get("dedup_key")
    if dedup is not None and (not isinstance(dedup, str) or not dedup or len(dedup) > 255):
        errors.append(("dedup_key", "must be a non-empty string of at most 255 characters"))
    if action != "trigger":
        if not dedup:
            errors.append(("dedup_key", f"required to {action}"))
        if errors:
            raise PayloadError(errors)
        return AlertEvent(action=AlertAction(action), dedup_key=str(dedup), summary="", at=now)
    payload = body.get("payload")
    if not isinstance(payload, dict):
        raise PayloadError([*errors, ("payload", "required for trigger")])
    for field in ("summary", "source", "severity"):
        if not isinstance(payload.get(field), str) or not payload.get(field):
            errors.append((f"payload.{field}", "required"))
    if isinstance(payload.get("severity"), str) and payload["severity"] not in _SEVERITIES:
        errors.append(("payload.severity", "must be critical, error, warning or info"))
    at = parse_time(payload.get("timestamp"), "payload.timestamp", errors, now)
    details = payload.get("custom_details")
    refuse_deep(details, "payload.custom_details", errors)
    if errors:
        raise PayloadError(errors)
    labels = {k: str(payload[k]) for k in ("component", "group", "class") if isinstance(payload.get(k), str)}
    labels["alertname"] = labels.get("class") or str(payload["summary"])[:200]
    links = [
        str(link.get("href"))
        for link in body.get("links") or []
        if isinstance(link, dict) and link.get("href")
    ][:MAX_LINKS]
    # links keep their text and images their source, alt text and target: the page shows them
    link_items = [
        {"href": str(link["href"])[:2048], "text": str(link.get("text") or "")[:MAX_SUMMARY]}
        for link in body.get("links") or []
        if isinstance(link, dict) and isinstance(link.get("href"), str)
    ][:MAX_LINKS]
    images = [
        {
            "src": str(image["src"])[:2048],
            "href": str(image.get("href") or "")[:2048],
            "alt": str(image.get("alt") or "")[:MAX_SUMMARY],
        }
        for image in body.get("images") or []
        if isinstance(image, dict) and isinstance(image.get("src"), str)
    ][:MAX_LINKS]
    return AlertEvent(
        action=AlertAction.TRIGGER,
        dedup_key=str(dedup) if dedup else uuid.uuid4().hex,
        summary=str(payload["summary"])[:MAX_SUMMARY],
        at=at,
        severity=AlertSeverity(payload["severity"]),
        source=str(payload["source"])[:255],
        labels=labels,
        details={
            "custom_details": details if isinstance(details, dict | list | str | int | float) else None,
            "links": link_items,
            "images": images,
        },
        links=links,
    )
