"""/runbooks (the index, searchable) and /runbooks/{path} (one page, rendered safely), read-only and
served from onwatch's own database: readable while the platform hosting the repository is down."""

from __future__ import annotations

import posixpath
from collections import defaultdict
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import RedirectResponse, Response

from onwatch.kernel.errors import NotFound
from onwatch.runbooks.domain import MirrorState, Page, candidates, normalise
from onwatch.runbooks.render import render
from onwatch.runbooks.store import Entry, RunbookRepository
from onwatch.web.auth import WebUser
from onwatch.web.context import Web, signed_in, web

router = APIRouter(include_in_schema=False)

User = Annotated[WebUser, Depends(signed_in)]
W = Annotated[Web, Depends(web)]


def _configured(w: Web) -> bool:
    try:
        return w.oncall.applied().config.runbooks is not None
    except NotFound:  # nothing applied yet
        return False


def _folders(entries: list[Entry]) -> list[tuple[str, list[Entry]]]:
    by_folder: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        by_folder[posixpath.dirname(entry.path)].append(entry)
    return sorted(by_folder.items())


def _common(w: Web, state: MirrorState | None) -> dict[str, Any]:
    return {"mirror": state, "configured": _configured(w)}


@router.get("/runbooks")
def runbooks_index(
    request: Request, w: W, user: User, q: Annotated[str, Query(max_length=500)] = ""
) -> Response:
    with w.db.read() as uow:
        repo = uow.repo(RunbookRepository)
        state = repo.mirror()
        found = repo.search(q) if q.strip() else None
        entries = repo.index() if found is None else []
    return w.page(
        request, "runbooks.html", user, q=q, found=found, folders=_folders(entries), **_common(w, state)
    )


@router.get("/runbooks/{path:path}")
def runbook_page(request: Request, path: str, w: W, user: User) -> Response:
    wanted = normalise(path)
    page: Page | None = None
    with w.db.read() as uow:
        repo = uow.repo(RunbookRepository)
        state = repo.mirror()
        for candidate in candidates(wanted) if wanted else []:
            page = repo.page(candidate)
            if page is not None:
                break
    if page is None:
        return w.page(request, "not_found.html", user, status_code=404, what=f"the runbook {path!r}")
    if wanted != page.path:  # a folder or a page linked without its suffix: its own URL, so links resolve
        return RedirectResponse(f"/runbooks/{quote(page.path)}", status_code=307)
    crumbs = page.path.split("/")
    return w.page(
        request, "runbook.html", user, runbook=page, html=render(page.body),
        crumbs=[("/".join(crumbs[: i + 1]), part) for i, part in enumerate(crumbs)],
        **_common(w, state),
    )  # fmt: skip
