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


def _at(spans: Sequence[Span], lo: datetime, hi: datetime) -> frozenset[str]:
    return frozenset(s.person for s in spans if s.start < hi and lo < s.end)


def differences(
    schedule: str, expected: Sequence[Span], onwatch: Sequence[Span], start: datetime, end: datetime
) -> list[Difference]:
    """Every range in [start, end) where the two disagree on who is on call, adjacent ranges with
    the same disagreement merged."""
    points = sorted(
        {start, end} | {t for s in (*expected, *onwatch) for t in (s.start, s.end) if start < t < end}
    )
    out: list[Difference] = []
    for lo, hi in itertools.pairwise(points):
        want, got = _at(expected, lo, hi), _at(onwatch, lo, hi)
        if want == got:
            continue
        if out and out[-1].end == lo and (out[-1].expected, out[-1].onwatch) == (want, got):
            out[-1] = Difference(schedule, out[-1].start, hi, want, got)
        else:
            out.append(Difference(schedule, lo, hi, want, got))
    return out
