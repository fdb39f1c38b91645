"""A JSON-over-HTTPS reader shared by the importers: one auth header, 429/5xx retried after the
server's Retry-After (else exponential backoff), a refused token and an unreachable URL as clear
messages naming the source."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from onwatch.importers.report import SourceError

MAX_RETRIES = 5
MAX_RETRY_AFTER = 60.0


def retry_after(response: httpx.Response, attempt: int) -> float:
    """Seconds to wait before retrying: the server's Retry-After, else exponential backoff."""
    value = response.headers.get("Retry-After")
    try:
        seconds = float(value) if value is not None else 2.0**attempt
    except ValueError:
        seconds = 2.0**attempt
    return max(0.0, min(seconds, MAX_RETRY_AFTER))


class JsonSource:
    """GET JSON objects from one API. `refused` is the message for a 401 (the token's name and
    where to get one); `message` pulls the human text out of the source's error body."""

    def __init__(
        self,
        name: str,
        base_url: str,
        headers: dict[str, str],
        *,
        refused: str,
        message: Callable[[Any], str | None],
        sleep: Callable[[float], None] = time.sleep,
        timeout: float = 30.0,
    ) -> None:
        self.name = name
        self._refused = refused
        self._message = message
        self._sleep = sleep
        self._http = httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=timeout)

    @property
    def base_url(self) -> str:
        return str(self._http.base_url).rstrip("/")

    def close(self) -> None:
        self._http.close()

    def get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """GET `path` (relative to the base URL, or an absolute URL a paging link gave) as a JSON
        object, retrying rate limits (429) and server errors (5xx)."""
        for attempt in range(MAX_RETRIES + 1):
            try:
                response = self._http.get(path, params=params)
            except httpx.HTTPError as exc:
                raise SourceError(f"cannot reach {self.name} at {self.base_url}: {exc}") from None
            status = response.status_code
            if status == 401:
                raise SourceError(f"{self.name} refused the {self._refused} (401 Unauthorized)")
            if (status == 429 or status >= 500) and attempt < MAX_RETRIES:
                self._sleep(retry_after(response, attempt))
                continue
            if status >= 400:
                raise SourceError(f"{self.name} answered GET {path} with {status}: {self._why(response)}")
            try:
                body = response.json()
            except ValueError:
                raise SourceError(f"{self.name} answered GET {path} with something other than JSON") from None
            if not isinstance(body, dict):
                raise SourceError(f"{self.name} answered GET {path} with an unexpected shape")
            return body
        raise SourceError(f"{self.name} kept refusing GET {path} (rate limited)")  # pragma: no cover

    def _why(self, response: httpx.Response) -> str:
        try:
            found = self._message(response.json())
        except (ValueError, AttributeError, TypeError):
            found = None
        return found or response.text[:200]
