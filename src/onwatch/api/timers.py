"""/api/v1/timers: the engine's durable timers for admins, above all the dead ones (engine/dead.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from onwatch.api.auth import Admin
from onwatch.api.params import Id
from onwatch.api.problems import responses
from onwatch.engine.dead import DeadTimers, TimerState, TimerView

router = APIRouter(prefix="/api/v1", tags=["admin"])


class TimerOut(BaseModel):
    id: int
    kind: str
    state: TimerState
    due_at: datetime
    attempts: int = Field(description="failed runs so far (reset by a retry)")
    last_error: str | None = Field(description="why the handler last failed (truncated)")
    dead_at: datetime | None = Field(description="when it failed its last attempt; None while live")
    payload: dict[str, Any]
    incident_id: int | None = Field(description="the incident it works for, if any")
    group_id: int | None = Field(description="the alert group it works for, if any")


def _out(view: TimerView) -> TimerOut:
    t = view.timer
    return TimerOut(
        id=t.id,
        kind=t.kind,
        state=view.state,
        due_at=t.due_at,
        attempts=t.attempts,
        last_error=t.last_error,
        dead_at=t.dead_at,
        payload=t.payload,
        incident_id=view.subject.incident_id,
        group_id=view.subject.group_id,
    )


def _timers(request: Request) -> DeadTimers:
    timers: DeadTimers = request.app.state.dead_timers
    return timers


@router.get("/timers", response_model=list[TimerOut])
def list_timers(
    request: Request,
    _who: Admin,
    state: Annotated[
        TimerState, Query(description="dead (failed every attempt) or pending")
    ] = TimerState.DEAD,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[TimerOut]:
    """Dead timers, the most recently dead first (`?state=pending`: live ones, the next due first)."""
    return [_out(v) for v in _timers(request).list(state, limit)]


@router.post("/timers/{timer_id}/retry", response_model=TimerOut, responses=responses(404, 409))
def retry_timer(timer_id: Id, request: Request, who: Admin) -> TimerOut:
    """Put a dead timer back, due now with its attempts reset; noted on its incident / alert group."""
    return _out(_timers(request).retry(timer_id, who.actor()))
