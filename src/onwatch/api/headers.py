"""Security headers on every answer of the app (pages, JSON, static files), added in one place.

- Content-Security-Policy: scripts only from this origin (the templates carry no inline script or
  `on*` handler), no plugins, forms post only here, and `frame-ancestors 'none'`: no page can be
  framed, so a one-click confirmation (`/a/{token}`) cannot be clickjacked. Styles may be inline
  (the on-call timeline positions its bars with `style` attributes; htmx adds its indicator style).
  The interactive API documentation (/docs, /redoc) is FastAPI's, which loads its scripts from a CDN
  and starts them inline: it gets a policy that allows just that, and still cannot be framed.
- X-Content-Type-Options: nosniff, X-Frame-Options: DENY (for browsers without frame-ancestors).
- Referrer-Policy: same-origin, so secret URLs (calendar feeds, action links, subscription links)
  never leak to another site in a Referer header.
- Strict-Transport-Security when served over https: the request came over TLS (uvicorn also sets the
  scheme from X-Forwarded-Proto of a trusted proxy, see its --forwarded-allow-ips), or the public URL
  is https (browsers ignore the header on plain http, so sending it there is harmless).

A header the route set itself is left as it is.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "img-src 'self' data: https://fastapi.tiangolo.com; "
    "worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})
HSTS = "max-age=31536000; includeSubDomains"


class SecurityHeaders:
    """Pure ASGI middleware (no per-request task or body copy, unlike BaseHTTPMiddleware)."""

    def __init__(self, app: ASGIApp, *, https_public_url: bool = False) -> None:
        self.app = app
        self.https_public_url = https_public_url

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = DOCS_POLICY if scope["path"] in DOCS_PATHS else CONTENT_SECURITY_POLICY
        hsts = self.https_public_url or scope.get("scheme") == "https"

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", policy)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Referrer-Policy", "same-origin")
                if hsts:
                    headers.setdefault("Strict-Transport-Security", HSTS)
            await send(message)

        await self.app(scope, receive, with_headers)
