"""SLO maths (PROCESS.md §8): burn-rate lines with the published numbers, the multi-window rule,
and the suggested status."""

from __future__ import annotations

from datetime import timedelta

import pytest

from onwatch.kernel.enums import Severity, Status
from onwatch.slo.domain import (
    Indicator,
    Measurement,
    Objectives,
    Rates,
    Sli,
    SloState,
    apdex_threshold,
    budget_remaining,
    error_threshold,
    judge,
    suggest,
)

M = timedelta(minutes=1)


@pytest.mark.parametrize(
    ("slo", "factor", "expected"),
    [
        (0.9995, 14.4, 0.0072),  # PROCESS.md §8: 1h error threshold for SLO 0.9995
        (0.9995, 6.0, 0.003),  # ... and the 6h one
        (0.9999, 14.4, 0.00144),
        (0.999, 6.0, 0.006),
        (0.995, 14.4, 0.072),
    ],
)
def test_error_ratio_lines_are_factor_times_the_budget(slo: float, factor: float, expected: float) -> None:
    assert error_threshold(slo, factor) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("slo", "factor", "expected"),
    [
        (0.9995, 14.4, 0.9928),  # the mirrored Apdex lines for an Apdex SLO of 0.9995
        (0.9995, 6.0, 0.997),
        (0.998, 14.4, 0.9712),
        (0.997, 6.0, 0.982),
    ],
)
def test_apdex_lines_mirror_the_error_lines(slo: float, factor: float, expected: float) -> None:
    assert apdex_threshold(slo, factor) == pytest.approx(expected)


def test_thresholds_of_a_service() -> None:
    lines = Objectives(apdex=0.9995, error_ratio=0.9995).thresholds()
    assert lines["error_ratio"] == pytest.approx({"slo": 0.0005, "degradation": 0.003, "outage": 0.0072})
    assert lines["apdex"] == pytest.approx({"slo": 0.9995, "degradation": 0.997, "outage": 0.9928})
    assert Objectives(error_ratio=0.999, outage_line=0.05).outage_error_line == 0.05


def sli(window: timedelta, error_ratio: float = 0.0, apdex: float = 1.0, rate: float = 10.0) -> Sli:
    return Sli(window, rate, error_ratio, apdex)


def measured(
    condition: float = 0.0,
    *,
    w5m: float = 0.0,
    w30m: float = 0.0,
    w1h: float = 0.0,
    w6h: float = 0.0,
    apdex: float = 1.0,
    rate: float = 10.0,
) -> Measurement:
    windows = {5 * M: w5m, 30 * M: w30m, 60 * M: w1h, 360 * M: w6h}
    return Measurement(
        condition=sli(M, condition, apdex, rate),
        windows={w: sli(w, e, rate=rate) for w, e in windows.items()},
    )


GIT = Objectives(apdex=0.998, error_ratio=0.9995)


@pytest.mark.parametrize(
    ("name", "m", "degraded", "outage", "fast", "slow"),
    [
        ("all good", measured(), False, False, False, False),
        ("errors above the SLO", measured(0.001), True, False, False, False),
        ("errors above the outage line", measured(0.01), True, True, False, False),
        ("slow requests", measured(apdex=0.99), True, False, False, False),
        ("1h and 5m above 14.4x: fast burn", measured(w5m=0.008, w1h=0.0073), False, False, True, False),
        ("only 5m above 14.4x: no fast burn", measured(w5m=0.05, w1h=0.0071), False, False, False, False),
        ("6h and 30m above 6x: slow burn", measured(w30m=0.0031, w6h=0.0031), False, False, False, True),
        ("only 6h above 6x: no slow burn", measured(w30m=0.0029, w6h=0.01), False, False, False, False),
        (
            "below 1 request/s nothing counts",
            measured(0.5, w5m=0.5, w1h=0.5, rate=0.9),
            False,
            False,
            False,
            False,
        ),
    ],
)
def test_judge(name: str, m: Measurement, degraded: bool, outage: bool, fast: bool, slow: bool) -> None:
    v = judge(GIT, m)
    assert (v.degraded, v.outage, v.fast_burn, v.slow_burn) == (degraded, outage, fast, slow), name


def test_apdex_burn_is_mirrored() -> None:
    windows = {w: Sli(w, 10.0, 0.0, 0.99) for w in (5 * M, 30 * M, 60 * M, 360 * M)}
    v = judge(Objectives(apdex=0.9995), Measurement(Sli(M, 10.0, 0.0, 1.0), windows))
    assert v.fast_burn and v.slow_burn and v.breaching == (Indicator.APDEX,)


def test_slis_from_rates_and_counts() -> None:
    s = Sli.of(M, Rates(requests=10, errors=1, satisfied=8, tolerated=1))
    assert s.error_ratio == pytest.approx(0.1) and s.apdex == pytest.approx(0.85)
    quiet = Sli.of_counts(5 * M, 0, 0, 0, 0)
    assert quiet.error_ratio is None and quiet.apdex is None and quiet.request_rate == 0
    with pytest.raises(ValueError, match="errors must be a finite number"):
        Rates(requests=1, errors=float("nan"))


@pytest.mark.parametrize(
    ("state", "breaching", "status", "severity"),
    [
        (SloState.OUTAGE, (Indicator.ERROR_RATIO,), Status.SERVICE_DISRUPTION, Severity.S1),
        (SloState.DEGRADED, (Indicator.ERROR_RATIO,), Status.PARTIAL_SERVICE_DISRUPTION, Severity.S2),
        (SloState.DEGRADED, (Indicator.APDEX,), Status.DEGRADED_PERFORMANCE, Severity.S3),
        (SloState.HEALTHY, (), Status.OPERATIONAL, None),
    ],
)
def test_suggested_status_and_severity(
    state: SloState, breaching: tuple[Indicator, ...], status: Status, severity: Severity | None
) -> None:
    suggestion = suggest(state, breaching)
    assert suggestion is not None and (suggestion.status, suggestion.severity) == (status, severity)
    assert suggest(SloState.UNKNOWN, ()) is None


def test_remaining_budget() -> None:
    assert budget_remaining(0.9995, 0.0) == 1.0
    assert budget_remaining(0.9995, 0.00025) == pytest.approx(0.5)
    assert budget_remaining(0.9995, 0.001) == pytest.approx(-1.0)
    assert budget_remaining(0.9995, None) is None
