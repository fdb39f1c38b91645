"""The alert-ingest routes as plain ASGI, in front of FastAPI (the path they start:
alerts/ingest/pipeline.py): FastAPI's middleware, routing and dependencies cost about as much per
request as the ingest itself. `OnwatchAPI` asks `IngestRoutes.handle` first; the answers are those
of the FastAPI routes in alerts/api.py (kept for the OpenAPI document): 2xx once committed, 400
naming each field, 404 unknown key, 503 with Retry-After, 413 as BodySizeLimit, the same metrics.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from onwatch.alerts.ingest.apply import AlertIngest
from onwatch.alerts.ingest.group_commit import database_fault
from onwatch.alerts.ingest.pipeline import IngestPipeline
from onwatch.alerts.ingest.rows import IngestResult
from onwatch.alerts.sources import alertmanager, generic, pagerduty
from onwatch.alerts.sources.base import PayloadError, load_json, refuse_nul_in
from onwatch.api.limits import declared_too_large, too_large_body
from onwatch.api.problems import PROBLEM_JSON, problem_document
from onwatch.kernel.clock import Clock
from onwatch.kernel.errors import NotFound
from onwatch.metrics import HTTP_LATENCY, HTTP_REQUESTS
from onwatch.paging.domain.alerts import AlertEvent
from onwatch.paging.store.groups import IntegrationRecord

log = logging.getLogger(__name__)

ALERTMANAGER_PREFIX = "/api/v1/integrations/alertmanager/"
GENERIC_PREFIX = "/api/v1/integrations/generic/"
PAGERDUTY_PATHS = ("/v2/enqueue", "/v2/enqueue/")
JSON = "application/json"


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    content_type: str = JSON
    headers: tuple[tuple[str, str], ...] = ()


def json_answer(status: int, content: Any, headers: tuple[tuple[str, str], ...] = ()) -> Answer:
    return Answer(status, orjson.dumps(content), JSON, headers)


def problem_answer(
    status: int,
    title: str,
    detail: str,
    errors: list[dict[str, str]] | None = None,
    headers: tuple[tuple[str, str], ...] = (),
) -> Answer:
    return Answer(
        status, orjson.dumps(problem_document(status, title, detail, errors)), PROBLEM_JSON, headers
    )


@dataclass(frozen=True)
class IngestServices:
    ingest: AlertIngest
    pipeline: IngestPipeline
    clock: Clock

    @classmethod
    def of(cls, state: Any) -> IngestServices:
        return cls(state.ingest, state.ingest_pipeline, state.clock)

    async def integration(self, key: str, kind: str) -> IntegrationRecord:
        """From the in-process cache without leaving the event loop, else from the database."""
        cached = self.ingest.cached_integration(key, kind)
        return cached if cached is not None else await run_in_threadpool(self.ingest.integration, key, kind)


RETRY = (("Retry-After", "5"),)


def not_stored(exc: Exception) -> None:
    """An ingest that failed for another reason than its payload: logged unless the database is
    at fault (its trouble is logged where it happened); the caller answers 503."""
    if not database_fault(exc):
        log.error("ingest failed; answering 503", exc_info=exc)


def _bad(exc: PayloadError) -> Answer:
    errors = [{"field": f, "message": m} for f, m in exc.errors]
    return problem_answer(400, "Invalid payload", str(exc), errors)


async def _run(
    services: IngestServices,
    key: str,
    kind: str,
    body: bytes,
    parse: Callable[[bytes], Sequence[AlertEvent]],
    ok: Callable[[list[IngestResult]], Answer],
) -> Answer:
    try:
        try:
            events = parse(body)
        except PayloadError:
            # answered in the order a client expects: not JSON (400), unknown key (404), then
            # whatever is wrong in the alerts (400)
            load_json(body)
            await services.integration(key, kind)
            raise
        integration = await services.integration(key, kind)
        results = await services.pipeline.submit(integration, events)
    except PayloadError as exc:
        return _bad(exc)
    except NotFound as exc:
        return problem_answer(
            404, "Unknown integration", exc.message, [{"field": "integration_key", "message": exc.message}]
        )
    except Exception as exc:
        not_stored(exc)
        return problem_answer(503, "Try again", "the alerts could not be stored; try again", headers=RETRY)
    return ok(results)


async def alertmanager_answer(services: IngestServices, key: str, body: bytes) -> Answer:
    """200 once the alerts are applied, with the groups they are in."""
    now = services.clock.now()
    return await _run(
        services, key, "alertmanager", body, lambda b: alertmanager.parse_body(b, now), _alertmanager_ok
    )


def _alertmanager_ok(results: list[IngestResult]) -> Answer:
    groups = sorted({x.group_id for x in results if x.group_id})
    return json_answer(200, {"status": "ok", "alerts": len(results), "groups": groups})


async def generic_answer(services: IngestServices, key: str, body: bytes) -> Answer:
    now = services.clock.now()
    return await _run(
        services,
        key,
        "generic",
        body,
        lambda b: generic.parse_body(b, now),
        lambda r: json_answer(
            202,
            {
                "status": "accepted",
                "results": [
                    {"dedup_key": x.dedup_key, "alert_group": x.group_id, "outcome": x.outcome} for x in r
                ],
            },
        ),
    )


def _pd_error(status: int, errors: list[tuple[str, str]]) -> Answer:
    return json_answer(
        status,
        {
            "status": "invalid event",
            "message": "Event object is invalid",
            "errors": [f"{f}: {m}" for f, m in errors],
        },
    )


async def pagerduty_answer(services: IngestServices, body: bytes) -> Answer:
    now = services.clock.now()
    try:
        payload = load_json(body)
        integration = await services.integration(pagerduty.routing_key(payload), "pagerduty")
        refuse_nul_in(body, payload)
        [result] = await services.pipeline.submit(integration, [pagerduty.parse(payload, now)])
    except PayloadError as exc:
        return _pd_error(400, exc.errors)
    except NotFound:
        return _pd_error(404, [("routing_key", "no pagerduty integration has this key")])
    except Exception as exc:
        not_stored(exc)
        return json_answer(503, {"status": "throttle", "message": "try again"}, RETRY)
    return json_answer(
        202, {"status": "success", "message": "Event processed", "dedup_key": result.dedup_key}
    )


def _key(path: str, prefix: str) -> str | None:
    """The `{key}` path segment, as FastAPI's `{key}` would match it (non-empty, no slash)."""
    key = path[len(prefix) :]
    return key if key and "/" not in key else None


