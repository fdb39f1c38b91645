"""Inbound monitoring: Alertmanager, PagerDuty Events v2 and generic webhooks.

A 2xx means the alerts are committed. A malformed payload gets 400 naming each field, an unknown
key 404, a database that cannot take the write 503 (senders retry) — never a silent drop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import OperationalError

from onwatch.api.problems import problem
from onwatch.commands.alerts import AlertIngest, IngestResult
from onwatch.commands.group_commit import GroupCommit
from onwatch.domain.alerts import AlertEvent
from onwatch.domain.errors import NotFound
from onwatch.integrations import alertmanager, generic, pagerduty
from onwatch.integrations.base import PayloadError
from onwatch.store.alerts import IntegrationRecord

router = APIRouter(tags=["integrations"])


def _ingest(request: Request) -> AlertIngest:
    ingest: AlertIngest = request.app.state.ingest
    return ingest


async def _json(request: Request) -> Any:
    body = await request.body()
    if not body:
        raise PayloadError([("body", "empty; send a JSON object")])
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise PayloadError([("body", f"invalid JSON: {exc}")]) from None


async def _integration(request: Request, key: str, kind: str) -> IntegrationRecord:
    """From the in-process cache without leaving the event loop, else from the database."""
    ingest = _ingest(request)
    cached = ingest.cached_integration(key, kind)
    return cached if cached is not None else await run_in_threadpool(ingest.integration, key, kind)


async def _submit(
    request: Request, integration: IntegrationRecord, events: list[AlertEvent]
) -> list[IngestResult]:
    """Queue for the group-commit writer; resolves once the alerts are committed."""
    group_commit: GroupCommit = request.app.state.group_commit
    return await asyncio.wrap_future(group_commit.submit(integration, events))


def _bad(exc: PayloadError) -> JSONResponse:
    errors = [{"field": f, "message": m} for f, m in exc.errors]
    return problem(400, "Invalid payload", str(exc), errors=errors)


async def _run(
    request: Request,
    key: str,
    kind: str,
    parse: Callable[[Any], list[AlertEvent]],
    ok: Callable[[list[Any]], Response],
) -> Response:
    try:
        body = await _json(request)
        integration = await _integration(request, key, kind)
        results = await _submit(request, integration, parse(body))
    except PayloadError as exc:
        return _bad(exc)
    except NotFound as exc:
        return problem(
            404,
            "Unknown integration",
            exc.message,
            errors=[{"field": "integration_key", "message": exc.message}],
        )
    except OperationalError:
        return problem(
            503,
            "Try again",
            "the database could not take the alerts; nothing was stored",
            headers={"Retry-After": "5"},
        )
    return ok(results)


@router.post("/api/v1/integrations/alertmanager/{key}", status_code=200)
async def alertmanager_webhook(key: str, request: Request) -> Response:
    """Point an Alertmanager `webhook_configs` receiver here (payload version 4)."""
    now = request.app.state.clock.now()
    return await _run(
        request,
        key,
        "alertmanager",
        lambda b: alertmanager.parse(b, now),
        lambda r: JSONResponse(
            {"status": "ok", "alerts": len(r), "groups": sorted({x.group_id for x in r if x.group_id})}
        ),
    )


@router.post("/api/v1/integrations/generic/{key}", status_code=202)
async def generic_webhook(key: str, request: Request) -> Response:
    """One alert object or {"alerts": [...]}; fields in onwatch.integrations.generic."""
    now = request.app.state.clock.now()
    return await _run(
        request,
        key,
        "generic",
        lambda b: generic.parse(b, now),
        lambda r: JSONResponse(
            {
                "status": "accepted",
                "results": [
                    {"dedup_key": x.dedup_key, "alert_group": x.group_id, "outcome": x.outcome} for x in r
                ],
            },
            status_code=202,
        ),
    )


def _pd_error(status: int, errors: list[tuple[str, str]]) -> JSONResponse:
    return JSONResponse(
        {
            "status": "invalid event",
            "message": "Event object is invalid",
            "errors": [f"{f}: {m}" for f, m in errors],
        },
        status_code=status,
    )


@router.post("/v2/enqueue", status_code=202)
@router.post("/v2/enqueue/", status_code=202, include_in_schema=False)
async def pagerduty_enqueue(request: Request) -> Response:
    """PagerDuty Events API v2: `routing_key` is an onwatch integration key of type pagerduty."""
    now = request.app.state.clock.now()
    try:
        body = await _json(request)
        integration = await _integration(request, pagerduty.routing_key(body), "pagerduty")
        [result] = await _submit(request, integration, [pagerduty.parse(body, now)])
    except PayloadError as exc:
        return _pd_error(400, exc.errors)
    except NotFound:
        return _pd_error(404, [("routing_key", "no pagerduty integration has this key")])
    except OperationalError:
        return JSONResponse(
            {"status": "throttle", "message": "try again"}, status_code=503, headers={"Retry-After": "5"}
        )
    return JSONResponse(
        {"status": "success", "message": "Event processed", "dedup_key": result.dedup_key}, status_code=202
    )


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
