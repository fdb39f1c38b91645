"""Routes of the public status page (no sign-in). The hot, cacheable ones are plain Starlette
endpoints (no FastAPI dependency and validation layer) answered from StatusCache."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, FastAPI, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from onwatch.kernel.errors import DomainError, RateLimited
from onwatch.status.web import feeds, shapes
from onwatch.status.web.cache import Rendered, StatusCache
from onwatch.status.web.model import StatusModel
from onwatch.web.auth import FORM_COOKIE, csrf_ok
from onwatch.web.context import Web, web

EXPIRED = "This form expired (its CSRF token is missing or wrong); reload the page and try again."
W = Annotated[Web, Depends(web)]
router = APIRouter(include_in_schema=False)


def _json(shape: Callable[[StatusModel], object]) -> Callable[[StatusModel], bytes]:
    return lambda model: orjson.dumps(shape(model))


def install(app: FastAPI, cache: StatusCache, w: Web) -> None:
    def html(model: StatusModel) -> str:
        return w.templates.render("status.html", model=model, now=model.now)

    endpoints: list[tuple[str, str, Callable[[StatusModel], str | bytes]]] = [
        ("/status", "text/html; charset=utf-8", html),
        ("/status/feed.rss", "application/rss+xml; charset=utf-8", feeds.rss),
        ("/status/feed.atom", "application/atom+xml; charset=utf-8", feeds.atom),
        ("/status/api/v2/summary.json", "application/json", _json(shapes.summary)),
        ("/status/api/v2/incidents.json", "application/json", _json(shapes.incidents)),
        ("/status/api/v2/incidents/unresolved.json", "application/json", _json(shapes.unresolved)),
        ("/status/api/v2/components.json", "application/json", _json(shapes.components)),
        ("/status/api/v2/status.json", "application/json", _json(shapes.status_only)),
    ]
    for path, media_type, render in endpoints:
        app.add_route(path, _endpoint(cache, path, media_type, render), methods=["GET", "HEAD"],
                      include_in_schema=False)  # fmt: skip

    async def incident_page(request: Request) -> Response:
        raw = request.path_params["incident_id"]
        if not raw.isdigit():
            return Response("not found", status_code=404)
        incident_id = int(raw)

        _, model = await cache.model()
        known = any(i.id == incident_id for i in model.incidents)

        def render(model: StatusModel) -> str:
            found = next((i for i in model.incidents if i.id == incident_id), None)
            return w.templates.render("status_incident.html", model=model, incident=found, now=model.now)

        # every unknown id shares one "not found" page: guessing ids cannot fill the cache
        key = f"/status/incidents/{incident_id}" if known else "/status/incidents/not-found"
        rendered = await cache.get(key, "text/html; charset=utf-8", render)
        return _answer(request, rendered, 200 if known else 404)

    app.add_route("/status/incidents/{incident_id}", incident_page, methods=["GET", "HEAD"],
                  include_in_schema=False)  # fmt: skip


def _answer(request: Request, rendered: Rendered, status_code: int = 200) -> Response:
    # browsers and proxies may keep it as long as the server does
    cache: StatusCache = request.app.state.status_cache
    headers = {"ETag": rendered.etag, "Cache-Control": f"public, max-age={int(cache.ttl)}"}
    if status_code == 200 and rendered.etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(rendered.body, status_code=status_code, media_type=rendered.media_type, headers=headers)


def _endpoint(
    cache: StatusCache, key: str, media_type: str, render: Callable[[StatusModel], str | bytes]
) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        return _answer(request, await cache.get(key, media_type, render))

    return endpoint


# ---- subscriptions (forms; never cached) --------------------------------------------------


def _form_page(request: Request, w: Web, template: str, status_code: int = 200, **context: Any) -> Response:
    token = w.sessions.form_token(request)
    response = w.templates.response(
        template, status_code=status_code, form_token=token, organisation=w.organisation(), **context
    )
    w.sessions.set_form_cookie(response, token)
    return response


@router.get("/status/subscribe")
def subscribe_page(request: Request, w: W) -> Response:
    return _form_page(request, w, "status_subscribe.html", errors={}, values={})


@router.post("/status/subscribe")
async def subscribe(request: Request, w: W) -> Response:
    form = await request.form()
    values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    if not csrf_ok(request.cookies.get(FORM_COOKIE), form.get("csrf_token")):
        return _form_page(request, w, "status_subscribe.html", 403, values=values, errors={"form": EXPIRED})
    kind = values.get("kind", "email")
    client = request.client.host if request.client else None
    try:
        if kind == "webhook":
            _, token = await run_in_threadpool(
                w.subscriptions.subscribe_webhook, values.get("url", ""), client
            )
            link = f"{w.public_url.rstrip('/')}/status/subscriptions/{token}/unsubscribe"
            return _form_page(request, w, "status_message.html", title="Confirm your webhook",
                              message="We will POST a challenge to your URL: updates start once your "
                              "endpoint answers with it. Keep this link to unsubscribe:",
                              link=link)  # fmt: skip
        await run_in_threadpool(w.subscriptions.subscribe_email, values.get("email", ""), client)
    except RateLimited as exc:
        response = _form_page(request, w, "status_subscribe.html", 429, values=values,
                              errors={exc.field or "form": exc.message})  # fmt: skip
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except DomainError as exc:
        return _form_page(request, w, "status_subscribe.html", 422, values=values,
                          errors={exc.field or "form": exc.message})  # fmt: skip
    message = "We sent you a link: open it and press Confirm to start receiving updates."
    return _form_page(request, w, "status_message.html", title="Check your inbox", message=message)


@router.get("/status/subscriptions/{token}/{action}")
def subscription_link(request: Request, token: str, action: str, w: W) -> Response:
    """Links in mails only show a button: mail scanners that follow links change nothing."""
    if action not in ("confirm", "unsubscribe"):
        return Response("not found", status_code=404)
    try:
        subscriber = w.subscriptions.find(token)
    except DomainError as exc:
        return _form_page(request, w, "status_message.html", 404, title="Link not valid", message=exc.message)
    return _form_page(request, w, "status_confirm.html", action=action, subscriber=subscriber, token=token)


@router.post("/status/subscriptions/{token}/{action}")
async def subscription_action(request: Request, token: str, action: str, w: W) -> Response:
    form = await request.form()
    if action not in ("confirm", "unsubscribe"):
        return Response("not found", status_code=404)
    if not csrf_ok(request.cookies.get(FORM_COOKIE), form.get("csrf_token")):
        return _form_page(request, w, "status_message.html", 403, title="Form expired",
                          message="Its CSRF token is missing or wrong; open the link again.")  # fmt: skip
    try:
        if action == "confirm":
            await run_in_threadpool(w.subscriptions.confirm, token)
            return _form_page(request, w, "status_message.html", title="Subscribed",
                              message="You will receive an email with each status update.")  # fmt: skip
        await run_in_threadpool(w.subscriptions.unsubscribe, token)
    except DomainError as exc:
        return _form_page(request, w, "status_message.html", 404, title="Link not valid", message=exc.message)
    return _form_page(request, w, "status_message.html", title="Unsubscribed",
                      message="You will not receive status updates any more.")  # fmt: skip
