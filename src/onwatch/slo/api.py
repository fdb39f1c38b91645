"""/api/v1/slo/samples (pushed measurements), /api/v1/services (each with its SLO state) and
/api/v1/services/{id}/slo (the SLO read model)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from onwatch.alerts.sources.base import PayloadError
from onwatch.api.auth import Responder, Viewer
from onwatch.api.limits import deep_json_problem
from onwatch.api.problems import PROBLEM_JSON, problem, responses
from onwatch.db.uow import Database
from onwatch.directory.store import DirectoryRepository
from onwatch.kernel.bounds import raw_too_deep
from onwatch.slo.evaluate import PrometheusClients
from onwatch.slo.report import service_slo, state_of
from onwatch.slo.samples import SloSamples
from onwatch.slo.store import SloRepository

router = APIRouter(prefix="/api/v1", tags=["slo"])


@router.post(
    "/slo/samples",
    status_code=202,
    responses=responses(400, 413, 422),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "description": 'one sample, or {"samples": [...]} (fields in onwatch.slo.samples)',
                        "properties": {
                            "service": {"type": "string"},
                            "at": {"type": "string", "format": "date-time"},
                            "requests": {"type": "number", "minimum": 0},
                            "errors": {"type": "number", "minimum": 0},
                            "satisfied": {"type": "number", "minimum": 0},
                            "tolerated": {"type": "number", "minimum": 0},
                            "samples": {"type": "array", "items": {"type": "object"}},
                        },
                    }
                }
            },
        }
    },
)
async def push_samples(request: Request, _who: Responder) -> Response:
    """Pushed measurements for services with `source: pushed` (see onwatch.slo.samples).
    Answers 202 once stored; 422 naming each field at fault (NaN, negative counts, samples from
    the future, unknown services), and then nothing is stored."""
    raw = await request.body()
    if raw_too_deep(raw):  # whatever the declared type: the standard parser below recurses
        return Response(deep_json_problem(raw), status_code=400, media_type=PROBLEM_JSON)
    try:
        # the standard parser, not orjson: it reads NaN/Infinity, so they can be refused by field
        body = json.loads(raw) if raw else None
    except ValueError as exc:
        return problem(400, "Malformed JSON", f"the request body is not valid JSON: {exc}")
    samples: SloSamples = request.app.state.slo_samples
    try:
        stored = await run_in_threadpool(samples.push, body)
    except PayloadError as exc:
        errors = [{"field": f, "message": m} for f, m in exc.errors]
        return problem(422, "Invalid samples", str(exc), errors=errors)
    return JSONResponse({"status": "accepted", "samples": stored}, status_code=202)


class ServiceOut(BaseModel):
    id: str
    name: str
    description: str
    slo: dict[str, Any]
    slo_state: str | None = None  # healthy, degraded, outage, unknown; None when not measured


@router.get("/services", response_model=list[ServiceOut])
def list_services(request: Request, _who: Viewer) -> list[ServiceOut]:
    db: Database = request.app.state.db
    with db.read() as uow:
        states = uow.repo(SloRepository).states()
        return [
            ServiceOut(
                id=s.id,
                name=s.name,
                description=s.description,
                slo=s.slo,
                slo_state=state_of(states.get(s.id)) if s.slo.get("source") else None,
            )
            for s in uow.repo(DirectoryRepository).services()
        ]


@router.get("/services/{service_id}/slo")
def get_service_slo(service_id: str, request: Request, _who: Viewer) -> dict[str, Any]:
    """Per window: request rate, error ratio, Apdex and the burn-rate thresholds; the state, since
    when and why; the remaining 30-day error budget; the suggested incident status."""
    db: Database = request.app.state.db
    clients: PrometheusClients = request.app.state.prometheus_clients
    with db.read() as uow:
        config = request.app.state.config_cache.get(uow).config
        if service_id not in config.services:
            raise HTTPException(404, f"service {service_id!r} does not exist")
        record = uow.repo(SloRepository).states([service_id]).get(service_id)
        return service_slo(uow, config, service_id, record, request.app.state.clock.now(), clients)
