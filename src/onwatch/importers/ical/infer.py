"""The rotation behind a feed's occurrences (pure): the usual shift length and handoff step on the
zone's wall clock, the members' cycle by slot, and windows when shifts do not touch. What the
rotation does not explain becomes overrides (see run.py)."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from onwatch.importers.report import SourceError
from onwatch.importers.windows import week_windows

DAY = timedelta(days=1)
MAX_MEMBERS = 20
# below this share of slots in agreement, the feed is not one rotation
AGREEMENT = 0.8


def _mode(values: Sequence[Any]) -> Any:
    return Counter(values).most_common(1)[0][0]


def _shift(step: timedelta) -> str:
    seconds = int(step.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds // 60}m"


def infer_layer(
    schedule: str, occurrences: Sequence[tuple[datetime, datetime, str]], zone: ZoneInfo
) -> dict[str, Any]:
    """An onwatch layer for (start, end, person) occurrences, sorted by start; SourceError naming
    `schedule` when no rotation onwatch can express explains most of them."""
    if not occurrences:
        raise SourceError(f"schedule {schedule!r}: the feed has no events in the coming 90 days")
    local = [(s.astimezone(zone).replace(tzinfo=None), e.astimezone(zone).replace(tzinfo=None), p)
             for s, e, p in occurrences]  # fmt: skip
    length = _mode([e - s for s, e, _ in local])
    steps = [b[0] - a[0] for a, b in itertools.pairwise(local) if b[0] > a[0]]
    step = _mode(steps) if steps else length
    if step < timedelta(hours=1) or step.total_seconds() % 60 or length > step:
        raise SourceError(
            f"schedule {schedule!r}: shifts of {length} every {step} cannot be an onwatch rotation "
            "(shifts of at least an hour, whole minutes, one at a time)"
        )
    origin = local[0][0]
    slots = [((s - origin) // step, p) for s, _, p in local if (s - origin) % step == timedelta(0)]
    best: list[str] | None = None
    for k in range(1, min(MAX_MEMBERS, len(slots)) + 1):
        cycle = [_mode([p for n, p in slots if n % k == r] or [""]) for r in range(k)]
        agree = sum(cycle[n % k] == p for n, p in slots)
        if agree >= AGREEMENT * len(local):
            best = cycle
            break
    if best is None or "" in best:
        raise SourceError(
            f"schedule {schedule!r}: its people do not take turns in a cycle of at most {MAX_MEMBERS} "
            "(onwatch would need more overrides than rotation)"
        )
    layer: dict[str, Any] = {
        "name": "iCalendar",
        "rotation": {
            "members": best,
            "shift": _shift(step),
            "handoff": origin.strftime("%H:%M"),
            "timezone": zone.key,
            "start": origin.date().isoformat(),
        },
    }
    if zone.key != "UTC":  # a calendar's event in the skipped hour starts an hour later too
        layer["rotation"]["allow_dst_gap"] = True
    if length < step:
        minutes = int(length.total_seconds() // 60)
        first = origin.weekday() * 1440 + origin.hour * 60 + origin.minute
        if step == DAY:
            layer["windows"] = week_windows([((first + d * 1440) % (7 * 1440), minutes) for d in range(7)])
        elif step == 7 * DAY:
            layer["windows"] = week_windows([(first, minutes)])
        else:
            raise SourceError(
                f"schedule {schedule!r}: shifts of {length} every {step}, with gaps between them: onwatch "
                "windows repeat daily or weekly"
            )
    return layer
