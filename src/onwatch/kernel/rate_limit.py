"""Counting attempts per key (an account, a client address) in fixed windows, on the injected clock.

A key that used up its `limit` within `window` (counted from its first attempt) is refused until that
window has passed; then it starts afresh. The keys live in a bounded LRU cache (cachetools): a flood of
distinct keys forgets the oldest instead of growing memory. State is per process: with N server
processes a client gets at most N times the limit.
"""

from __future__ import annotations

import ipaddress
import math
import threading
from datetime import datetime, timedelta

from cachetools import LRUCache

from onwatch.kernel.clock import Clock


class RateLimiter:
    def __init__(self, clock: Clock, limit: int, window: timedelta, max_keys: int = 50_000) -> None:
        if limit < 1:
            raise ValueError("a rate limit allows at least one attempt")
        self.clock = clock
        self.limit = limit
        self.window = window
        self._windows: LRUCache[str, tuple[datetime, int]] = LRUCache(maxsize=max_keys)
        self._lock = threading.Lock()  # sign-ins count from a thread pool

    def retry_after(self, key: str) -> int | None:
        """Whole seconds until `key` may try again, or None when it may try now (counts nothing)."""
        with self._lock:
            return self._wait(key, self.clock.now())

    def count(self, key: str) -> None:
        """One attempt by `key` (for sign-in: one failure), allowed or not."""
        with self._lock:
            self._count(key, self.clock.now())

    def take(self, key: str) -> int | None:
        """Count an attempt if `key` may make one now (None); else the seconds it must wait."""
        with self._lock:
            now = self.clock.now()
            wait = self._wait(key, now)
            if wait is None:
                self._count(key, now)
            return wait

    def _current(self, key: str, now: datetime) -> tuple[datetime, int]:
        found = self._windows.get(key)
        if found is None or now - found[0] >= self.window:
            return now, 0
        return found

    def _wait(self, key: str, now: datetime) -> int | None:
        start, used = self._current(key, now)
        if used < self.limit:
            return None
        return max(1, math.ceil((start + self.window - now).total_seconds()))

    def _count(self, key: str, now: datetime) -> None:
        start, used = self._current(key, now)
        self._windows[key] = (start, used + 1)

    def refund(self, key: str) -> None:
        """Give back an attempt `take` counted (for sign-in: it turned out to be a success)."""
        with self._lock:
            start, used = self._current(key, self.clock.now())
            if used > 0:
                self._windows[key] = (start, used - 1)

    def __len__(self) -> int:
        return len(self._windows)


def client_key(host: str | None) -> str:
    """The address a client is counted under: IPv4 as it is, IPv6 by its /64 (which one subscriber
    usually holds whole)."""
    if not host:
        return "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def in_words(seconds: int) -> str:
    """'40 seconds', '1 minute', '15 minutes', '3 hours': how long to wait, for a person."""
    if seconds < 60:
        return f"{seconds} seconds"
    minutes = -(-seconds // 60)
    if minutes < 120:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{-(-minutes // 60)} hours"
