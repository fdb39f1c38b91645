"""Feedback from the page itself: each page carries one signed link per choice (paging/links.py,
`/f/{token}`). GET shows what the link will record, with room for a comment; only the POST that
follows records it, so mail scanners that prefetch links leave no verdict behind."""

from __future__ import annotations

import html

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from onwatch.kernel.enums import FeedbackChoice, Interface
from onwatch.kernel.errors import DomainError
from onwatch.kernel.timeline import Actor
from onwatch.paging.commands import AlertGroupCommands
from onwatch.paging.links import FEEDBACK_ACTIONS, LinkClaim
from onwatch.reports.feedback.commands import FeedbackCommands
from onwatch.reports.feedback.domain import MAX_COMMENT

router = APIRouter(include_in_schema=False)

_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>onwatch</title>
<style>body{{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}}
textarea{{width:100%;min-height:5rem}}button{{font-size:1.2rem;padding:.6rem 1.4rem}}</style></head>
<body>{body}</body></html>"""
_INVALID = "<h1>This link is invalid or has expired</h1>"


def _page(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(_PAGE.format(body=body), status_code=status)


def _claim(request: Request, token: str) -> tuple[LinkClaim, FeedbackChoice] | None:
    groups: AlertGroupCommands = request.app.state.groups
    with groups.db.read() as uow:
        signer = groups.signer(uow)
    claim = signer.verify(token, groups.clock.now(), FEEDBACK_ACTIONS)
    if claim is None:
        return None
    return claim, FeedbackChoice(claim.action.removeprefix("feedback:"))


@router.get("/f/{token}")
def confirm(token: str, request: Request) -> HTMLResponse:
    found = _claim(request, token)
    if found is None:
        return _page(_INVALID, 404)
    claim, choice = found
    groups: AlertGroupCommands = request.app.state.groups
    group, _alerts, _events, _esc = groups.detail(claim.group_id)
    label = html.escape(choice.label.lower())
    return _page(
        f"<h1>Mark alert group #{group.id} {label}?</h1><p>{html.escape(group.title)}</p>"
        f'<form method="post"><label for="comment">Comment (optional)</label>'
        f'<textarea id="comment" name="comment" maxlength="{MAX_COMMENT}"></textarea>'
        f'<p><button type="submit">Mark {label} as {html.escape(claim.person)}</button></p></form>'
    )


@router.post("/f/{token}")
def record(token: str, request: Request, comment: str = Form("", max_length=MAX_COMMENT)) -> HTMLResponse:
    found = _claim(request, token)
    if found is None:
        return _page(_INVALID, 404)
    claim, choice = found
    commands: FeedbackCommands = request.app.state.feedback
    try:
        given = commands.give(claim.group_id, choice, comment, Actor.person(claim.person, Interface.LINK))
    except DomainError as exc:
        return _page(f"<h1>Not recorded</h1><p>{html.escape(exc.message)}</p>", exc.status_code)
    opened = (
        f"<p>Follow-up #{given.follow_up.id} is open for {html.escape(given.follow_up.rule)}.</p>"
        if given.follow_up
        else ""
    )
    return _page(
        f"<h1>Thanks: alert group #{claim.group_id} marked {html.escape(choice.label.lower())}</h1>{opened}"
    )
