"""Server memory during a scenario: the resident set size of a process, sampled from /proc."""

from __future__ import annotations

import statistics
import threading
import time
from pathlib import Path


def rss_mib(pid: int) -> float | None:
    """The process's resident set (VmRSS) in MiB; None once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


class RssSampler:
    """Samples a process's RSS every `every` seconds on a daemon thread, into `samples`
    ((seconds since start, MiB))."""

    def __init__(self, pid: int, every: float = 1.0) -> None:
        self.pid = pid
        self.every = every
        self.samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        started = time.monotonic()
        while not self._stop.is_set():
            mib = rss_mib(self.pid)
            if mib is not None:
                self.samples.append((time.monotonic() - started, mib))
            self._stop.wait(self.every)

    @property
    def peak(self) -> float:
        return max((m for _, m in self.samples), default=0.0)

    def thirds(self, warmup: float) -> tuple[float, float]:
        """Median RSS of the first and of the last third of the samples taken after `warmup` seconds."""
        after = [m for t, m in self.samples if t >= warmup]
        if len(after) < 3:
            raise AssertionError(f"only {len(after)} memory samples after the warm-up")
        third = len(after) // 3
        return statistics.median(after[:third]), statistics.median(after[-third:])
