"""/api/v1/config and /api/v1/tokens: administration."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field

from onwatch.api.auth import Admin
from onwatch.api.params import Id
from onwatch.api.problems import problem, responses
from onwatch.config.apply import apply_config
from onwatch.config.loader import ConfigError, load_config
from onwatch.config.signing import require_signing_secrets
from onwatch.config.store import ConfigRepository
from onwatch.db.uow import Database
from onwatch.directory.store import DirectoryRepository
from onwatch.directory.tokens import TokenRepository, TokenRole
from onwatch.kernel.clock import Clock

router = APIRouter(prefix="/api/v1", tags=["admin"])


def _db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def _clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


class ApplyOut(BaseModel):
    applied: bool
    dry_run: bool
    revision: int | None
    changes: list[str]


@router.get("/config", responses=responses(404))
def current_config(request: Request, _who: Admin) -> dict[str, Any]:
    with _db(request).read() as uow:
        current = uow.repo(ConfigRepository).current()
    if current is None:
        raise HTTPException(404, "no configuration has been applied yet")
    return {"revision": current[0], "document": current[1]}


@router.post(
    "/config",
    response_model=ApplyOut,
    openapi_extra={"requestBody": {"content": {"application/yaml": {"schema": {"type": "string"}}}}},
)
async def apply(
    request: Request, who: Admin, dry_run: Annotated[bool, Query(alias="dry_run")] = False
) -> Any:
    """Validate and apply a YAML configuration in one transaction (`?dry_run=true` to preview)."""
    text = (await request.body()).decode("utf-8", errors="replace")
    try:
        config = load_config(text)
        require_signing_secrets(config, request.app.state.settings.webhook_secret)
    except ConfigError as exc:
        errors = [{"field": i.path or "body", "message": i.message} for i in exc.issues]
        return problem(422, "Invalid configuration", str(exc), errors=errors)
    result = apply_config(
        _db(request), config, now=_clock(request).now(), applied_by=who.actor().name, dry_run=dry_run
    )
    return ApplyOut(
        applied=result.applied,
        dry_run=dry_run,
        revision=result.revision,
        changes=[str(c) for c in result.changes],
    )


class TokenIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    role: TokenRole
    person: str | None = None


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, populate_by_name=True)  # read from a TokenRecord

    id: int
    name: str
    role: TokenRole
    person: str | None = Field(validation_alias="person_id")
    created_at: datetime
    revoked_at: datetime | None
    token: str | None = Field(default=None, description="the secret, shown once at creation")


@router.post("/tokens", response_model=TokenOut, status_code=status.HTTP_201_CREATED)
def create_token(body: Annotated[TokenIn, Body()], request: Request, _who: Admin) -> TokenOut:
    now = _clock(request).now()
    with _db(request).write() as uow:
        if body.person is not None:
            uow.repo(DirectoryRepository).require_person(body.person)
        secret, token_id = uow.repo(TokenRepository).create(
            name=body.name, role=body.role, person_id=body.person, now=now
        )
    return TokenOut(
        id=token_id,
        name=body.name,
        role=body.role,
        person=body.person,
        created_at=now,
        revoked_at=None,
        token=secret,
    )


@router.get("/tokens", response_model=list[TokenOut])
def list_tokens(request: Request, _who: Admin) -> list[TokenOut]:
    with _db(request).read() as uow:
        return [TokenOut.model_validate(t) for t in uow.repo(TokenRepository).all()]


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(token_id: Id, request: Request, _who: Admin) -> None:
    with _db(request).write() as uow:
        if not uow.repo(TokenRepository).revoke(token_id, _clock(request).now()):
            raise HTTPException(404, f"token {token_id} does not exist or is already revoked")
    request.app.state.token_cache.forget_all()
