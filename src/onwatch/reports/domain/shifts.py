"""Incidents per on-call shift against the Google SRE bound.

The SRE book ("Being On-Call") holds an on-call engineer to at most two incidents per 12-hour
shift: time to handle each one well, and to write it up. onwatch counts the incidents declared while
a person held the EOC role and divides by their EOC time in 12-hour shifts, so 8-hour rotations and
weekly ones compare on one scale; a 12-hour window of the range with more than two is over the bound.
"""

from __future__ import annotations

from datetime import timedelta

SHIFT = timedelta(hours=12)
SRE_BOUND = 2


def per_shift(incidents: int, on_call: timedelta) -> float | None:
    """Incidents per 12 hours of on-call time; None for someone never on call."""
    if on_call <= timedelta(0):
        return None
    return incidents * SHIFT / on_call
