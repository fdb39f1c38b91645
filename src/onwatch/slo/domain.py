"""SLO-based detection (PROCESS.md §8): burn-rate thresholds, the multi-window burn-rate rule,
sustained conditions and the healthy / degraded / outage / unknown state machine.

Pure: measurements and instants come from the caller. Error SLOs are written as the share of
good requests (0.9995); the error budget is what is left (0.0005). A threshold for a factor is
`factor x budget` for the error ratio and `1 - factor x (1 - SLO)` for Apdex.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from onwatch.kernel.enums import Severity, Status

WINDOWS: tuple[timedelta, ...] = (
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=1),
    timedelta(hours=6),
)
FAST_PAIR = (timedelta(hours=1), timedelta(minutes=5))
SLOW_PAIR = (timedelta(hours=6), timedelta(minutes=30))
BUDGET_PERIOD = timedelta(days=30)


class SloState(StrEnum):
    HEALTHY = "healthy"
    DEGRADED = "degraded"
    OUTAGE = "outage"
    UNKNOWN = "unknown"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {SloState.UNKNOWN: -1, SloState.HEALTHY: 0, SloState.DEGRADED: 1, SloState.OUTAGE: 2}


class Indicator(StrEnum):
    APDEX = "apdex"
    ERROR_RATIO = "error_ratio"


def error_threshold(slo: float, factor: float) -> float:
    """The error ratio that burns the budget `factor` times too fast (SLO 0.9995, 14.4 -> 0.0072)."""
    return factor * (1 - slo)


def apdex_threshold(slo: float, factor: float) -> float:
    """The mirrored Apdex line: 1 - factor x (1 - SLO) (SLO 0.9995, 14.4 -> 0.9928)."""
    return 1 - factor * (1 - slo)


@dataclass(frozen=True)
class Objectives:
    """One service's objectives; `None` means the service has no objective for that indicator."""

    apdex: float | None = None
    error_ratio: float | None = None
    outage_factor: float = 14.4
    degradation_factor: float = 6.0
    outage_line: float | None = None
    min_request_rate: float = 1.0

    @property
    def error_budget(self) -> float | None:
        return None if self.error_ratio is None else 1 - self.error_ratio

    @property
    def outage_error_line(self) -> float | None:
        """Error ratio above which the service is out: explicit, or outage_factor x budget."""
        if self.outage_line is not None:
            return self.outage_line
        return None if self.error_ratio is None else error_threshold(self.error_ratio, self.outage_factor)

    def thresholds(self) -> dict[str, dict[str, float]]:
        """Lines per indicator: the SLO itself, the 6x (slow burn) and 14.4x (fast burn/outage) lines."""
        out: dict[str, dict[str, float]] = {}
        if self.error_ratio is not None:
            out[Indicator.ERROR_RATIO.value] = {
                "slo": 1 - self.error_ratio,
                "degradation": error_threshold(self.error_ratio, self.degradation_factor),
                "outage": float(self.outage_error_line or 0.0),
            }
        if self.apdex is not None:
            out[Indicator.APDEX.value] = {
                "slo": self.apdex,
                "degradation": apdex_threshold(self.apdex, self.degradation_factor),
                "outage": apdex_threshold(self.apdex, self.outage_factor),
            }
        return out


@dataclass(frozen=True)
class Rates:
    """Per-second rates over one window (from PromQL `rate()`, or pushed counts / window length)."""

    requests: float
    errors: float
    satisfied: float = 0.0
    tolerated: float = 0.0
    apdex_total: float | None = None  # defaults to `requests`

    def __post_init__(self) -> None:
        for name in ("requests", "errors", "satisfied", "tolerated", "apdex_total"):
            value = getattr(self, name)
            if value is not None and (math.isnan(value) or math.isinf(value) or value < 0):
                raise ValueError(f"{name} must be a finite number >= 0, not {value!r}")


@dataclass(frozen=True)
class Sli:
    """Indicators measured over one window. Ratios are None when there was no traffic."""

    window: timedelta
    request_rate: float
    error_ratio: float | None
    apdex: float | None

    @classmethod
    def of(cls, window: timedelta, rates: Rates) -> Sli:
        total = rates.requests if rates.apdex_total is None else rates.apdex_total
        error_ratio = min(1.0, rates.errors / rates.requests) if rates.requests > 0 else None
        apdex = min(1.0, (rates.satisfied + rates.tolerated / 2) / total) if total > 0 else None
        return cls(window, rates.requests, error_ratio, apdex)

    @classmethod
    def of_counts(
        cls, window: timedelta, requests: float, errors: float, satisfied: float, tolerated: float
    ) -> Sli:
        seconds = window.total_seconds()
        return cls.of(
            window, Rates(requests / seconds, errors / seconds, satisfied / seconds, tolerated / seconds)
        )


