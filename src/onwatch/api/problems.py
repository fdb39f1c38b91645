"""RFC 9457 problem+json responses that name the field at fault."""

from __future__ import annotations

import logging
from typing import Any

import psycopg
import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from onwatch.db.faults import RETRY_AFTER_SECONDS, unavailable
from onwatch.kernel.errors import DomainError, RateLimited

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


class FieldProblem(BaseModel):
    field: str = Field(examples=["severity"], description="where: `title`, `alerts[3].labels`, `query.at`")
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem document: every error onwatch's API answers (as application/problem+json)."""

    type: str = "about:blank"
    title: str = Field(examples=["Invalid request"])
    status: int = Field(examples=[422])
    detail: str
    errors: list[FieldProblem] | None = Field(default=None, description="each field at fault")


WHY = {
    400: "Malformed JSON, or JSON nested deeper than 64 levels (the field named)",
    401: "No API token, or an unknown or revoked one",
    403: "The token's role, or a rule of the process, does not allow this caller",
    404: "No such resource (or one this token may not see)",
    409: "Refused by a rule of the process (the state machine, ownership, a newer version)",
    413: "The body is larger than the configured limit",
    422: "Invalid input: each field at fault named",
    503: "Unavailable: nothing was stored; try again (after Retry-After seconds, when given)",
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: these statuses answer a Problem (api/openapi.py files them under
    application/problem+json)."""
    return {status: {"model": Problem, "description": WHY[status]} for status in statuses}


def problem_document(
    status: int, title: str, detail: str, errors: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    """The body of every error answer (the FastAPI routes', the ingest routes', the middlewares')."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    return body


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = problem_document(status, title, detail, errors)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field(loc: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header"):
        where, parts = parts[0], parts[1:]
        if where != "body" and parts:
            return f"{where}.{'.'.join(parts)}"
    return ".".join(parts) or "body"


def _message(err: dict[str, Any]) -> str:
    msg = str(err.get("msg", "invalid"))
    return msg.removeprefix("Value error, ")


async def _validation(_req: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errs = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errs):
        return problem(400, "Malformed JSON", "the request body is not valid JSON")
    errors = [{"field": _field(tuple(e["loc"])), "message": _message(e)} for e in errs]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return problem(422, "Invalid request", detail, errors=errors)


async def _domain(_req: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    errors = [{"field": exc.field, "message": exc.message}] if exc.field else None
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
    return problem(exc.status_code, exc.title, exc.message, errors=errors, headers=headers)


async def _http(_req: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    title = {401: "Unauthorized", 403: "Forbidden", 404: "Not found", 405: "Method not allowed"}.get(
        exc.status_code, "Error"
    )
    return problem(exc.status_code, title, str(exc.detail), headers=dict(exc.headers or {}))


async def _database(_req: Request, exc: Exception) -> JSONResponse:
    """A request that met a database outage (a restart, a failover): 503, try again."""
    if not unavailable(exc):
        raise exc  # a bug: the server's 500
    log.warning("database unavailable; answering 503: %s", exc)
    return problem(
        503,
        "Database unavailable",
        "the database cannot serve this request now (restarting or failing over); nothing was changed",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(sa.exc.SQLAlchemyError, _database)
    app.add_exception_handler(psycopg.Error, _database)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(DomainError, _domain)
    app.add_exception_handler(StarletteHTTPException, _http)
