"""`GET /api/v1/runbooks`: the mirror's state and its pages (or those matching `q`), for scripts and
for checking from outside that the copy is fresh."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from onwatch.api.auth import Viewer
from onwatch.db.uow import Database
from onwatch.runbooks.store import RunbookRepository

router = APIRouter(prefix="/api/v1", tags=["runbooks"])


class MirrorOut(BaseModel):
    source: str
    revision: str | None
    refreshed_at: datetime | None
    attempted_at: datetime | None
    error: str | None = None
    failures: int
    pages: int
    skipped: int


class RunbookOut(BaseModel):
    path: str
    title: str
    url: str  # onwatch's page of it


class RunbooksOut(BaseModel):
    mirror: MirrorOut | None
    runbooks: list[RunbookOut]


@router.get("/runbooks", response_model=RunbooksOut)
def list_runbooks(
    request: Request,
    _who: Viewer,
    q: Annotated[str, Query(max_length=500, description="every word, in the title or the text")] = "",
) -> RunbooksOut:
    """The mirrored runbooks (all, by path; or those with every word of `q`, best first) and the
    mirror's state: the revision served, when it was read, and why the last attempt failed, if it did."""
    db: Database = request.app.state.db
    with db.read() as uow:
        repo = uow.repo(RunbookRepository)
        state = repo.mirror()
        entries = repo.search(q, limit=200) if q.strip() else repo.index()
    mirror = (
        MirrorOut(
            source=state.source, revision=state.revision, refreshed_at=state.refreshed_at,
            attempted_at=state.attempted_at, error=state.error, failures=state.failures, pages=state.pages,
            skipped=state.skipped,
        )
        if state is not None
        else None
    )  # fmt: skip
    return RunbooksOut(
        mirror=mirror,
        runbooks=[RunbookOut(path=e.path, title=e.title, url=f"/runbooks/{e.path}") for e in entries],
    )
