"""Bounded caches, from cachetools: every cache in onwatch has a size limit, so no stream of distinct
keys (URLs, tokens, client addresses) can grow a process's memory without bound."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from cachetools import TTLCache

V = TypeVar("V")


class SharedTTLCache(Generic[V]):
    """A cachetools TTLCache behind a lock, for caches that request threads share (cachetools'
    caches are not thread-safe). At `maxsize` the least recently used entry makes room."""

    def __init__(
        self, ttl: float, maxsize: int = 10_000, timer: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.maxsize = maxsize
        self._entries: TTLCache[str, V] = TTLCache(maxsize=maxsize, ttl=ttl, timer=timer)
        self._lock = threading.Lock()

    def get(self, key: str) -> V | None:
        with self._lock:
            return self._entries.get(key)

    def put(self, key: str, value: V) -> None:
        with self._lock:
            self._entries[key] = value

    def forget_all(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
