"""One HTTP request to a service's API, with the webhook channel's failure rules: 2xx is success;
408, 425, 429, 5xx and connection errors or timeouts are retried; anything else is permanent.

Error messages never contain the URL (for several services the URL or its path is the credential).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from onwatch.notify.base import DeliveryError
from onwatch.notify.webhook import ERROR_TEXT_CHARS, is_retryable_status


def call(
    client: httpx.Client,
    method: str,
    url: Any,
    *,
    headers: Mapping[str, str] | None = None,
    json: Any = None,
    data: Mapping[str, str] | None = None,
    params: Mapping[str, str] | None = None,
    auth: tuple[str, str] | None = None,
    timeout: float = 10.0,
) -> httpx.Response:
    """Send and return the (successful) response; raise DeliveryError, classified, otherwise."""
    if not isinstance(url, str) or not url:
        raise DeliveryError("target has no URL", retryable=False)
    try:
        response = client.request(
            method, url, headers=headers, json=json, data=data, params=params, auth=auth, timeout=timeout
        )
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
        raise DeliveryError(f"invalid target URL: {exc}", retryable=False) from exc
    except httpx.HTTPError as exc:  # refused, reset, DNS, timeouts: the service may come back
        raise DeliveryError(f"{type(exc).__name__}", retryable=True) from exc
    if response.is_success:
        return response
    text = " ".join(response.text.split())[:ERROR_TEXT_CHARS]
    raise DeliveryError(
        f"HTTP {response.status_code}: {text}", retryable=is_retryable_status(response.status_code)
    )
