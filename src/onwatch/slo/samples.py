"""Pushed SLO samples: validate a `POST /api/v1/slo/samples` body and store it.

Body: one sample or {"samples": [...]}. A sample counts the requests a service served since the
previous one: {"service": "web", "at": RFC 3339 (default now), "requests": 600, "errors": 2,
"satisfied": 590, "tolerated": 6}. Push every 30 s or more often; windows sum the samples whose
`at` falls inside them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from onwatch.alerts.sources.base import PayloadError, parse_time
from onwatch.config.cache import ConfigCache
from onwatch.config.slo import Slo, SloSource
from onwatch.db.uow import Database
from onwatch.kernel.clock import Clock
from onwatch.slo.store import Sample, SloRepository

MAX_SAMPLES = 5000
FUTURE_TOLERANCE = timedelta(seconds=5)
MAX_AGE = timedelta(days=30)
_COUNTS = ("requests", "errors", "satisfied", "tolerated")


def parse_samples(body: Any, now: datetime, services: Mapping[str, Slo]) -> list[Sample]:
    """Every problem at once, each naming its field; nothing is stored unless all are valid."""
    if isinstance(body, dict) and "samples" in body:
        items, prefix = body["samples"], "samples"
        if not isinstance(items, list) or not items:
            raise PayloadError([("samples", "must be a non-empty list")])
    elif isinstance(body, dict):
        items, prefix = [body], ""
    else:
        raise PayloadError([("body", 'must be a sample object or {"samples": [...]}')])
    if len(items) > MAX_SAMPLES:
        raise PayloadError([("samples", f"at most {MAX_SAMPLES} samples per request")])
    errors: list[tuple[str, str]] = []
    out = []
    for i, item in enumerate(items):
        path = f"{prefix}[{i}]." if prefix else ""
        if not isinstance(item, dict):
            errors.append((f"{prefix}[{i}]" if prefix else "body", "must be an object"))
            continue
        before = len(errors)
        service = item.get("service")
        slo = services.get(service) if isinstance(service, str) else None
        if slo is None:
            errors.append((f"{path}service", f"unknown service {service!r}"))
        elif slo.source is not SloSource.PUSHED:
            errors.append((f"{path}service", f"service {service!r} is not measured by pushed samples"))
        counts = {name: _count(item.get(name, 0), f"{path}{name}", errors) for name in _COUNTS}
        if counts["errors"] > counts["requests"]:
            errors.append((f"{path}errors", "cannot exceed requests"))
        if counts["satisfied"] + counts["tolerated"] > counts["requests"]:
            errors.append((f"{path}satisfied", "satisfied + tolerated cannot exceed requests"))
        at = parse_time(item.get("at"), f"{path}at", errors, now, require_zone=True)
        if at > now + FUTURE_TOLERANCE:
            errors.append((f"{path}at", f"{at.isoformat()} is in the future (now is {now.isoformat()})"))
        elif at < now - MAX_AGE:
            errors.append((f"{path}at", f"older than {MAX_AGE.days} days"))
        unknown = sorted(set(item) - {"service", "at", *_COUNTS})
        if unknown:
            errors.append((f"{path}{unknown[0]}", "unknown field"))
        if len(errors) == before:
            out.append(Sample(str(service), at, **counts))
    if errors:
        raise PayloadError(errors)
    return out


# far above any real request count per sample; keeps every sum over 30 days finite
MAX_COUNT = 1e15


def _count(value: Any, field: str, errors: list[tuple[str, str]]) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        errors.append((field, f"must be a number, not {value!r}"))
        return 0.0
    if isinstance(value, int) and abs(value) > MAX_COUNT:  # float() of a huge int overflows
        errors.append((field, f"must be at most {MAX_COUNT:.0e}"))
        return 0.0
    if math.isnan(value) or math.isinf(value):
        errors.append((field, "must be a finite number (NaN and Infinity are not counts)"))
        return 0.0
    if value < 0:
        errors.append((field, "must not be negative"))
        return 0.0
    if value > MAX_COUNT:  # sums of near-maximal floats overflow to infinity, and ratios to NaN
        errors.append((field, f"must be at most {MAX_COUNT:.0e}"))
        return 0.0
    return float(value)


class SloSamples:
    """The command behind the API: validate against the applied config, store in one transaction."""

    def __init__(self, db: Database, clock: Clock, cache: ConfigCache) -> None:
        self.db = db
        self.clock = clock
        self.cache = cache

    def push(self, body: Any) -> int:
        with self.db.read() as uow:
            config = self.cache.get(uow).config
        now = self.clock.now()
        samples = parse_samples(body, now, {sid: s.slo for sid, s in config.services.items()})
        with self.db.write() as uow:
            uow.repo(SloRepository).add_samples(samples, now)
        return len(samples)
