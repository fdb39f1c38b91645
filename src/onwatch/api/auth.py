"""Bearer-token authentication and role checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from onwatch.api.params import Id
from onwatch.db.uow import Database, UnitOfWork
from onwatch.directory.access import (
    Caller,
    caller_in,
    hidden_incidents,
    require_visible_group,
    require_visible_incident,
)
from onwatch.directory.tokens import TokenRepository, TokenRole, hash_token
from onwatch.kernel.caches import SharedTTLCache
from onwatch.kernel.enums import Interface
from onwatch.kernel.timeline import Actor

_bearer = HTTPBearer(auto_error=False, description="An onwatch API token: `onwatch token create`")


@dataclass(frozen=True)
class Principal:
    token_name: str
    role: TokenRole
    person_id: str | None

    def actor(self, interface: Interface = Interface.API) -> Actor:
        name = self.person_id or f"token:{self.token_name}"
        return Actor(name=name, interface=interface, person_id=self.person_id)

    def caller(self, uow: UnitOfWork, request: Request) -> Caller:
        """Who this token is for the access rule (directory/access.py)."""
        return caller_in(uow, request.app.state.config_cache, self.person_id, self.role)


class TokenCache(SharedTTLCache[Principal]):
    """Recently verified tokens, so a request does not pay a database round trip to authenticate.

    Entries live `ttl` seconds: a token revoked on another replica stops working within that
    time; on the replica that revoked it, at once (`forget_all`). Unknown tokens are not cached; at
    `maxsize` tokens the least recently used is forgotten.
    """

    def __init__(self, ttl: float = 10.0, maxsize: int = 10_000) -> None:
        super().__init__(ttl, maxsize)


def authenticate(request: Request, credentials: HTTPAuthorizationCredentials | None) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(
            401,
            "send an API token as 'Authorization: Bearer <token>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    cache: TokenCache = request.app.state.token_cache
    key = hash_token(credentials.credentials)
    principal = cache.get(key)
    if principal is not None:
        return principal
    db: Database = request.app.state.db
    with db.read() as uow:
        record = uow.repo(TokenRepository).find(credentials.credentials)
    if record is None:
        raise HTTPException(401, "unknown or revoked API token", headers={"WWW-Authenticate": "Bearer"})
    principal = Principal(token_name=record.name, role=record.role, person_id=record.person_id)
    cache.put(key, principal)
    return principal


# each role check's dependency function -> the role it requires (the OpenAPI document's 401/403)
_ROLE_OF: dict[object, TokenRole] = {}


def required_role(call: object) -> TokenRole | None:
    """The role a dependency function (of require / require_on_*) checks, or None."""
    return _ROLE_OF.get(call)


def require(role: TokenRole) -> object:
    """Dependency: the caller's token must have at least `role`."""

    # One sync dependency, not two chained ones: each sync dependency is a thread-pool hop.
    def check(
        request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
    ) -> Principal:
        return _with_role(request, credentials, role)

    _ROLE_OF[check] = role
    return Depends(check)


def _with_role(
    request: Request, credentials: HTTPAuthorizationCredentials | None, role: TokenRole
) -> Principal:
    principal = authenticate(request, credentials)
    if not principal.role.allows(role):
        raise HTTPException(403, f"this token has role {principal.role.value}; {role.value} is needed")
    return principal


def require_on_incident(role: TokenRole) -> object:
    """Dependency for routes under an incident: `role`, and the incident visible to the caller
    (404 otherwise, so a confidential incident is neither read nor changed by anyone outside its
    circle)."""

    def check(
        incident_id: Id,
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        principal = _with_role(request, credentials, role)
        db: Database = request.app.state.db
        with db.read() as uow:
            require_visible_incident(uow.conn, principal.caller(uow, request), incident_id)
        return principal

    _ROLE_OF[check] = role
    return Depends(check)


def require_on_group(role: TokenRole) -> object:
    """Dependency for routes under an alert group: `role`, and the group's incident (if any)
    visible to the caller."""

    def check(
        group_id: Id,
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        principal = _with_role(request, credentials, role)
        db: Database = request.app.state.db
        with db.read() as uow:
            require_visible_group(uow.conn, principal.caller(uow, request), group_id)
        return principal

    _ROLE_OF[check] = role
    return Depends(check)


def hidden_for(request: Request, who: Principal) -> frozenset[int]:
    """The confidential incidents this token may not see (directory/access.py)."""
    db: Database = request.app.state.db
    with db.read() as uow:
        return hidden_incidents(uow.conn, who.caller(uow, request))


Viewer = Annotated[Principal, require(TokenRole.VIEWER)]
Responder = Annotated[Principal, require(TokenRole.RESPONDER)]
Admin = Annotated[Principal, require(TokenRole.ADMIN)]
ViewerOnIncident = Annotated[Principal, require_on_incident(TokenRole.VIEWER)]
ResponderOnIncident = Annotated[Principal, require_on_incident(TokenRole.RESPONDER)]
ViewerOnGroup = Annotated[Principal, require_on_group(TokenRole.VIEWER)]
ResponderOnGroup = Annotated[Principal, require_on_group(TokenRole.RESPONDER)]
