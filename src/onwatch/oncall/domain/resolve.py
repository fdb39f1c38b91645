"""Resolve schedules into final shifts: layers stacked, overrides on top; who is on call; gaps."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from onwatch.oncall.domain.schedules import Override, Schedule, Shift


def overlay(lower: Sequence[Shift], upper: Sequence[Shift]) -> list[Shift]:
    """`upper` wins wherever it has a shift; `lower` shows through elsewhere.

    Both inputs are sorted and non-overlapping; so is the result.
    """
    out: list[Shift] = []
    j = 0
    for s in lower:
        cursor = s.start
        while j < len(upper) and upper[j].end <= cursor:
            j += 1
        k = j
        while k < len(upper) and upper[k].start < s.end:
            if upper[k].start > cursor:
                out.append(Shift(cursor, upper[k].start, s.person, s.source))
            cursor = max(cursor, upper[k].end)
            k += 1
        if cursor < s.end:
            out.append(Shift(cursor, s.end, s.person, s.source))
    out.extend(upper)
    out.sort(key=lambda x: x.start)
    return out


def merge_adjacent(shifts: Iterable[Shift]) -> list[Shift]:
    """Join touching shifts of the same person from the same source into one."""
    out: list[Shift] = []
    for s in shifts:
        if out and out[-1].end == s.start and out[-1].person == s.person and out[-1].source == s.source:
            out[-1] = Shift(out[-1].start, s.end, s.person, s.source)
        else:
            out.append(s)
    return out


def _override_layer(overrides: Sequence[Override], start: datetime, end: datetime) -> list[Shift]:
    """Overrides as one top layer; where two overlap, the one created later (higher id) wins."""
    ordered = sorted(overrides, key=lambda o: (o.id is None, o.id or 0))
    result: list[Shift] = []
    for o in ordered:
        lo, hi = max(o.start, start), min(o.end, end)
        if lo < hi:
            result = overlay(result, [Shift(lo, hi, o.person, o.source)])
    return result


def resolve(schedule: Schedule, overrides: Sequence[Override], start: datetime, end: datetime) -> list[Shift]:
    """The final shifts of `schedule` in [start, end), clipped to it, sorted, never overlapping."""
    if end <= start:
        return []
    final: list[Shift] = []
    for layer in schedule.layers:
        final = overlay(final, layer.shifts(start, end))
    final = overlay(final, _override_layer(overrides, start, end))
    return merge_adjacent(final)


@dataclass(frozen=True)
class OnCall:
    """Who is on call at an instant, why, until when, and who comes next."""

    at: datetime
    shift: Shift | None
    next: Shift | None


def _windows(limit: timedelta) -> list[timedelta]:
    """Growing look-ups (2 days, 8 days, the limit): most answers need only the first."""
    return [w for w in (timedelta(days=2), timedelta(days=8)) if w < limit] + [limit]


def on_call_at(
    schedule: Schedule, overrides: Sequence[Override], at: datetime, horizon: timedelta = timedelta(days=35)
) -> OnCall:
    """The shift covering `at`, merged with its continuation, and the next shift of someone else.

    The search looks at most `horizon` ahead and behind; a shift end or start beyond it is capped.
    """
    for window in _windows(horizon):
        shifts = resolve(schedule, overrides, at, at + window)
        current = shifts[0] if shifts and shifts[0].start == at else None
        rest = shifts[1:] if current else shifts
        if current is not None:
            # pieces of the same person's turn from another layer or an override continue it
            while rest and rest[0].start == current.end and rest[0].person == current.person:
                current = Shift(current.start, rest[0].end, current.person, current.source)
                rest = rest[1:]
        nxt = next((s for s in rest if current is None or s.person != current.person), None)
        if nxt is not None and (current is None or current.end < at + window):
            break
    if current is not None:
        current = Shift(_shift_start(schedule, overrides, current, at, horizon), current.end, current.person,
                        current.source)  # fmt: skip
    return OnCall(at=at, shift=current, next=nxt)


def _shift_start(
    schedule: Schedule, overrides: Sequence[Override], current: Shift, at: datetime, limit: timedelta
) -> datetime:
    """Walk back to where the current person's turn really began (at most `limit` back)."""
    start = current.start
    for window in _windows(limit):
        earlier = resolve(schedule, overrides, at - window, at + timedelta(seconds=1))
        start = current.start
        for s in reversed(earlier):
            if s.person != current.person:
                return start
            if s.start <= at < s.end or s.end == start:
                start = min(start, s.start)
            else:
                return start
    return start


def gaps(shifts: Sequence[Shift], start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """Time ranges in [start, end) that no shift covers."""
    out: list[tuple[datetime, datetime]] = []
    cursor = start
    for s in shifts:
        if s.start > cursor:
            out.append((cursor, min(s.start, end)))
        cursor = max(cursor, s.end)
    if cursor < end:
        out.append((cursor, end))
    return out
