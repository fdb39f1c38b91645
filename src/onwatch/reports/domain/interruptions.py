"""Interruptions: notifications to one person, with those close together counted once.

PagerDuty counts an interruption per notification, except that notifications reaching the same
person within a short window count as one (a phone call and an SMS for the same page are one
interruption). onwatch's window is 60 seconds, measured from the previous notification, so a burst
of pages every 30 s is one interruption however long it lasts: the person was never left alone for
a minute. The SQL in reports/store/load.py counts the same way (LAG over each person's pages).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

WINDOW = timedelta(seconds=60)


def interruption_starts(times: Iterable[datetime], window: timedelta = WINDOW) -> list[datetime]:
    """The notifications that begin an interruption: the first, and each one more than `window`
    after the notification before it."""
    starts: list[datetime] = []
    previous: datetime | None = None
    for at in sorted(times):
        if previous is None or at - previous > window:
            starts.append(at)
        previous = at
    return starts
