"""Inbound monitoring: Alertmanager, PagerDuty Events v2 and generic webhooks.

A 2xx means the alerts are committed. A malformed payload gets 400 naming each field, an unknown
key 404, a database that cannot take the write 503 (senders retry) — never a silent drop.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from onwatch.alerts.routes import (
    Answer,
    IngestServices,
    alertmanager_answer,
    generic_answer,
    pagerduty_answer,
)
from onwatch.api.problems import problem
from onwatch.kernel.errors import NotFound

router = APIRouter(tags=["integrations"])

# POSTs to the three ingest routes are answered by api.ingest_routes.IngestRoutes before FastAPI
# routes them (this is the hot path); these routes describe them in the OpenAPI document and answer
# identically when the app runs without that middleware.


def _response(answer: Answer) -> Response:
    return Response(
        answer.body, status_code=answer.status, media_type=answer.content_type, headers=dict(answer.headers)
    )


@router.post("/api/v1/integrations/alertmanager/{key}", status_code=200)
async def alertmanager_webhook(key: str, request: Request) -> Response:
    """Point an Alertmanager `webhook_configs` receiver here (payload version 4)."""
    return _response(
        await alertmanager_answer(IngestServices.of(request.app.state), key, await request.body())
    )


@router.post("/api/v1/integrations/generic/{key}", status_code=202)
async def generic_webhook(key: str, request: Request) -> Response:
    """One alert object or {"alerts": [...]}; fields in onwatch.alerts.sources.generic."""
    return _response(await generic_answer(IngestServices.of(request.app.state), key, await request.body()))


@router.post("/v2/enqueue", status_code=202)
@router.post("/v2/enqueue/", status_code=202, include_in_schema=False)
async def pagerduty_enqueue(request: Request) -> Response:
    """PagerDuty Events API v2: `routing_key` is an onwatch integration key of type pagerduty."""
    return _response(await pagerduty_answer(IngestServices.of(request.app.state), await request.body()))


@router.post("/api/v1/heartbeats/{key}")
@router.get("/api/v1/heartbeats/{key}", include_in_schema=False)
def heartbeat(key: str, request: Request) -> Response:
    """A job's "still alive" ping (GET or POST, so `curl` and cron one-liners work)."""
    try:
        expected_by = request.app.state.heartbeats.ping(key)
    except NotFound as exc:
        return problem(
            404, "Unknown heartbeat", exc.message, errors=[{"field": "key", "message": exc.message}]
        )
    return JSONResponse({"status": "ok", "next_ping_by": expected_by.isoformat()})
