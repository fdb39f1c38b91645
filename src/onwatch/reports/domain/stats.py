"""Summary statistics as the reports define them: n, mean, and nearest-rank percentiles.

Nearest rank (the value at rank ceil(p/100 * n) of the sorted values) is what PagerDuty's and
Opsgenie's analytics show and what a person computes by hand from a sorted list; it is always one
of the observed values, so SQLite and PostgreSQL agree on it exactly (the SQL picks the same row).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Summary:
    n: int
    mean: float | None
    p50: float | None
    p90: float | None


def nearest_rank(sorted_values: Sequence[float], percent: int) -> float | None:
    if not sorted_values:
        return None
    rank = max(1, -(-percent * len(sorted_values) // 100))  # ceil without floats
    return sorted_values[rank - 1]


def summarise(values: Sequence[float]) -> Summary:
    ordered = sorted(values)
    if not ordered:
        return Summary(0, None, None, None)
    return Summary(
        len(ordered), sum(ordered) / len(ordered), nearest_rank(ordered, 50), nearest_rank(ordered, 90)
    )


def gini(values: Sequence[float]) -> float | None:
    """How unevenly a load is shared: 0 when everyone carries the same, towards 1 when one person
    carries it all (the Gini coefficient, mean absolute difference over twice the mean)."""
    if not values:
        return None
    total = sum(values)
    if total == 0:
        return 0.0
    n = len(values)
    ordered = sorted(values)
    weighted = sum((i + 1) * v for i, v in enumerate(ordered))
    return (2 * weighted) / (n * total) - (n + 1) / n
