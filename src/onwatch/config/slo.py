"""SLO section of the configuration: objectives per service, where their measurements come from
(Prometheus or pushed samples), and how detection runs (the top-level `slo:` settings)."""

from __future__ import annotations

from dataclasses import fields
from datetime import timedelta
from enum import StrEnum

from pydantic import Field

from onwatch.config.base import Strict
from onwatch.config.types import Duration, Positive, Ratio, Url
from onwatch.slo.domain import DetectionPolicy, Objectives

WINDOW_PLACEHOLDER = "$window"


class SloSource(StrEnum):
    PROMETHEUS = "prometheus"
    PUSHED = "pushed"  # POST /api/v1/slo/samples


class PromQueries(Strict):
    """PromQL per indicator, each a per-second rate over `$window` aggregated to one series, e.g.
    `sum(rate(http_requests_total{job="web"}[$window]))`."""

    requests: str = Field(min_length=1, description="requests per second")
    errors: str = Field(min_length=1, description="failed requests per second")
    apdex_satisfied: str | None = Field(default=None, description="requests faster than the target")
    apdex_tolerated: str | None = Field(default=None, description="requests within 4x the target")
    apdex_total: str | None = Field(default=None, description="requests with a latency (default: requests)")


class Slo(Strict):
    """Service level objectives. `error_ratio` is the target share of good requests (0.9999)."""

    apdex: Ratio | None = None
    error_ratio: Ratio | None = None
    outage_factor: Positive = 14.4
    degradation_factor: Positive = 6.0
    outage_line: Ratio | None = Field(
        default=None, description="error ratio above which the service is out; default outage_factor x budget"
    )
    source: SloSource | None = Field(
        default=None, description="where measurements come from; none: not evaluated"
    )
    prometheus: PromQueries | None = None
    min_request_rate: float = Field(
        default=1.0,
        ge=0,
        description="requests/s below which ratios are not judged (too few to mean anything)",
    )

    @property
    def error_budget(self) -> float | None:
        return None if self.error_ratio is None else 1 - self.error_ratio

    def objectives(self) -> Objectives:
        return Objectives(**{f.name: getattr(self, f.name) for f in fields(Objectives)})


class PrometheusServer(Strict):
    url: Url
    timeout: Duration = timedelta(seconds=5)


class SloSettings(Strict):
    """How detection runs (PROCESS.md §8 defaults)."""

    integration: str = Field(
        description="the integration SLO alerts enter through (its escalation policy pages)"
    )
    evaluation_interval: Duration = timedelta(seconds=30)
    condition_window: Duration = Field(
        default=timedelta(minutes=1),
        description="the window a sustained condition is judged on at each evaluation",
    )
    sustain: Duration = timedelta(minutes=5)
    recover_after: Duration = timedelta(minutes=5)
    unknown_page_after: Duration = Field(
        default=timedelta(minutes=5), description="page when measurements cannot be read for this long"
    )
    prometheus: PrometheusServer | None = None

    def policy(self) -> DetectionPolicy:
        return DetectionPolicy(
            sustain=self.sustain,
            recover_after=self.recover_after,
            max_gap=max(3 * self.evaluation_interval, timedelta(seconds=90)),
            unknown_page_after=self.unknown_page_after,
        )


def check_slo(
    settings: SloSettings | None, services: dict[str, Slo], integrations: set[str]
) -> list[tuple[str, str]]:
    """Cross-references: sources need their settings, queries need `$window`, objectives are sane."""
    issues: list[tuple[str, str]] = []
    if settings is not None:
        if settings.integration not in integrations:
            issues.append(("slo.integration", f"unknown integration {settings.integration!r}"))
        if settings.evaluation_interval < timedelta(seconds=1):
            issues.append(("slo.evaluation_interval", "must be at least 1s"))
        if settings.condition_window < timedelta(seconds=1):
            issues.append(("slo.condition_window", "must be at least 1s"))
    for sid, slo in services.items():
        path = f"services.{sid}.slo"
        issues += _check_objectives(path, slo)
        if slo.source is None:
            if slo.prometheus is not None:
                issues.append((f"{path}.source", "set 'source: prometheus' to use these queries"))
            continue
        if settings is None:
            issues.append((f"{path}.source", "needs a top-level 'slo:' section naming the alert integration"))
        if slo.apdex is None and slo.error_ratio is None:
            issues.append((path, "a measured service needs an 'apdex' or 'error_ratio' objective"))
        if slo.source is SloSource.PROMETHEUS:
            issues += _check_queries(path, slo, settings)
        elif slo.prometheus is not None:
            issues.append((f"{path}.prometheus", "only for 'source: prometheus'"))
    return issues


def _check_objectives(path: str, slo: Slo) -> list[tuple[str, str]]:
    issues: list[tuple[str, str]] = []
    budget = slo.error_budget
    if budget is not None:
        outage = slo.outage_line if slo.outage_line is not None else slo.outage_factor * budget
        if outage >= 1:
            issues.append(
                (f"{path}.outage_factor", f"outage line {outage:.4g} is not below 1; lower the factor")
            )
        if slo.degradation_factor >= slo.outage_factor:
            issues.append((f"{path}.degradation_factor", "must be lower than outage_factor"))
    elif slo.outage_line is not None:
        issues.append((f"{path}.outage_line", "needs an error_ratio objective"))
    return issues


def _check_queries(path: str, slo: Slo, settings: SloSettings | None) -> list[tuple[str, str]]:
    issues: list[tuple[str, str]] = []
    if settings is not None and settings.prometheus is None:
        issues.append((f"{path}.source", "needs 'slo.prometheus.url' (the Prometheus server to query)"))
    queries = slo.prometheus
    if queries is None:
        return [*issues, (f"{path}.prometheus", "PromQL for 'requests' and 'errors' is required")]
    for name in ("requests", "errors", "apdex_satisfied", "apdex_tolerated", "apdex_total"):
        value = getattr(queries, name)
        if value is not None and WINDOW_PLACEHOLDER not in value:
            issues.append(
                (f"{path}.prometheus.{name}", f"must use {WINDOW_PLACEHOLDER} as the range, e.g. [$window]")
            )
    if slo.apdex is not None and queries.apdex_satisfied is None:
        issues.append((f"{path}.prometheus.apdex_satisfied", "required for an apdex objective"))
    return issues
