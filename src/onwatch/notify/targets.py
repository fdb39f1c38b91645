"""Which network addresses a URL given by an anonymous visitor may make onwatch connect to.

Only public (globally routable unicast) addresses: never loopback, private (RFC 1918, unique local),
link-local (cloud metadata at 169.254.169.254), carrier-grade NAT, multicast, unspecified or reserved
ranges, nor IPv4 hidden in an IPv6 address (::ffff:127.0.0.1). A name is resolved and every address
it has is checked: one private answer refuses it. Delivery connects to the address that was checked,
so a name that answers differently a second later (DNS rebinding) cannot slip inside.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit


class TargetRefused(Exception):
    """The target may not be reached. `retryable`: the name did not resolve (it may later)."""

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id (fe80::1%eth0)
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None:
            return is_public(str(embedded))
        if ip in _NAT64:
            return is_public(str(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)))
    return ip.is_global and not ip.is_multicast


_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def resolve(url: str) -> list[str]:
    """Every address the URL's host has (an IP literal: itself). TargetRefused if it has none."""
    parts = urlsplit(url)
    host = parts.hostname
    if not host:
        raise TargetRefused("the URL has no host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except ValueError as exc:
        raise TargetRefused(f"the URL's port is not valid: {exc}") from exc
    except (socket.gaierror, UnicodeError) as exc:
        raise TargetRefused(f"the host {host} could not be found", retryable=True) from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in found))
    if not addresses:
        raise TargetRefused(f"the host {host} could not be found", retryable=True)
    return addresses


def checked_address(url: str, *, allow_private: bool) -> str:
    """The address to connect to for `url`: resolved, and public unless `allow_private`."""
    addresses = resolve(url)
    if not allow_private:
        refused = [a for a in addresses if not is_public(a)]
        if refused:
            raise TargetRefused(
                f"{urlsplit(url).hostname} is not a public internet address ({refused[0]}): "
                "onwatch only sends status updates to endpoints reachable from the internet"
            )
    return addresses[0]
