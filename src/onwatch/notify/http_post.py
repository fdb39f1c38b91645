"""A lean HTTP POST for the delivery channels: the standard library's http.client, one kept-alive
connection per (sender thread, scheme, host, port).

It costs a third of httpx's CPU per request (bench/README.md); httpx is still used when a channel is
given its own client, and for targets behind HTTP_PROXY / HTTPS_PROXY (http.client reads neither).
"""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from onwatch.notify.base import DeliveryError

# Success bodies up to this size are read so that the connection can be kept alive.
DRAIN_BYTES = 65_536


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes  # the start of the body (enough for an error message)
    charset: str


def proxies_configured() -> bool:
    """True when the environment sets an HTTP(S) proxy (then the channels keep using httpx)."""
    return any(k in ("http", "https", "all") for k in urllib.request.getproxies())


class HttpPoster:
    """Thread-safe: each thread keeps its own connections."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._tls = ssl.create_default_context()

    def post(
        self,
        url: str,
        body: bytes,
        headers: Mapping[str, str],
        *,
        timeout: float,
        keep: int,
        address: str | None = None,
    ) -> Answer:
        """POST and return the status and up to `keep` bytes of the body. Connection failures and
        timeouts raise DeliveryError (retryable); a malformed URL raises it (not retryable).

        `address` connects to that IP address instead of resolving the URL's host again (the Host
        header, TLS server name and certificate check still use the host): see notify/targets.py."""
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise DeliveryError(
                f"invalid target URL: unsupported scheme or no host ({parts.scheme or 'none'}://)",
                retryable=False,
            )
        try:
            port = parts.port
        except ValueError as exc:
            raise DeliveryError(f"invalid target URL: {exc}", retryable=False) from exc
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        key = (parts.scheme, parts.hostname, port, address)
        connections: dict[tuple[str, str, int | None, str | None], http.client.HTTPConnection]
        connections = self._local.__dict__.setdefault("connections", {})
        for attempt in range(2):
            conn = connections.get(key)
            reused = conn is not None and conn.sock is not None
            if conn is None:
                conn = connections[key] = self._connection(parts.scheme, parts.hostname, port, timeout)
                if address is not None:
                    conn._create_connection = _pinned(address)  # type: ignore[attr-defined]
            conn.timeout = timeout
            if conn.sock is not None:
                conn.sock.settimeout(timeout)
            try:
                conn.request("POST", path, body=body, headers=dict(headers))
                response = conn.getresponse()
                status = response.status
                limit = DRAIN_BYTES if 200 <= status < 300 else keep
                data = response.read(limit)
                if not response.isclosed():
                    conn.close()  # more left than we read: not reusable
                charset = response.headers.get_content_charset() or "utf-8"
                return Answer(status, data[:keep], charset)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as exc:
                conn.close()
                if reused and attempt == 0:
                    continue  # the receiver closed an idle kept-alive connection: once more, fresh
                raise DeliveryError(f"{type(exc).__name__}: {exc}", retryable=True) from exc
            except (OSError, http.client.HTTPException) as exc:  # refused, DNS, timeouts, garbage
                conn.close()
                raise DeliveryError(f"{type(exc).__name__}: {exc}", retryable=True) from exc
        raise AssertionError("unreachable")

    def _connection(
        self, scheme: str, host: str, port: int | None, timeout: float
    ) -> http.client.HTTPConnection:
        if scheme == "https":
            return http.client.HTTPSConnection(host, port, timeout=timeout, context=self._tls)
        return http.client.HTTPConnection(host, port, timeout=timeout)

    def close(self) -> None:
        """Close this thread's connections (others close when their threads end)."""
        for conn in self._local.__dict__.get("connections", {}).values():
            conn.close()


def _pinned(address: str) -> Callable[..., socket.socket]:
    """http.client's connect hook, aimed at one address whatever the host resolves to now."""

    def create_connection(
        target: tuple[str, int], timeout: float | None = None, source: tuple[str, int] | None = None
    ) -> socket.socket:
        return socket.create_connection((address, target[1]), timeout, source)

    return create_connection
