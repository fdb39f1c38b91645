"""An Opsgenie REST API v2 reader: `GenieKey` auth, offset/limit paging that follows `paging.next`,
429 + Retry-After retries (shared reader)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from onwatch.importers.http import JsonSource
from onwatch.importers.report import SourceError

US_BASE_URL = "https://api.opsgenie.com"
EU_BASE_URL = "https://api.eu.opsgenie.com"
PAGE_LIMIT = 100


def _message(body: Any) -> str | None:
    return str(body["message"]) if isinstance(body, dict) and "message" in body else None


class OpsgenieClient:
    def __init__(
        self, api_key: str, *, base_url: str = US_BASE_URL, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self._source = JsonSource(
            "Opsgenie",
            base_url,
            {"Authorization": f"GenieKey {api_key}", "Accept": "application/json"},
            refused="API key (an API integration's key with read access, or an account API key)",
            message=_message,
            sleep=sleep,
        )

    def close(self) -> None:
        self._source.close()

    def __enter__(self) -> OpsgenieClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def data(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """The `data` member of an answer (an object or a list)."""
        body = self._source.get(path, params)
        if "data" not in body:
            raise SourceError(f"Opsgenie's GET {path} has no 'data'")
        return body["data"]

    def one(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        found = self.data(path, params)
        if not isinstance(found, dict):
            raise SourceError(f"Opsgenie's GET {path} has no 'data' object")
        return found

    def list(self, path: str, params: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Every object of a list; paged lists are followed through `paging.next` (which carries
        offset, limit, sort and order), unpaged ones answer in one go."""
        url: str | None = path
        query: dict[str, Any] | None = {**(params or {}), "offset": 0, "limit": PAGE_LIMIT}
        while url is not None:
            body = self._source.get(url, query)
            items = body.get("data")
            if not isinstance(items, list):
                raise SourceError(f"Opsgenie's GET {path} has no 'data' list")
            yield from (i for i in items if isinstance(i, dict))
            nxt = (body.get("paging") or {}).get("next")
            url, query = (str(nxt), None) if nxt and items else (None, None)
