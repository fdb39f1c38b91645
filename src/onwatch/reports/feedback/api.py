"""/api/v1/alert-groups/{id}/feedback and /api/v1/follow-ups: feedback on pages, the group's
comment thread, and the follow-up items incorrect and flappy pages open."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field

from onwatch.api.auth import Responder, ResponderOnGroup, Viewer, ViewerOnGroup, hidden_for
from onwatch.api.params import Id, Offset
from onwatch.db.uow import Database
from onwatch.directory.access import require_visible_group
from onwatch.kernel.enums import FeedbackChoice
from onwatch.kernel.errors import NotFound
from onwatch.reports.feedback.commands import FeedbackCommands
from onwatch.reports.feedback.domain import MAX_CLOSE_NOTE, MAX_COMMENT, Feedback, FollowUp, FollowUpStatus
from onwatch.reports.feedback.store import FollowUpFilter

router = APIRouter(prefix="/api/v1", tags=["feedback"])


def _commands(request: Request) -> FeedbackCommands:
    commands: FeedbackCommands = request.app.state.feedback
    return commands


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    choice: FeedbackChoice | None = Field(
        default=None, description="the verdict on the page; leave it out for a comment on the thread alone"
    )
    comment: str = Field(default="", max_length=MAX_COMMENT)


class FeedbackOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    group_id: int
    choice: FeedbackChoice | None
    comment: str
    author: str
    interface: str
    created_at: datetime


class FollowUpOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    group_id: int
    reason: FeedbackChoice
    alertname: str
    integration_id: str
    title: str
    owner_id: str | None
    status: FollowUpStatus
    created_by: str
    created_at: datetime
    closed_by: str | None
    closed_at: datetime | None
    close_note: str


class GivenOut(BaseModel):
    feedback: FeedbackOut
    follow_up: FollowUpOut | None = Field(description="opened when the choice is incorrect or flappy")


class ThreadOut(BaseModel):
    feedback: list[FeedbackOut] = Field(description="verdicts and comments, oldest first: the thread")
    follow_ups: list[FollowUpOut]


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(default="", max_length=MAX_CLOSE_NOTE, description="what was changed (the alert rule)")


def _feedback(f: Feedback) -> FeedbackOut:
    return FeedbackOut.model_validate(f)


def _follow_up(f: FollowUp) -> FollowUpOut:
    return FollowUpOut.model_validate(f)


@router.get("/alert-groups/{group_id}/feedback", response_model=ThreadOut)
def group_feedback(group_id: Id, request: Request, _who: ViewerOnGroup) -> ThreadOut:
    thread, items = _commands(request).thread(group_id)
    return ThreadOut(feedback=[_feedback(f) for f in thread], follow_ups=[_follow_up(f) for f in items])


@router.post(
    "/alert-groups/{group_id}/feedback", response_model=GivenOut, status_code=status.HTTP_201_CREATED
)
def give_feedback(group_id: Id, body: FeedbackIn, request: Request, who: ResponderOnGroup) -> GivenOut:
    """Actionable, not actionable, incorrect or flappy, with an optional comment (or a comment alone);
    incorrect and flappy open a follow-up owned by the EOC on call now."""
    given = _commands(request).give(group_id, body.choice, body.comment, who.actor())
    return GivenOut(
        feedback=_feedback(given.feedback),
        follow_up=_follow_up(given.follow_up) if given.follow_up else None,
    )


@router.get("/follow-ups", response_model=list[FollowUpOut])
def list_follow_ups(
    request: Request,
    who: Viewer,
    status: FollowUpStatus | None = None,
    owner: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[Offset, Query()] = 0,
) -> list[FollowUpOut]:
    """Newest first; those of confidential incidents' groups the caller may not see are left out."""
    flt = FollowUpFilter(status=status, owner_id=owner, hidden_incidents=hidden_for(request, who))
    return [_follow_up(f) for f in _commands(request).follow_ups(flt, limit, offset)]


def _visible(request: Request, who: Viewer, item_id: int) -> FollowUp:
    item = _commands(request).follow_up(item_id)
    db: Database = request.app.state.db
    with db.read() as uow:
        try:
            require_visible_group(uow.conn, who.caller(uow, request), item.group_id)
        except NotFound:
            raise NotFound(f"follow-up {item_id} does not exist", field="follow_up_id") from None
    return item


@router.get("/follow-ups/{follow_up_id}", response_model=FollowUpOut)
def get_follow_up(follow_up_id: Id, request: Request, who: Viewer) -> FollowUpOut:
    return _follow_up(_visible(request, who, follow_up_id))


@router.post("/follow-ups/{follow_up_id}/close", response_model=FollowUpOut)
def close_follow_up(follow_up_id: Id, body: CloseIn, request: Request, who: Responder) -> FollowUpOut:
    """Closed with a note of what changed; the tracker webhook hears of it."""
    _visible(request, who, follow_up_id)
    return _follow_up(_commands(request).close_follow_up(follow_up_id, body.note, who.actor()))
