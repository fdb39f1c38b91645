"""Changes in the web UI: the "recent changes" panel of an incident and of an alert group (htmx
fragments, so the pages they sit on need not know this slice) and /changes, searchable."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import HTMLResponse, Response

from onwatch.api.params import Id
from onwatch.changes.commands import ChangeCommands
from onwatch.changes.domain import RECENT, Change, safe_href
from onwatch.kernel.errors import NotFound
from onwatch.web.auth import WebUser
from onwatch.web.context import Web, signed_in, web

router = APIRouter(include_in_schema=False)

User = Annotated[WebUser, Depends(signed_in)]
W = Annotated[Web, Depends(web)]


def _commands(request: Request) -> ChangeCommands:
    commands: ChangeCommands = request.app.state.changes
    return commands


def _rows(found: Sequence[Change], began: datetime | None) -> list[dict[str, object]]:
    """Each change with its safe links (web links only) and how long before `began` it was made."""
    rows: list[dict[str, object]] = []
    for change in found:
        before = None
        if began is not None and change.at <= began:
            minutes = int((began - change.at).total_seconds() // 60)
            before = (
                f"{minutes // 60} h {minutes % 60} min before" if minutes >= 60 else f"{minutes} min before"
            )
        links = [link for link in change.links if safe_href(link.href)]
        rows.append({"change": change, "links": links, "before": before})
    return rows


def _fragment(
    request: Request, w: Web, user: WebUser, found: list[Change], began: datetime, what: str
) -> Response:
    return w.templates.response(
        "changes_recent.html", request=request, user=user, rows=_rows(found, began), what=what,
        hours=int(RECENT.total_seconds() // 3600),
    )  # fmt: skip


@router.get("/incidents/{incident_id}/changes")
def incident_changes(request: Request, incident_id: Id, w: W, user: User) -> Response:
    """htmx, on the incident page: its services' changes from 24 h before it was declared."""
    if not w.sees_incident(user, incident_id):
        return HTMLResponse("", status_code=404)
    try:
        found = _commands(request).for_incident(incident_id)
        began = w.incidents.get(incident_id).declared_at
    except NotFound:
        return HTMLResponse("", status_code=404)
    return _fragment(request, w, user, found, began, "declared")


@router.get("/alerts/{group_id}/changes")
def group_changes(request: Request, group_id: Id, w: W, user: User) -> Response:
    """htmx, on the alert group page: its service's changes from 24 h before it opened."""
    if not w.sees_group(user, group_id):
        return HTMLResponse("", status_code=404)
    try:
        found = _commands(request).for_group(group_id)
        began = w.groups.detail(group_id)[0].created_at
    except NotFound:
        return HTMLResponse("", status_code=404)
    return _fragment(request, w, user, found, began, "opened")


@router.get("/changes")
def changes_page(
    request: Request,
    w: W,
    user: User,
    q: Annotated[str, Query(max_length=500)] = "",
    service: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    """Every recorded change, the newest first; `q` finds words in the summary or source."""
    found = _commands(request).find(text=q, services=[service] if service else None, limit=200)
    return w.page(request, "changes.html", user, rows=_rows(found, None), q=q, service=service)
