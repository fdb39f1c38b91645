"""Inbound monitoring: Alertmanager, PagerDuty Events v2 and generic webhooks.

A 2xx means the alerts are committed. A malformed payload gets 400 naming each field, an unknown
key 404, a database that cannot take the write 503 (senders retry) — never a silent drop.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from onwatch.alerts.receivers import receivers
from onwatch.alerts.routes import (
    Answer,
    IngestServices,
    alertmanager_answer,
    generic_answer,
    pagerduty_answer,
)
from onwatch.api.auth import Admin
from onwatch.api.problems import problem, responses
from onwatch.kernel.errors import NotFound

router = APIRouter(tags=["integrations"])


def _json_body(schema: dict[str, Any]) -> dict[str, Any]:
    """The request body these routes read themselves (not through a model), for the document."""
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


_STRINGS = {"type": "object", "additionalProperties": {"type": "string"}}
_ALERTMANAGER = {
    "type": "object",
    "required": ["alerts"],
    "properties": {
        "status": {"type": "string", "enum": ["firing", "resolved"]},
        "alerts": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "status": {"type": "string", "enum": ["firing", "resolved"]},
                    "labels": _STRINGS,
                    "annotations": _STRINGS,
                    "startsAt": {"type": "string", "format": "date-time"},
                    "fingerprint": {"type": "string"},
                },
            },
        },
    },
}
_GENERIC = {
    "type": "object",
    "properties": {
        "summary": {"type": "string"},
        "status": {"type": "string", "enum": ["firing", "acknowledged", "resolved"]},
        "dedup_key": {"type": "string"},
        "severity": {"type": "string"},
        "source": {"type": "string"},
        "labels": _STRINGS,
        "details": {"type": "object"},
        "links": {"type": "array", "items": {"type": "string"}},
        "timestamp": {"type": "string", "format": "date-time"},
        "alerts": {"type": "array", "items": {"type": "object"}},
    },
}
_PAGERDUTY = {
    "type": "object",
    "required": ["routing_key", "event_action"],
    "properties": {
        "routing_key": {"type": "string"},
        "event_action": {"type": "string", "enum": ["trigger", "acknowledge", "resolve"]},
        "dedup_key": {"type": "string"},
        "payload": {
            "type": "object",
            "properties": {
                "summary": {"type": "string"},
                "source": {"type": "string"},
                "severity": {"type": "string", "enum": ["critical", "error", "warning", "info"]},
                "timestamp": {"type": "string", "format": "date-time"},
                "custom_details": {"type": "object"},
            },
        },
    },
}


class PagerDutyError(BaseModel):
    """PagerDuty's own error shape, which its clients read."""

    status: str
    message: str
    errors: list[str] = []


def _pagerduty_error(description: str) -> dict[str, Any]:
    return {"model": PagerDutyError, "description": description}


# POSTs to the three ingest routes are answered by alerts.routes.IngestRoutes before FastAPI
# routes them (this is the hot path); these routes describe them in the OpenAPI document and answer
# identically when the app runs without that middleware.


def _response(answer: Answer) -> Response:
    return Response(
        answer.body, status_code=answer.status, media_type=answer.content_type, headers=dict(answer.headers)
    )


@router.post(
    "/api/v1/integrations/alertmanager/{key}",
    status_code=200,
    responses=responses(400, 404, 413, 503),
    openapi_extra=_json_body(_ALERTMANAGER),
)
async def alertmanager_webhook(key: str, request: Request) -> Response:
    """Point an Alertmanager `webhook_configs` receiver here (payload version 4)."""
    return _response(
        await alertmanager_answer(IngestServices.of(request.app.state), key, await request.body())
    )


@router.post(
    "/api/v1/integrations/generic/{key}",
    status_code=202,
    responses=responses(400, 404, 413, 503),
    openapi_extra=_json_body(_GENERIC),
)
async def generic_webhook(key: str, request: Request) -> Response:
    """One alert object or {"alerts": [...]}; fields in onwatch.alerts.sources.generic."""
    return _response(await generic_answer(IngestServices.of(request.app.state), key, await request.body()))


@router.post(
    "/v2/enqueue",
    status_code=202,
    responses={
        400: _pagerduty_error("Invalid event: each field at fault named"),
        404: _pagerduty_error("No pagerduty integration has this routing_key"),
        503: _pagerduty_error("Not stored: try again after Retry-After seconds"),
        **responses(413),
    },
    openapi_extra=_json_body(_PAGERDUTY),
)
@router.post("/v2/enqueue/", status_code=202, include_in_schema=False)
async def pagerduty_enqueue(request: Request) -> Response:
    """PagerDuty Events API v2: `routing_key` is an onwatch integration key of type pagerduty."""
    return _response(await pagerduty_answer(IngestServices.of(request.app.state), await request.body()))


@router.post("/api/v1/heartbeats/{key}", responses=responses(404))
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


@router.get("/api/v1/integrations", tags=["integrations"])
def list_integrations(request: Request, _who: Admin) -> list[dict[str, str]]:
    """Every integration and heartbeat with its receiver URL and key (admins only: keys are secrets)."""
    state = request.app.state
    with state.db.read() as uow:
        applied = state.config_cache.get(uow)
    return [r.to_json() for r in receivers(applied.config, state.settings.public_url)]