@dataclass(frozen=True)
class Measurement:
    """What one evaluation saw: the short condition window and the burn-rate windows."""

    condition: Sli
    windows: Mapping[timedelta, Sli]


@dataclass(frozen=True)
class Verdict:
    """What holds at one instant (before any sustain logic)."""

    degraded: bool  # Apdex below its SLO or error ratio above its SLO, in the condition window
    outage: bool  # error ratio above the outage line
    fast_burn: bool  # 1h and 5m above outage_factor x budget (Apdex mirrored)
    slow_burn: bool  # 6h and 30m above degradation_factor x budget
    breaching: tuple[Indicator, ...]  # indicators responsible for any of the above
    traffic: bool

    @property
    def instant_level(self) -> SloState:
        if self.outage:
            return SloState.OUTAGE
        if self.degraded or self.fast_burn or self.slow_burn:
            return SloState.DEGRADED
        return SloState.HEALTHY


def _above(value: float | None, line: float | None) -> bool:
    return value is not None and line is not None and value > line


def _below(value: float | None, line: float | None) -> bool:
    return value is not None and line is not None and value < line


def _burn(
    obj: Objectives, m: Measurement, pair: tuple[timedelta, timedelta], factor: float
) -> set[Indicator]:
    long, short = (m.windows.get(w) for w in pair)
    if long is None or short is None or long.request_rate < obj.min_request_rate:
        return set()
    found: set[Indicator] = set()
    if obj.error_ratio is not None:
        line = error_threshold(obj.error_ratio, factor)
        if _above(long.error_ratio, line) and _above(short.error_ratio, line):
            found.add(Indicator.ERROR_RATIO)
    if obj.apdex is not None:
        line = apdex_threshold(obj.apdex, factor)
        if _below(long.apdex, line) and _below(short.apdex, line):
            found.add(Indicator.APDEX)
    return found


def judge(obj: Objectives, m: Measurement) -> Verdict:
    """The conditions at one evaluation. Below the minimum traffic nothing counts as breaching:
    a handful of requests makes ratios noise."""
    c = m.condition
    traffic = c.request_rate >= obj.min_request_rate
    breaching: set[Indicator] = set()
    degraded = outage = False
    if traffic:
        if obj.error_ratio is not None and _above(c.error_ratio, 1 - obj.error_ratio):
            degraded = True
            breaching.add(Indicator.ERROR_RATIO)
        if obj.apdex is not None and _below(c.apdex, obj.apdex):
            degraded = True
            breaching.add(Indicator.APDEX)
        outage = _above(c.error_ratio, obj.outage_error_line)
    fast = _burn(obj, m, FAST_PAIR, obj.outage_factor)
    slow = _burn(obj, m, SLOW_PAIR, obj.degradation_factor)
    breaching |= fast | slow
    order = (Indicator.ERROR_RATIO, Indicator.APDEX)
    return Verdict(
        degraded, outage, bool(fast), bool(slow), tuple(i for i in order if i in breaching), traffic
    )


# ---- the sustained-condition state machine --------------------------------------------------


@dataclass(frozen=True)
class DetectionPolicy:
    sustain: timedelta = timedelta(minutes=5)  # a condition must hold this long to change the state up
    recover_after: timedelta = timedelta(minutes=5)  # ... and be gone this long to change it down
    max_gap: timedelta = timedelta(seconds=90)  # longer between evaluations: runs start again
    unknown_page_after: timedelta = timedelta(minutes=5)


@dataclass(frozen=True)
class Tracker:
    """Per-service detection state, persisted between evaluations (and shared by replicas)."""

    state: SloState = SloState.UNKNOWN
    since: datetime | None = None  # when `state` began
    known_state: SloState = SloState.HEALTHY  # the last state decided from data (alerts follow it)
    degraded_since: datetime | None = None  # start of the current run of evaluations where it held
    outage_since: datetime | None = None
    lower_since: datetime | None = None  # start of the run where the level was below `known_state`
    unknown_since: datetime | None = None
    unknown_paged: bool = False
    last_evaluated: datetime | None = None
    reason: str = ""

    @property
    def alerts(self) -> frozenset[str]:
        """Which SLO alerts should be firing: degraded, outage, unknown (data missing too long)."""
        out = set()
        if self.known_state in (SloState.DEGRADED, SloState.OUTAGE):
            out.add("degraded")
        if self.known_state is SloState.OUTAGE:
            out.add("outage")
        if self.unknown_paged:
            out.add("unknown")
        return frozenset(out)


