"""Time restrictions as onwatch layer windows: spans of a week, cut at midnights (pure)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

WEEK_MINUTES = 7 * 1440
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# onwatch keeps a shift that divides a day on the wall clock (08:00, 16:00, 00:00 every local day);
# the sources count hourly turns in real hours
HOURLY_DST = (
    "hourly turns in a zone with DST: onwatch hands over at the same wall times, so on the two DST "
    "days a turn is an hour longer or shorter than the source's"
)


def has_dst(zone: str) -> bool:
    """Whether `zone` moves its clocks (its UTC offset differs between January and July)."""
    tz = ZoneInfo(zone)
    offsets = {datetime(2027, month, 1, tzinfo=UTC).astimezone(tz).utcoffset() for month in (1, 7)}
    return len(offsets) > 1


def _hhmm(minutes: int) -> str:
    minutes %= 1440
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def week_windows(spans: list[tuple[int, int]]) -> list[dict[str, Any]]:
    """(start minute of the week, Monday 00:00 = 0; length in minutes) spans as onwatch windows,
    each at most a day long; windows with the same hours on several days are one window. A span
    may wrap past Sunday midnight; overlapping spans are joined."""
    covered = [False] * WEEK_MINUTES
    for start, length in spans:
        for m in range(start, start + min(length, WEEK_MINUTES)):
            covered[m % WEEK_MINUTES] = True
    pieces: list[tuple[int, int]] = []
    for day in range(7):
        m, end = day * 1440, (day + 1) * 1440
        while m < end:
            if not covered[m]:
                m += 1
                continue
            begin = m
            while m < end and covered[m]:
                m += 1
            pieces.append((begin, m - begin))
    grouped: dict[tuple[str, str], list[int]] = defaultdict(list)
    for start, length in pieces:
        grouped[(_hhmm(start), _hhmm(start + length))].append(start // 1440)
    return [
        {"from": since, "to": "24:00" if until == "00:00" else until, "days": [DAYS[d] for d in days]}
        for (since, until), days in sorted(grouped.items(), key=lambda kv: (min(kv[1]), kv[0]))
    ]
