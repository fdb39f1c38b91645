"""A Grafana OnCall public API v1 reader: the token as the `Authorization` header, lists followed
through their `next` URL, 429 + Retry-After retries (shared reader)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from onwatch.importers.http import JsonSource
from onwatch.importers.report import SourceError


def _message(body: Any) -> str | None:
    return str(body["detail"]) if isinstance(body, dict) and "detail" in body else None


class GrafanaOnCallClient:
    def __init__(self, token: str, *, base_url: str, sleep: Callable[[float], None] = time.sleep) -> None:
        self._source = JsonSource(
            "Grafana OnCall",
            base_url,
            {"Authorization": token, "Accept": "application/json"},
            refused="API token (OnCall -> Settings -> API Tokens)",
            message=_message,
            sleep=sleep,
        )

    def close(self) -> None:
        self._source.close()

    def __enter__(self) -> GrafanaOnCallClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def list(self, path: str, params: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Every object of a paginated list (`results`, then the absolute `next` URL until null)."""
        url: str | None = path
        query = params
        while url is not None:
            body = self._source.get(url, query)
            items = body.get("results")
            if not isinstance(items, list):
                raise SourceError(f"Grafana OnCall's GET {path} has no 'results' list")
            yield from (i for i in items if isinstance(i, dict))
            nxt = body.get("next")
            url, query = (str(nxt), None) if nxt and items else (None, None)
