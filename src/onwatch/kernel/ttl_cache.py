"""A small thread-safe cache whose entries expire: for lookups many requests repeat (API tokens,
integration keys) where a few seconds of staleness is acceptable and documented."""

from __future__ import annotations

import threading
import time
from typing import Generic, TypeVar

V = TypeVar("V")


class TtlCache(Generic[V]):
    def __init__(self, ttl: float, max_entries: int = 10_000) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[str, tuple[float, V]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> V | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, key: str, value: V) -> None:
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()  # crude but bounded; entries come back on the next lookup
            self._entries[key] = (time.monotonic() + self.ttl, value)

    def forget_all(self) -> None:
        with self._lock:
            self._entries.clear()
