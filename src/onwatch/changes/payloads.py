"""The two ways a change arrives, parsed into a ChangeDraft or refused naming each field at fault:
PagerDuty's Change Events API (`POST /v2/change/enqueue`: routing_key, payload.summary,
payload.timestamp, payload.source, payload.custom_details, links) and onwatch's own
`POST /api/v1/changes` (summary, service, source, links, time)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from onwatch.alerts.sources.base import PayloadError, parse_time, refuse_deep
from onwatch.changes.domain import MAX_HREF, MAX_LINKS, MAX_SOURCE, MAX_SUMMARY, ChangeDraft, Link

# a sender's clock may run a little ahead of onwatch's
CLOCK_SKEW = timedelta(minutes=5)


def routing_key(body: Any) -> str:
    if not isinstance(body, dict) or not isinstance(body.get("routing_key"), str) or not body["routing_key"]:
        raise PayloadError([("routing_key", "required")])
    return str(body["routing_key"])


def _text(value: Any, field: str, limit: int, errors: list[tuple[str, str]], *, required: bool) -> str:
    if value is None or value == "":
        if required:
            errors.append((field, "required"))
        return ""
    if not isinstance(value, str):
        errors.append((field, "must be a string"))
        return ""
    if not value.strip() and required:
        errors.append((field, "required"))
    if len(value) > limit:
        errors.append((field, f"at most {limit} characters"))
    return value.strip()


def _links(value: Any, field: str, errors: list[tuple[str, str]]) -> tuple[Link, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        errors.append((field, "must be a list of {href, text}"))
        return ()
    if len(value) > MAX_LINKS:
        errors.append((field, f"at most {MAX_LINKS} links"))
        return ()
    found: list[Link] = []
    for i, link in enumerate(value):
        href = link.get("href") if isinstance(link, dict) else None
        if not isinstance(href, str) or not href:
            errors.append((f"{field}[{i}].href", "required"))
            continue
        if len(href) > MAX_HREF:
            errors.append((f"{field}[{i}].href", f"at most {MAX_HREF} characters"))
            continue
        assert isinstance(link, dict)
        text = link.get("text")
        found.append(Link(href, str(text)[:MAX_SUMMARY] if isinstance(text, str) else ""))
    return tuple(found)


def pagerduty_change(body: dict[str, Any], now: datetime) -> ChangeDraft:
    """A Change Events API body (the routing key already resolved to the integration's service,
    filled in by the caller). As PagerDuty does, a missing timestamp means "now"."""
    errors: list[tuple[str, str]] = []
    payload = body.get("payload")
    if not isinstance(payload, dict):
        raise PayloadError([("payload", "required")])
    summary = _text(payload.get("summary"), "payload.summary", MAX_SUMMARY, errors, required=True)
    source = _text(payload.get("source"), "payload.source", MAX_SOURCE, errors, required=False)
    at = parse_time(payload.get("timestamp"), "payload.timestamp", errors, now)
    details = payload.get("custom_details")
    refuse_deep(details, "payload.custom_details", errors)
    links = _links(body.get("links"), "links", errors)
    if errors:
        raise PayloadError(errors)
    return ChangeDraft("", at, summary, source, links, details)


def generic_change(body: Any, now: datetime, services: set[str]) -> ChangeDraft:
    """onwatch's own change body: service, time and summary are required (a change that cannot be
    placed on a service's timeline helps nobody)."""
    if not isinstance(body, dict):
        raise PayloadError([("body", "must be a JSON object")])
    errors: list[tuple[str, str]] = []
    service = _text(body.get("service"), "service", 64, errors, required=True)
    if service and service not in services:
        errors.append(("service", f"unknown service {service!r}"))
    summary = _text(body.get("summary"), "summary", MAX_SUMMARY, errors, required=True)
    source = _text(body.get("source"), "source", MAX_SOURCE, errors, required=False)
    if body.get("time") in (None, ""):
        errors.append(("time", "required: when the change was made (RFC 3339, with a zone)"))
        at = now
    else:
        at = parse_time(body.get("time"), "time", errors, now, require_zone=True)
    if not errors and at > now + CLOCK_SKEW:
        errors.append(("time", "lies in the future"))
    details = body.get("details")
    refuse_deep(details, "details", errors)
    links = _links(body.get("links"), "links", errors)
    if errors:
        raise PayloadError(errors)
    return ChangeDraft(service, at, summary, source, links, details)
