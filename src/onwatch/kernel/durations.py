"""Durations written with units, as in the configuration: `30s`, `15m`, `8h`, `7d`, `1w`, `1h30m`."""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d+)([smhdw])")


def parse_duration(text: str) -> timedelta:
    """Parse `15m`-style text; raises ValueError with a message fit for a config error."""
    cleaned = text.strip().lower().replace(" ", "")
    if not cleaned:
        raise ValueError("empty duration; write it with a unit, e.g. 15m, 30s, 8h")
    pos = 0
    seconds = 0
    for match in _PART.finditer(cleaned):
        if match.start() != pos:
            break
        seconds += int(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if pos != len(cleaned):
        raise ValueError(f"invalid duration {text!r}; write it with a unit, e.g. 15m, 30s, 8h, 7d")
    return timedelta(seconds=seconds)


def format_duration(delta: timedelta) -> str:
    """The shortest unit form of a duration: 900s -> `15m`, 5400s -> `1h30m`."""
    total = int(delta.total_seconds())
    if total == 0:
        return "0s"
    parts: list[str] = []
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if total >= size:
            count, total = divmod(total, size)
            parts.append(f"{count}{unit}")
    return "".join(parts)
