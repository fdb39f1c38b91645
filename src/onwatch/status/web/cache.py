"""A short-TTL cache of the status page's read model and of each rendered representation, with
strong ETags: under load one request per TTL period reads the database; the others get bytes from
memory (or 304 Not Modified). Bounded: at most `max_entries` representations are kept (the least
recently used makes room), however many distinct URLs are asked for."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from cachetools import LRUCache
from starlette.concurrency import run_in_threadpool

from onwatch.status.web.model import StatusModel


@dataclass(frozen=True)
class Rendered:
    body: bytes
    etag: str
    media_type: str


MAX_ENTRIES = 512  # the fixed pages and feeds, and one page per incident of the last 90 days


class StatusCache:
    def __init__(
        self, build: Callable[[], StatusModel], ttl: float = 5.0, max_entries: int = MAX_ENTRIES
    ) -> None:
        self.build = build
        self.ttl = ttl
        self._model: StatusModel | None = None
        self._built = 0.0
        self._generation = 0
        # touched only on the event loop (renders run in threads, their results are stored here)
        self._rendered: LRUCache[str, tuple[int, Rendered]] = LRUCache(maxsize=max_entries)
        self._lock = asyncio.Lock()

    async def model(self) -> tuple[int, StatusModel]:
        if self._model is not None and time.monotonic() - self._built < self.ttl:
            return self._generation, self._model
        async with self._lock:  # one rebuild at a time; the others wait for it, then use it
            if self._model is None or time.monotonic() - self._built >= self.ttl:
                self._model = await run_in_threadpool(self.build)
                self._built = time.monotonic()
                self._generation += 1
            return self._generation, self._model

    async def get(self, key: str, media_type: str, render: Callable[[StatusModel], str | bytes]) -> Rendered:
        generation, model = await self.model()
        cached = self._rendered.get(key)
        if cached is not None and cached[0] == generation:
            return cached[1]
        body = await run_in_threadpool(render, model)
        data = body.encode() if isinstance(body, str) else body
        rendered = Rendered(data, f'"{hashlib.sha256(data).hexdigest()[:32]}"', media_type)
        self._rendered[key] = (generation, rendered)
        return rendered

    def __len__(self) -> int:
        """How many rendered representations are kept."""
        return len(self._rendered)
