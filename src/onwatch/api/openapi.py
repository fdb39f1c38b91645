"""The OpenAPI document says which problem+json errors each operation answers.

FastAPI documents only the success response and its own 422 (as a JSON schema onwatch never
sends). Here, once per app, every operation's errors are filled in from what the routes really do:
- 401 when it needs a token; 403 when it needs more than a viewer's role;
- 400 (malformed, too deep, or a NUL character) and 413 (too large) when it takes a body; 400 (a NUL
  character) when it takes parameters;
- 404 when its path names something; 409 when it changes something (a rule may refuse);
- 422 (the Problem, not FastAPI's schema) when it validates parameters or a body;
and whatever a route declares itself (`responses=problems.responses(...)`). A route outside the
token scheme (the ingest routes, heartbeats, chat) that declares its responses declares them all:
nothing is added and FastAPI's 422 is dropped unless declared.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic.json_schema import models_json_schema

from onwatch.api.auth import required_role
from onwatch.api.problems import PROBLEM_JSON, WHY, Problem
from onwatch.directory.tokens import TokenRole

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_FASTAPI_VALIDATION = ("HTTPValidationError", "ValidationError")


def install(app: FastAPI) -> None:
    """Replace `app.openapi` with the document built here (computed once, like FastAPI's)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            document_problems(schema, app.routes)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def document_problems(schema: dict[str, Any], routes: list[Any]) -> None:
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    _, defs = models_json_schema([(Problem, "validation")], ref_template="#/components/schemas/{model}")
    schemas.update(defs["$defs"])
    for route in _api_routes(routes):
        if not route.include_in_schema:
            continue
        for method in route.methods or ():
            operation = schema["paths"].get(route.path_format, {}).get(method.lower())
            if operation is not None:
                _document(operation, route)
    for name in _FASTAPI_VALIDATION:
        schemas.pop(name, None)


def _api_routes(routes: list[Any]) -> Iterator[Any]:
    """Each APIRoute, with its path as the app serves it (included routers are nested)."""
    for context in iter_route_contexts(routes):
        if isinstance(context.original_route, APIRoute):
            yield context


def _document(operation: dict[str, Any], route: Any) -> None:
    answers: dict[str, Any] = operation["responses"]
    role = _role(route.dependant)
    declared = {str(status) for status in route.responses}
    if role is None and declared:
        statuses: set[int] = set()
        if "422" not in declared:
            answers.pop("422", None)
    else:
        statuses = _derived(operation, route, role)
    for code in sorted(statuses):
        answers.setdefault(str(code), {"description": WHY[code]})
    for status, answer in answers.items():
        if not str(status).isdigit() or int(status) < 400:
            continue
        content = answer.setdefault("content", {})
        # FastAPI files a declared Problem under the route's media type (application/json, or
        # text/xml for the TwiML routes): the answer is problem+json whatever the route's success is
        problems = {
            media: schema["schema"]["$ref"]
            for media, schema in content.items()
            if schema.get("schema", {}).get("$ref", "").endswith(("/Problem", "/HTTPValidationError"))
        }
        ref = next(iter(problems.values()), "")
        if not content or ref:
            for media in problems:
                content.pop(media)
            content[PROBLEM_JSON] = {"schema": PROBLEM_REF}
            if ref.endswith("/HTTPValidationError"):
                answer["description"] = WHY[422]


def _derived(operation: dict[str, Any], route: Any, role: TokenRole | None) -> set[int]:
    statuses = set()
    if role is not None:
        statuses.add(401)
        if role is not TokenRole.VIEWER:
            statuses.add(403)
        if "GET" not in (route.methods or ()):
            statuses.add(409)
    if "requestBody" in operation:
        statuses |= {400, 413}
    parameters = operation.get("parameters", [])
    if any(p["in"] == "path" for p in parameters):
        statuses.add(404)
    if parameters or "requestBody" in operation:
        statuses |= {400, 422}
    return statuses


def _role(dependant: Dependant) -> TokenRole | None:
    for dependency in dependant.dependencies:
        role = required_role(dependency.call) or _role(dependency)
        if role is not None:
            return role
    return None
