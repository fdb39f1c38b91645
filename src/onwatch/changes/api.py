"""Change events over HTTP: PagerDuty's Change Events API (`POST /v2/change/enqueue`, its routing key
is an onwatch integration key of type pagerduty, so the change lands on that integration's service),
onwatch's own `POST /api/v1/changes`, and reading them back (`GET /api/v1/changes`, an incident's
recent changes)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from onwatch.alerts.ingest.apply import AlertIngest
from onwatch.alerts.sources.base import PayloadError, load_json, refuse_nul
from onwatch.api.auth import Responder, Viewer, ViewerOnIncident
from onwatch.api.params import Id, Instant
from onwatch.api.problems import PROBLEM_JSON, problem, responses
from onwatch.changes.commands import ChangeCommands
from onwatch.changes.domain import Change, ChangeDraft
from onwatch.changes.payloads import pagerduty_change, routing_key
from onwatch.kernel.errors import NotFound

router = APIRouter(tags=["changes"])

_LINKS = {
    "type": "array",
    "items": {"type": "object", "properties": {"href": {"type": "string"}, "text": {"type": "string"}}},
}
_PAGERDUTY_CHANGE = {
    "type": "object",
    "required": ["routing_key", "payload"],
    "properties": {
        "routing_key": {"type": "string"},
        "payload": {
            "type": "object",
            "required": ["summary"],
            "properties": {
                "summary": {"type": "string"},
                "source": {"type": "string"},
                "timestamp": {"type": "string", "format": "date-time"},
                "custom_details": {"type": "object"},
            },
        },
        "links": _LINKS,
    },
}
_GENERIC_CHANGE = {
    "type": "object",
    "required": ["service", "summary", "time"],
    "properties": {
        "service": {"type": "string"},
        "summary": {"type": "string"},
        "time": {"type": "string", "format": "date-time"},
        "source": {"type": "string"},
        "links": _LINKS,
        "details": {"type": "object"},
    },
}


def _json_body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


class LinkOut(BaseModel):
    href: str
    text: str


class ChangeOut(BaseModel):
    id: int
    service: str
    at: datetime
    received_at: datetime
    summary: str
    source: str
    links: list[LinkOut]
    details: Any = None
    integration: str | None = None
    reported_by: str | None = None

    @classmethod
    def of(cls, change: Change) -> ChangeOut:
        return cls(
            id=change.id,
            service=change.service_id,
            at=change.at,
            received_at=change.received_at,
            summary=change.summary,
            source=change.source,
            links=[LinkOut(href=link.href, text=link.text) for link in change.links],
            details=change.details,
            integration=change.integration_id,
            reported_by=change.reported_by,
        )


class PagerDutyChangeAnswer(BaseModel):
    """PagerDuty's own answer shape, which its clients read."""

    status: str
    message: str
    errors: list[str] = []


def _commands(request: Request) -> ChangeCommands:
    commands: ChangeCommands = request.app.state.changes
    return commands


def _pd(status: int, message: str, errors: list[tuple[str, str]] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"status": "success" if status < 300 else "invalid event", "message": message}
    if errors:
        body["errors"] = [f"{f}: {m}" for f, m in errors]
    return JSONResponse(body, status_code=status)


@router.post(
    "/v2/change/enqueue",
    status_code=202,
    responses={
        400: {
            "model": PagerDutyChangeAnswer,
            "description": "Invalid event: each field at fault named (a body too deep or holding a NUL "
            "character is refused before it is read, as a Problem)",
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        },
        404: {"model": PagerDutyChangeAnswer, "description": "No pagerduty integration has this routing_key"},
        **responses(413),
    },
    openapi_extra=_json_body(_PAGERDUTY_CHANGE),
)
async def pagerduty_change_enqueue(request: Request) -> Response:
    """PagerDuty Change Events API: `routing_key` is an onwatch integration key of type pagerduty;
    the change is recorded on that integration's service (202 once committed)."""
    raw = await request.body()
    ingest: AlertIngest = request.app.state.ingest
    now = request.app.state.clock.now()
    try:
        body = load_json(raw)
        integration = await run_in_threadpool(ingest.integration, routing_key(body), "pagerduty")
        refuse_nul(body)
        draft = pagerduty_change(body, now)
    except PayloadError as exc:
        return _pd(400, "Event object is invalid", exc.errors)
    except NotFound:
        return _pd(404, "Event object is invalid", [("routing_key", "no pagerduty integration has this key")])
    stored = ChangeDraft(
        integration.service_id, draft.at, draft.summary, draft.source, draft.links, draft.details,
        integration_id=integration.id,
    )  # fmt: skip
    await run_in_threadpool(_commands(request).record, stored)
    return _pd(202, "Change event processed")


@router.post(
    "/api/v1/changes",
    status_code=201,
    response_model=ChangeOut,
    responses=responses(400, 413, 422),
    openapi_extra=_json_body(_GENERIC_CHANGE),
)
async def post_change(request: Request, who: Responder) -> Response:
    """A deploy, config change or feature flag flip on a service: service, summary and time
    (RFC 3339 with a zone) are required; source, links and details are optional. 422 names each
    field at fault, and then nothing is stored."""
    try:
        body = load_json(await request.body())
    except PayloadError as exc:
        errors = [{"field": f, "message": m} for f, m in exc.errors]
        return problem(400, "Malformed JSON", str(exc), errors=errors)
    commands = _commands(request)
    try:
        change = await run_in_threadpool(commands.record_generic, body, who.actor().name)
    except PayloadError as exc:
        errors = [{"field": f, "message": m} for f, m in exc.errors]
        return problem(422, "Invalid change", str(exc), errors=errors)
    return JSONResponse(ChangeOut.of(change).model_dump(mode="json"), status_code=201)


@router.get("/api/v1/changes", response_model=list[ChangeOut])
def list_changes(
    request: Request,
    _who: Viewer,
    q: Annotated[str, Query(max_length=500, description="every word in the summary or source")] = "",
    service: Annotated[
        list[Annotated[str, Field(max_length=64)]] | None, Query(description="only these services")
    ] = None,
    since: Annotated[Instant | None, Query(description="made at or after")] = None,
    until: Annotated[Instant | None, Query(description="made at or before")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[ChangeOut]:
    """Changes, the newest first: found by words (full-text search), by service, in a time window."""
    found = _commands(request).find(text=q, services=service, since=since, until=until, limit=limit)
    return [ChangeOut.of(c) for c in found]


@router.get("/api/v1/incidents/{incident_id}/changes", response_model=list[ChangeOut])
def incident_changes(incident_id: Id, request: Request, _who: ViewerOnIncident) -> list[ChangeOut]:
    """The incident's recent changes: its services' changes from 24 hours before it was declared until
    now, the newest first (suspects for what set it off)."""
    return [ChangeOut.of(c) for c in _commands(request).for_incident(incident_id)]
