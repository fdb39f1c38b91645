"""/api/v1/whoami: who a token acts as, and the public URL this server puts in its links (what
`onwatch whoami` prints; onwatch.cli.remote)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

from onwatch.api.auth import Viewer
from onwatch.db.uow import Database
from onwatch.directory.store import DirectoryRepository
from onwatch.directory.tokens import TokenRole

router = APIRouter(prefix="/api/v1", tags=["directory"])


class WhoAmIOut(BaseModel):
    person: str | None
    name: str | None
    role: TokenRole
    token: str
    public_url: str


@router.get("/whoami", response_model=WhoAmIOut)
def whoami(request: Request, who: Viewer) -> WhoAmIOut:
    """The token's person and role, and the public URL the server uses in links (`onwatch whoami`)."""
    person = None
    if who.person_id is not None:
        db: Database = request.app.state.db
        with db.read() as uow:
            person = uow.repo(DirectoryRepository).person(who.person_id)
    return WhoAmIOut(
        person=who.person_id,
        name=person.name if person else None,
        role=who.role,
        token=who.token_name,
        public_url=request.app.state.settings.public_url.rstrip("/"),
    )
