"""A small Prometheus HTTP API client: instant queries (`/api/v1/query`) at an explicit time."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx


class PrometheusError(Exception):
    """Prometheus could not be reached, timed out, or refused the query (the message says which)."""


@dataclass(frozen=True)
class Series:
    labels: dict[str, str]
    value: float


class PrometheusClient:
    """Thread-safe (one pooled httpx client); every call has a timeout."""

    def __init__(self, url: str, timeout: timedelta, *, max_connections: int = 16) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout.total_seconds()
        self._http = httpx.Client(
            base_url=self.url,
            timeout=httpx.Timeout(self.timeout),
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
        )

    def query(self, promql: str, at: datetime) -> list[Series]:
        """An instant vector at `at`. Scalars come back as one series without labels."""
        data = {"query": promql, "time": f"{at.timestamp():.3f}", "timeout": f"{self.timeout:g}s"}
        try:
            response = self._http.post("/api/v1/query", data=data)
        except httpx.TimeoutException:
            raise PrometheusError(
                f"Prometheus at {self.url} did not answer within {self.timeout:g}s"
            ) from None
        except httpx.HTTPError as exc:
            raise PrometheusError(f"Prometheus at {self.url} is unreachable: {exc}") from None
        try:
            body = response.json()
        except ValueError:
            raise PrometheusError(
                f"Prometheus at {self.url} answered HTTP {response.status_code} without JSON"
            ) from None
        if not isinstance(body, dict) or body.get("status") != "success":
            kind = body.get("errorType", "error") if isinstance(body, dict) else "error"
            message = body.get("error", "") if isinstance(body, dict) else ""
            raise PrometheusError(f"Prometheus refused the query ({kind}): {message}".rstrip(": "))
        return _series(body.get("data") or {})

    def close(self) -> None:
        self._http.close()


def _series(data: dict[str, object]) -> list[Series]:
    kind, result = data.get("resultType"), data.get("result")
    if kind == "scalar" and isinstance(result, list):
        return [Series({}, _number(result[1]))]
    if kind != "vector" or not isinstance(result, list):
        raise PrometheusError(f"expected an instant vector, Prometheus returned {kind!r}")
    out = []
    for item in result:
        if isinstance(item, dict):
            metric = item.get("metric") or {}
            value = item.get("value") or [0, "NaN"]
            out.append(Series({str(k): str(v) for k, v in dict(metric).items()}, _number(value[1])))
    return out


def _number(text: object) -> float:
    try:
        value = float(str(text))
    except ValueError:
        return math.nan
    return value
