"""Feedback on the web: the thread and the four verdicts on the alert group's page (an htmx
fragment, /alerts/{id}/feedback, which paging's page loads), and the follow-up list (/follow-ups)
with its close buttons."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import HTMLResponse, Response

from onwatch.api.params import Id
from onwatch.kernel.choices import choose
from onwatch.kernel.enums import FeedbackChoice
from onwatch.kernel.errors import DomainError, NotFound
from onwatch.reports.feedback.commands import FeedbackCommands
from onwatch.reports.feedback.domain import FollowUpStatus
from onwatch.reports.feedback.store import FollowUpFilter
from onwatch.web.auth import WebUser
from onwatch.web.context import Posted, Web, acting, see_other, signed_in, web

router = APIRouter(include_in_schema=False)

User = Annotated[WebUser, Depends(signed_in)]
Form = Annotated[Posted, Depends(acting)]
W = Annotated[Web, Depends(web)]


def _commands(request: Request) -> FeedbackCommands:
    commands: FeedbackCommands = request.app.state.feedback
    return commands


@router.get("/alerts/{group_id}/feedback")
def feedback_fragment(request: Request, group_id: Id, w: W, user: User) -> Response:
    """htmx, on the alert group's page: the thread (verdicts and comments) and the verdict buttons."""
    if not w.sees_group(user, group_id):
        return HTMLResponse("", status_code=404)
    try:
        thread, items = _commands(request).thread(group_id)
    except NotFound:
        return HTMLResponse("", status_code=404)
    return w.templates.response(
        "feedback_thread.html",
        request=request,
        user=user,
        csrf_token=user.csrf_token,
        now=w.clock.now(),
        tz=w.zone_of(user),
        group_id=group_id,
        thread=thread,
        follow_ups=items,
        choices=list(FeedbackChoice),
    )


@router.post("/alerts/{group_id}/feedback")
def give_feedback(request: Request, group_id: Id, w: W, form: Form) -> Response:
    if not w.sees_group(form.user, group_id):
        return w.page(request, "not_found.html", form.user, status_code=404, what=f"alert group {group_id}")
    try:
        raw = form.get("choice")
        choice = choose(FeedbackChoice, raw, "choice") if raw else None
        _commands(request).give(group_id, choice, form.get("comment"), form.user.actor)
    except DomainError as exc:
        return w.page(
            request,
            "error.html",
            form.user,
            status_code=exc.status_code,
            title="Feedback not recorded",
            message=exc.message,
        )
    return see_other(f"/alerts/{group_id}#feedback")


@router.get("/follow-ups")
def follow_ups_page(request: Request, w: W, user: User, status: str = "open") -> Response:
    wanted = FollowUpStatus(status) if status in {s.value for s in FollowUpStatus} else None
    items = _commands(request).follow_ups(FollowUpFilter(status=wanted, hidden_incidents=w.hidden(user)))
    return w.page(request, "follow_ups.html", user, items=items, status=status, people=w.people())


@router.post("/follow-ups/{follow_up_id}/close")
def close_follow_up(request: Request, follow_up_id: Id, w: W, form: Form) -> Response:
    commands = _commands(request)
    try:
        item = commands.follow_up(follow_up_id)
        if not w.sees_group(form.user, item.group_id):
            raise NotFound(f"follow-up {follow_up_id} does not exist", field="follow_up_id")
        commands.close_follow_up(follow_up_id, form.get("note"), form.user.actor)
    except DomainError as exc:
        return w.page(
            request,
            "error.html",
            form.user,
            status_code=exc.status_code,
            title="Follow-up not closed",
            message=exc.message,
        )
    return see_other("/follow-ups")