def _run(held: bool, since: datetime | None, now: datetime, fresh: bool) -> datetime | None:
    if not held:
        return None
    return now if fresh or since is None else since


def step(
    tracker: Tracker,
    verdict: Verdict | None,
    now: datetime,
    policy: DetectionPolicy,
    reason: str = "",
    *,
    page_if_unknown: bool = True,
) -> Tracker:
    """One evaluation. `verdict` None means the data could not be read: the state is unknown,
    `reason` says why, and after `unknown_page_after` that pages (if `page_if_unknown`).

    The state goes up when a condition has held at every evaluation for `sustain` (burn-rate
    alerts need no sustain: their long window is one); it goes down once the level has been lower
    at every evaluation for `recover_after`. A gap longer than `max_gap` between evaluations
    starts the runs again: time nobody looked at does not count as "held"."""
    if verdict is None:
        unknown_since = tracker.unknown_since or now
        return replace(
            tracker,
            state=SloState.UNKNOWN,
            since=(tracker.since or now) if tracker.state is SloState.UNKNOWN else now,
            degraded_since=None,
            outage_since=None,
            lower_since=None,
            unknown_since=unknown_since,
            unknown_paged=page_if_unknown
            and (tracker.unknown_paged or now - unknown_since >= policy.unknown_page_after),
            last_evaluated=now,
            reason=reason,
        )
    fresh = tracker.last_evaluated is None or now - tracker.last_evaluated > policy.max_gap
    degraded_since = _run(verdict.degraded, tracker.degraded_since, now, fresh)
    outage_since = _run(verdict.outage, tracker.outage_since, now, fresh)
    if outage_since is not None and now - outage_since >= policy.sustain:
        sustained = SloState.OUTAGE
    elif (degraded_since is not None and now - degraded_since >= policy.sustain) or (
        verdict.fast_burn or verdict.slow_burn
    ):
        sustained = SloState.DEGRADED
    else:
        sustained = SloState.HEALTHY
    current = tracker.known_state
    lower_since: datetime | None = None
    if sustained.rank > current.rank:
        current = sustained
    elif verdict.instant_level.rank < current.rank:
        lower_since = _run(True, tracker.lower_since, now, fresh)
        assert lower_since is not None
        if now - lower_since >= policy.recover_after:
            current, lower_since = max(verdict.instant_level, sustained, key=lambda s: s.rank), None
    changed = current is not tracker.state
    return Tracker(
        state=current,
        since=now if changed or tracker.since is None else tracker.since,
        known_state=current,
        degraded_since=degraded_since,
        outage_since=outage_since,
        lower_since=lower_since,
        unknown_since=None,
        unknown_paged=False,
        last_evaluated=now,
        reason=reason,
    )


# ---- what a state means for the incident ----------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    status: Status
    severity: Severity | None


def suggest(state: SloState, breaching: tuple[Indicator, ...]) -> Suggestion | None:
    """The incident status and severity a state suggests (PROCESS.md §7/§8): an outage is a
    Service Disruption; errors above the SLO violate it for part of the users (Partial Service
    Disruption); slowness alone is Degraded Performance."""
    if state is SloState.OUTAGE:
        return Suggestion(Status.SERVICE_DISRUPTION, Severity.S1)
    if state is SloState.DEGRADED:
        if Indicator.ERROR_RATIO in breaching:
            return Suggestion(Status.PARTIAL_SERVICE_DISRUPTION, Severity.S2)
        return Suggestion(Status.DEGRADED_PERFORMANCE, Severity.S3)
    if state is SloState.HEALTHY:
        return Suggestion(Status.OPERATIONAL, None)
    return None


def budget_remaining(slo: float, error_ratio_30d: float | None) -> float | None:
    """Share of the 30-day error budget left (1.0 untouched, 0 spent, negative overspent)."""
    if error_ratio_30d is None:
        return None
    return 1 - error_ratio_30d / (1 - slo)
