"""Driving SLO detection with pushed samples and the fake clock: a sample every 30 s (what the last
30 s served), then the engine runs what came due (the evaluation, its alerts, the pages)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from tests.paging_helpers import PagingBench

STEP = timedelta(seconds=30)
REQUESTS = 240  # per 30 s: 8 requests/s, well above the 1 request/s minimum


def sample(
    bench: PagingBench, service: str, errors: float = 0, slow: float = 0, **extra: Any
) -> dict[str, Any]:
    return {
        "service": service,
        "at": bench.clock.now().isoformat(),
        "requests": REQUESTS,
        "errors": errors,
        "satisfied": REQUESTS - errors - slow,
        "tolerated": 0,
        **extra,
    }


def load_history(bench: PagingBench, client: httpx.Client, service: str, hours: float = 6) -> None:
    """`hours` of healthy traffic before now, so every window has a full history."""
    now = bench.clock.now()
    steps = int(timedelta(hours=hours) / STEP)
    samples = []
    for i in range(steps, 0, -1):
        at = now - i * STEP
        samples.append(
            {
                "service": service,
                "at": at.isoformat(),
                "requests": REQUESTS,
                "errors": 0,
                "satisfied": REQUESTS,
                "tolerated": 0,
            }
        )
    response = client.post("/api/v1/slo/samples", json={"samples": samples})
    assert response.status_code == 202, response.text


def run(
    bench: PagingBench, client: httpx.Client, service: str, minutes: float, errors: float = 0, slow: float = 0
) -> None:
    """`minutes` of traffic with `errors` (and `slow`, neither satisfied nor tolerated) per 30 s."""
    for _ in range(round(minutes * 2)):
        bench.clock.advance(STEP)
        response = client.post("/api/v1/slo/samples", json=sample(bench, service, errors, slow))
        assert response.status_code == 202, response.text
        bench.worker.run_once()


def slo(client: httpx.Client, service: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/services/{service}/slo")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def slo_groups(client: httpx.Client) -> list[dict[str, Any]]:
    groups: list[dict[str, Any]] = client.get("/api/v1/alert-groups").json()
    return [g for g in groups if g["integration"] == "slo"]
