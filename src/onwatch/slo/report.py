"""The SLO read model: per service and window, the SLIs, their thresholds, the remaining 30-day
error budget and the state (for the API and the CLI)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from onwatch.config.schema import OnwatchConfig
from onwatch.config.slo import Slo, SloSource
from onwatch.db.uow import UnitOfWork
from onwatch.kernel.durations import format_duration
from onwatch.slo.domain import (
    BUDGET_PERIOD,
    FAST_PAIR,
    WINDOWS,
    Indicator,
    Sli,
    SloState,
    apdex_threshold,
    budget_remaining,
    error_threshold,
    suggest,
)
from onwatch.slo.evaluate import PrometheusClients
from onwatch.slo.prometheus import PrometheusError
from onwatch.slo.sources import combined_query, promql_range
from onwatch.slo.store import SloRepository, StateRecord


def burn_factor(slo: Slo, window: timedelta) -> float:
    """The line each window is judged against: 14.4x for the fast pair (1h, 5m), 6x for the slow."""
    return slo.outage_factor if window in FAST_PAIR else slo.degradation_factor


def state_of(record: StateRecord | None) -> str:
    return record.tracker.state.value if record else SloState.UNKNOWN.value


def window_rows(slo: Slo, record: StateRecord | None) -> list[dict[str, Any]]:
    measured: dict[str, Any] = (record.snapshot.get("windows") or {}) if record else {}
    rows = []
    for w in WINDOWS:
        factor = burn_factor(slo, w)
        sli = measured.get(str(int(w.total_seconds())), {})
        rows.append(
            {
                "window": format_duration(w),
                "request_rate": sli.get("request_rate"),
                "error_ratio": sli.get("error_ratio"),
                "apdex": sli.get("apdex"),
                "burn_factor": factor,
                "error_ratio_threshold": None
                if slo.error_ratio is None
                else round(error_threshold(slo.error_ratio, factor), 8),
                "apdex_threshold": None
                if slo.apdex is None
                else round(apdex_threshold(slo.apdex, factor), 8),
            }
        )
    return rows


def budget(
    uow: UnitOfWork, sid: str, slo: Slo, now: datetime, clients: PrometheusClients, config: OnwatchConfig
) -> dict[str, Any]:
    """The 30-day error budget: how much of it is left (1 = untouched, below 0 = overspent)."""
    out: dict[str, Any] = {"period": format_duration(BUDGET_PERIOD), "error_ratio": None, "remaining": None}
    if slo.error_ratio is None or slo.source is None:
        return out
    sli: Sli | None = None
    if slo.source is SloSource.PUSHED:
        counts = uow.repo(SloRepository).window_counts([sid], now, [BUDGET_PERIOD]).get(sid)
        if counts is not None:
            sli = Sli.of_counts(BUDGET_PERIOD, *counts[BUDGET_PERIOD])
    elif config.slo is not None and slo.prometheus is not None:
        client = clients.get(config.slo)
        if client is not None:
            queries = slo.prometheus.model_copy(
                update={"apdex_satisfied": None, "apdex_tolerated": None, "apdex_total": None}
            )
            try:
                series = client.query(combined_query(queries, [BUDGET_PERIOD]), now)
            except PrometheusError as exc:
                out["error"] = str(exc)
                return out
            rng = promql_range(BUDGET_PERIOD)
            values = {s.labels.get("onwatch_sli"): s.value for s in series}
            requests, errors = values.get(f"requests:{rng}", 0.0), values.get(f"errors:{rng}", 0.0)
            if requests > 0:
                out["error_ratio"] = round(errors / requests, 8)
                out["remaining"] = round(float(budget_remaining(slo.error_ratio, errors / requests) or 0), 6)
            return out
    if sli is not None and sli.error_ratio is not None:
        out["error_ratio"] = round(sli.error_ratio, 8)
        out["remaining"] = round(float(budget_remaining(slo.error_ratio, sli.error_ratio) or 0), 6)
    return out


def service_slo(
    uow: UnitOfWork,
    config: OnwatchConfig,
    sid: str,
    record: StateRecord | None,
    now: datetime,
    clients: PrometheusClients,
) -> dict[str, Any]:
    service = config.services[sid]
    slo = service.slo
    breaching = (
        tuple(Indicator(i) for i in (record.snapshot.get("verdict") or {}).get("breaching", []))
        if record
        else ()
    )
    tracker = record.tracker if record else None
    suggestion = suggest(tracker.state, breaching) if tracker else None
    return {
        "service": sid,
        "name": service.name,
        "source": slo.source.value if slo.source else None,
        "objectives": {"apdex": slo.apdex, "error_ratio": slo.error_ratio},
        "state": state_of(record),
        "since": tracker.since.isoformat() if tracker and tracker.since else None,
        "reason": tracker.reason
        if tracker
        else ("not measured" if slo.source is None else "not evaluated yet"),
        "evaluated_at": tracker.last_evaluated.isoformat() if tracker and tracker.last_evaluated else None,
        "alerts": record.alerts if record else [],
        "suggested_status": suggestion.status.value if suggestion else None,
        "suggested_severity": suggestion.severity.label if suggestion and suggestion.severity else None,
        "thresholds": slo.objectives().thresholds(),
        "condition": (record.snapshot.get("condition") if record else None),
        "windows": window_rows(slo, record),
        "error_budget": budget(uow, sid, slo, now, clients, config),
    }
