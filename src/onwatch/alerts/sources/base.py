"""Shared parsing helpers for inbound payloads."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson

from onwatch.kernel.bounds import (
    MAX_JSON_DEPTH,
    NUL_ESCAPE,
    OUT_OF_RANGE,
    in_range,
    nul_fields,
    too_deep,
)
from onwatch.paging.domain.alerts import AlertSeverity

MAX_ALERTS_PER_REQUEST = 1000
MAX_SUMMARY = 1024
# a free-form value is stored inside the alert (and its events): leave it room within MAX_JSON_DEPTH
MAX_DETAILS_DEPTH = MAX_JSON_DEPTH - 4


class PayloadError(Exception):
    """The payload is malformed; `errors` pairs each field at fault with what is wrong."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{f}: {m}" for f, m in errors))
        self.errors = errors


def load_json(raw: bytes) -> Any:
    """A request body decoded; PayloadError (field `body`) when it is empty or not JSON."""
    if not raw:
        raise PayloadError([("body", "empty; send a JSON object")])
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise PayloadError([("body", f"invalid JSON: {exc}")]) from None


def refuse_nul(body: Any) -> None:
    """PayloadError naming every field (and key) of a decoded body that holds a NUL character
    (kernel.bounds.nul_fields: PostgreSQL cannot store one)."""
    errors = nul_fields(body)
    if errors:
        raise PayloadError(errors)


def refuse_nul_in(raw: bytes, body: Any) -> None:
    """`refuse_nul` for a body decoded from `raw`, walked only when `raw` may carry a NUL."""
    if NUL_ESCAPE in raw:
        refuse_nul(body)


def parse_time(
    value: Any, field: str, errors: list[tuple[str, str]], default: datetime, *, require_zone: bool = False
) -> datetime:
    """An RFC 3339 instant in UTC, `default` when absent (or Alertmanager's zero time); an error
    naming `field` when it is not one, lies outside kernel.bounds' range, or (with `require_zone`)
    has no zone. Monitoring senders may omit the zone (UTC is assumed); onwatch's own API may not."""
    if value in (None, "", "0001-01-01T00:00:00Z"):
        return default
    if not isinstance(value, str):
        errors.append((field, "must be an RFC 3339 timestamp"))
        return default
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        errors.append((field, f"{value!r} is not an RFC 3339 timestamp"))
        return default
    if parsed.tzinfo is None:
        if require_zone:
            errors.append((field, "give a time zone: end with Z or an offset such as +01:00"))
            return default
        parsed = parsed.replace(tzinfo=UTC)
    if not in_range(parsed):  # compared before converting: the conversion itself can overflow
        errors.append((field, OUT_OF_RANGE))
        return default
    return parsed.astimezone(UTC)


def refuse_deep(value: Any, field: str, errors: list[tuple[str, str]]) -> None:
    """An error naming a free-form field (details) that nests too deeply to store."""
    if (type(value) is dict or type(value) is list) and too_deep(value, MAX_DETAILS_DEPTH) is not None:
        errors.append((field, f"nests deeper than {MAX_DETAILS_DEPTH} levels"))


def string_map(value: Any, field: str, errors: list[tuple[str, str]]) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        errors.append((field, "must be an object of strings"))
        return {}
    if all(type(v) is str for v in value.values()):
        return value  # the common case, as parsed from JSON (whose keys are strings): nothing to convert
    out: dict[str, str] = {}
    for k, v in value.items():
        if not isinstance(v, str | int | float | bool):
            errors.append((f"{field}.{k}", "must be a string"))
            continue
        out[str(k)] = str(v)
    return out


_SEVERITY_WORDS = {
    "critical": AlertSeverity.CRITICAL,
    "page": AlertSeverity.CRITICAL,
    "p1": AlertSeverity.CRITICAL,
    "high": AlertSeverity.ERROR,
    "error": AlertSeverity.ERROR,
    "major": AlertSeverity.ERROR,
    "warning": AlertSeverity.WARNING,
    "warn": AlertSeverity.WARNING,
    "minor": AlertSeverity.WARNING,
    "info": AlertSeverity.INFO,
    "informational": AlertSeverity.INFO,
    "low": AlertSeverity.INFO,
}


def loose_severity(value: str | None) -> AlertSeverity:
    """Monitoring speaks many severity dialects; anything unknown is treated as critical (pages)."""
    return _SEVERITY_WORDS.get((value or "").strip().lower(), AlertSeverity.CRITICAL)
