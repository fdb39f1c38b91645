"""One-click links from notifications: GET shows a confirmation, POST acts (scanners only GET)."""

from __future__ import annotations

import html

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from onwatch.kernel.enums import Interface
from onwatch.kernel.errors import DomainError
from onwatch.kernel.timeline import Actor
from onwatch.paging.commands import AlertGroupCommands
from onwatch.paging.links import LinkClaim

router = APIRouter(include_in_schema=False)

_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>onwatch</title>
<style>body{{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}}
button{{font-size:1.2rem;padding:.6rem 1.4rem}}</style></head><body>{body}</body></html>"""


def _page(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(_PAGE.format(body=body), status_code=status)


def _claim(request: Request, token: str) -> tuple[AlertGroupCommands, LinkClaim | None]:
    commands: AlertGroupCommands = request.app.state.groups
    with commands.db.read() as uow:
        signer = commands.signer(uow)
    return commands, signer.verify(token, commands.clock.now())


@router.get("/a/{token}")
def confirm(token: str, request: Request) -> HTMLResponse:
    commands, claim = _claim(request, token)
    if claim is None:
        return _page("<h1>This link is invalid or has expired</h1>", 404)
    group, _alerts, _events, _esc = commands.detail(claim.group_id)
    verb = html.escape(claim.action.capitalize())
    return _page(
        f"<h1>{verb} alert group #{group.id}?</h1><p>{html.escape(group.title)}</p>"
        f"<p>Status: {html.escape(group.status.value)}</p>"
        f'<form method="post"><button type="submit">{verb} as {html.escape(claim.person)}</button></form>'
    )


@router.post("/a/{token}")
def act(token: str, request: Request) -> HTMLResponse:
    commands, claim = _claim(request, token)
    if claim is None:
        return _page("<h1>This link is invalid or has expired</h1>", 404)
    actor = Actor.person(claim.person, Interface.LINK)
    try:
        if claim.action == "acknowledge":
            group = commands.acknowledge(claim.group_id, actor)
        else:
            group = commands.resolve(claim.group_id, actor)
    except DomainError as exc:
        return _page(f"<h1>Nothing to do</h1><p>{html.escape(exc.message)}</p>", 409)
    return _page(f"<h1>Alert group #{group.id} is {html.escape(group.status.value)}</h1>")
