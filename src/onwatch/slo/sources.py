"""Where measurements come from: pushed samples in the database, or Prometheus.

Both answer, per service, a domain `Measurement` (the condition window and the burn-rate
windows) or a `MeasureError` saying why the state is unknown.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from onwatch.config.slo import WINDOW_PLACEHOLDER, PromQueries, Slo
from onwatch.db.uow import UnitOfWork
from onwatch.kernel.durations import format_duration
from onwatch.slo.domain import WINDOWS, Measurement, Rates, Sli
from onwatch.slo.prometheus import PrometheusClient, PrometheusError
from onwatch.slo.store import SloRepository

SLI_LABEL = "onwatch_sli"
_FIELDS = ("requests", "errors", "apdex_satisfied", "apdex_tolerated", "apdex_total")


@dataclass(frozen=True)
class MeasureError:
    reason: str
    pages: bool = True  # a broken source pages after a while; "no samples yet" does not


Result = Measurement | MeasureError


def windows_for(condition_window: timedelta) -> list[timedelta]:
    return sorted({condition_window, *WINDOWS})


def _measurement(condition_window: timedelta, slis: Mapping[timedelta, Sli]) -> Measurement:
    return Measurement(condition=slis[condition_window], windows={w: slis[w] for w in WINDOWS if w in slis})


def measure_pushed(
    uow: UnitOfWork, service_ids: Sequence[str], now: datetime, condition_window: timedelta
) -> dict[str, Result]:
    """One query for all services and windows."""
    windows = windows_for(condition_window)
    counts = uow.repo(SloRepository).window_counts(service_ids, now, windows)
    out: dict[str, Result] = {}
    for sid in service_ids:
        found = counts.get(sid)
        if found is None:
            longest = format_duration(max(windows))
            out[sid] = MeasureError(f"no samples pushed in the last {longest}", pages=False)
            continue
        slis = {w: Sli.of_counts(w, *found[w]) for w in windows}
        out[sid] = _measurement(condition_window, slis)
    return out


def promql_range(window: timedelta) -> str:
    return f"{int(window.total_seconds())}s"


def combined_query(queries: PromQueries, windows: Sequence[timedelta]) -> str:
    """Every indicator of every window in one query: each part is tagged with a label saying which
    (`onwatch_sli="errors:300s"`), so one round trip measures a service."""
    parts = []
    for name in _FIELDS:
        expr = getattr(queries, name)
        if expr is None:
            continue
        for w in windows:
            rng = promql_range(w)
            tagged = expr.replace(WINDOW_PLACEHOLDER, rng)
            parts.append(f'label_replace(({tagged}), "{SLI_LABEL}", "{name}:{rng}", "", "")')
    return " or ".join(parts)


def _rates(values: Mapping[str, float], rng: str, has_total: bool) -> Rates:
    def get(name: str) -> float:
        value = values.get(f"{name}:{rng}", 0.0)
        return 0.0 if math.isnan(value) or value < 0 or math.isinf(value) else value

    return Rates(
        requests=get("requests"),
        errors=get("errors"),
        satisfied=get("apdex_satisfied"),
        tolerated=get("apdex_tolerated"),
        apdex_total=get("apdex_total") if has_total else None,
    )


class PrometheusSource:
    """Measures services concurrently (one query each) within the client's timeout."""

    def __init__(self, client: PrometheusClient, *, concurrency: int = 8) -> None:
        self.client = client
        self.concurrency = concurrency

    def measure_one(self, slo: Slo, now: datetime, condition_window: timedelta) -> Result:
        queries = slo.prometheus
        if queries is None:
            return MeasureError("no PromQL configured")
        windows = windows_for(condition_window)
        try:
            series = self.client.query(combined_query(queries, windows), now)
        except PrometheusError as exc:
            return MeasureError(str(exc))
        values: dict[str, float] = {}
        for s in series:
            tag = s.labels.get(SLI_LABEL)
            if tag is not None and not math.isnan(s.value):
                values[tag] = values.get(tag, 0.0) + s.value
        has_total = queries.apdex_total is not None
        slis = {w: Sli.of(w, _rates(values, promql_range(w), has_total)) for w in windows}
        return _measurement(condition_window, slis)

    def measure(
        self, services: Mapping[str, Slo], now: datetime, condition_window: timedelta
    ) -> dict[str, Result]:
        if not services:
            return {}
        ids = list(services)
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(ids))) as pool:
            results = pool.map(lambda sid: self.measure_one(services[sid], now, condition_window), ids)
            return dict(zip(ids, results, strict=True))
