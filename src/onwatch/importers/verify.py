"""Compare, shift by shift, who the source says is on call with who onwatch resolves (pure)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Span:
    start: datetime
    end: datetime
    person: str


@dataclass(frozen=True)
class Difference:
    schedule: str
    start: datetime
    end: datetime
    expected: frozenset[str]
    onwatch: frozenset[str]

    def __str__(self) -> str:
        def who(people: frozenset[str]) -> str:
            return ", ".join(sorted(people)) or "nobody"

        return (
            f"{self.schedule} {self.start.isoformat()} - {self.end.isoformat()}: "
            f"source has {who(self.expected)}, onwatch has {who(self.onwatch)}"
        )


def _per_range(spans: Sequence[Span], points: Sequence[datetime]) -> list[frozenset[str]]:
    """Who is on call in each range between consecutive `points` (every span's start and end
    inside the window is one of them), in one pass over the spans."""
    index = {t: i for i, t in enumerate(points)}
    found: list[set[str]] = [set() for _ in points[1:]]
    for s in spans:
        lo, hi = max(s.start, points[0]), min(s.end, points[-1])
        for i in range(index[lo], index[hi]) if lo < hi else ():
            found[i].add(s.person)
    return [frozenset(people) for people in found]


def differences(
    schedule: str, expected: Sequence[Span], onwatch: Sequence[Span], start: datetime, end: datetime
) -> list[Difference]:
    """Every range in [start, end) where the two disagree on who is on call, adjacent ranges with
    the same disagreement merged."""
    points = sorted(
        {start, end} | {t for s in (*expected, *onwatch) for t in (s.start, s.end) if start < t < end}
    )
    out: list[Difference] = []
    ranges = zip(
        itertools.pairwise(points), _per_range(expected, points), _per_range(onwatch, points), strict=True
    )
    for (lo, hi), want, got in ranges:
        if want == got:
            continue
        if out and out[-1].end == lo and (out[-1].expected, out[-1].onwatch) == (want, got):
            out[-1] = Difference(schedule, out[-1].start, hi, want, got)
        else:
            out.append(Difference(schedule, lo, hi, want, got))
    return out