ROUTES = {  # the route templates, as FastAPI's routers name them (metrics label requests by these)
    ALERTMANAGER_PREFIX: "/api/v1/integrations/alertmanager/{key}",
    GENERIC_PREFIX: "/api/v1/integrations/generic/{key}",
    PAGERDUTY_PATHS[0]: PAGERDUTY_PATHS[0],
    PAGERDUTY_PATHS[1]: PAGERDUTY_PATHS[1],
}


class IngestRoutes:
    """Answers POSTs to the three ingest routes ahead of FastAPI and its middleware stack (which
    costs more per request than the rest of the answer): the body limit (413) and the request
    metrics are applied here as the stack would. `handle` says whether it answered."""

    def __init__(self, app: Any, max_body_bytes: int) -> None:
        self.app = app  # the FastAPI app: its state holds the services
        self.max_body_bytes = max_body_bytes
        self._services: IngestServices | None = None
        # the metric series of each (route, status), looked up once (labels() takes a lock and
        # builds a key on every call)
        self._counted: dict[tuple[str, int], Any] = {}
        self._timed: dict[str, Any] = {}

    def services(self) -> IngestServices:
        """Read from the app's state once it is complete (the first request)."""
        if self._services is None:
            self._services = IngestServices.of(self.app.state)
        return self._services

    def route_of(self, scope: Scope) -> tuple[str, Callable[[IngestServices, bytes], Any]] | None:
        if scope["type"] != "http" or scope["method"] != "POST":
            return None
        path: str = scope["path"]
        if path.startswith(ALERTMANAGER_PREFIX):
            if (key := _key(path, ALERTMANAGER_PREFIX)) is not None:
                return ROUTES[ALERTMANAGER_PREFIX], _bind(alertmanager_answer, key)
        elif path.startswith(GENERIC_PREFIX):
            if (key := _key(path, GENERIC_PREFIX)) is not None:
                return ROUTES[GENERIC_PREFIX], _bind(generic_answer, key)
        elif path in PAGERDUTY_PATHS:
            return ROUTES[path], pagerduty_answer
        return None

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> bool:
        found = self.route_of(scope)
        if found is None:
            return False
        template, route = found
        start = time.perf_counter()
        body = await _read_body(scope, receive, self.max_body_bytes)
        if body is None:  # the client went away: nobody to answer, nothing to store
            return True
        if isinstance(body, Answer):
            answer = body
        else:
            answer = await route(self.services(), body)
        await _send(send, answer)
        self._observe(template, answer.status, time.perf_counter() - start)
        return True

    def _observe(self, template: str, status: int, seconds: float) -> None:
        counted = self._counted.get((template, status))
        if counted is None:
            counted = self._counted[template, status] = HTTP_REQUESTS.labels("POST", template, str(status))
        timed = self._timed.get(template)
        if timed is None:
            timed = self._timed[template] = HTTP_LATENCY.labels("POST", template)
        counted.inc()
        timed.observe(seconds)


def _bind(
    handler: Callable[[IngestServices, str, bytes], Any], key: str
) -> Callable[[IngestServices, bytes], Any]:
    return lambda services, body: handler(services, key, body)


async def _read_body(scope: Scope, receive: Receive, limit: int) -> bytes | Answer | None:
    """The body; a 413 answer past `limit` bytes (by Content-Length up front, or as it streams);
    None when the client went away."""
    if declared_too_large(scope, limit):
        return too_large(limit)
    chunks = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def too_large(limit: int) -> Answer:
    """The same answer as api.limits.BodySizeLimit gives every other route."""
    return Answer(413, too_large_body(limit), PROBLEM_JSON, (("connection", "close"),))


async def _send(send: Send, answer: Answer) -> None:
    headers = [
        (b"content-length", str(len(answer.body)).encode()),
        (b"content-type", answer.content_type.encode()),
        *((k.lower().encode(), v.encode()) for k, v in answer.headers),
    ]
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": answer.body})
