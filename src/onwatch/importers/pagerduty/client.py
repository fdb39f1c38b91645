"""A PagerDuty REST API v2 reader: token auth, offset/limit/more pagination, 429 + Retry-After retries."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from onwatch.importers.report import SourceError

DEFAULT_BASE_URL = "https://api.pagerduty.com"
PAGE_LIMIT = 100
MAX_RETRIES = 5
MAX_RETRY_AFTER = 60.0


def _retry_after(response: httpx.Response, attempt: int) -> float:
    """Seconds to wait before retrying: the server's Retry-After, else exponential backoff."""
    value = response.headers.get("Retry-After")
    try:
        seconds = float(value) if value is not None else 2.0**attempt
    except ValueError:
        seconds = 2.0**attempt
    return max(0.0, min(seconds, MAX_RETRY_AFTER))


class PagerDutyClient:
    def __init__(
        self,
        token: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        self._sleep = sleep
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={
                "Authorization": f"Token token={token}",
                "Accept": "application/vnd.pagerduty+json;version=2",
            },
            timeout=timeout,
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> PagerDutyClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def get(
        self, path: str, params: dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """GET `path` as JSON, retrying rate limits (429) and server errors (5xx)."""
        body = self._get(path, params, headers, missing_ok=False)
        assert body is not None
        return body

    def _get(
        self, path: str, params: dict[str, Any] | None, headers: dict[str, str] | None, *, missing_ok: bool
    ) -> dict[str, Any] | None:
        for attempt in range(MAX_RETRIES + 1):
            try:
                response = self._http.get(path, params=params, headers=headers)
            except httpx.HTTPError as exc:
                raise SourceError(f"cannot reach PagerDuty at {self._http.base_url}: {exc}") from None
            if response.status_code == 401:
                raise SourceError(
                    "PagerDuty refused the API token (401 Unauthorized): check the token file "
                    "(a REST API key, read-only is enough)"
                )
            if response.status_code == 404 and missing_ok:
                return None
            if response.status_code == 403:
                raise SourceError(f"PagerDuty forbids GET {path} for this token (403): {_message(response)}")
            if (response.status_code == 429 or response.status_code >= 500) and attempt < MAX_RETRIES:
                self._sleep(_retry_after(response, attempt))
                continue
            if response.status_code >= 400:
                raise SourceError(
                    f"PagerDuty answered GET {path} with {response.status_code}: {_message(response)}"
                )
            try:
                body = response.json()
            except ValueError:
                raise SourceError(f"PagerDuty answered GET {path} with something other than JSON") from None
            if not isinstance(body, dict):
                raise SourceError(f"PagerDuty answered GET {path} with an unexpected shape")
            return body
        raise SourceError(f"PagerDuty kept refusing GET {path} (rate limited)")  # pragma: no cover

    def list(
        self,
        path: str,
        key: str,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        *,
        missing_ok: bool = False,
    ) -> Iterator[dict[str, Any]]:
        """Every object of a paginated list (classic offset/limit/more pagination); with
        `missing_ok`, a 404 (an endpoint the account does not have) is an empty list."""
        offset = 0
        while True:
            page = {**(params or {}), "offset": offset, "limit": PAGE_LIMIT}
            body = self._get(path, page, headers, missing_ok=missing_ok)
            if body is None:
                return
            items = body.get(key)
            if not isinstance(items, list):
                raise SourceError(f"PagerDuty's GET {path} has no '{key}' list")
            yield from items
            if not body.get("more") or not items:
                return
            offset += len(items)


def _message(response: httpx.Response) -> str:
    try:
        error = response.json().get("error", {})
        return str(error.get("message", response.text[:200]))
    except (ValueError, AttributeError):
        return response.text[:200]
