"""/api/v1/incidents/{id}/responders: page someone who knows an area, or a named person, for the
incident (beyond its four roles), and list who was asked, when, and when they joined."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, ConfigDict, Field

from onwatch.api.auth import ResponderOnIncident, ViewerOnIncident
from onwatch.api.params import Id
from onwatch.incidents.commands import IncidentCommands
from onwatch.incidents.responders import MAX_REASON
from onwatch.paging.domain.alerts import GroupStatus

router = APIRouter(prefix="/api/v1/incidents", tags=["incidents"])


class ResponderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    expertise: str | None = Field(
        default=None, max_length=64, examples=["gitaly"], description="page someone who knows this area"
    )
    person: str | None = Field(default=None, max_length=64, description="or this person")
    reason: str | None = Field(default=None, max_length=MAX_REASON, description="why they are needed")


class ResponderOut(BaseModel):
    alert_group: int
    expertise: str | None
    paged: list[str] = Field(description="the people the first step paged")
    reason: str
    requested_by: str
    asked_at: datetime
    joined_by: str | None
    joined_at: datetime | None
    page_status: GroupStatus


def _commands(request: Request) -> IncidentCommands:
    commands: IncidentCommands = request.app.state.incidents
    return commands


def _list(request: Request, incident_id: int) -> list[ResponderOut]:
    return [
        ResponderOut(
            alert_group=r.group_id, expertise=r.expertise, paged=r.paged, reason=r.reason,
            requested_by=r.requested_by, asked_at=r.asked_at, joined_by=r.joined_by, joined_at=r.joined_at,
            page_status=page_status,
        )
        for r, page_status in _commands(request).responders(incident_id)
    ]  # fmt: skip


@router.post("/{incident_id}/responders", response_model=ResponderOut, status_code=status.HTTP_201_CREATED)
def engage_responder(
    incident_id: Id, body: ResponderIn, request: Request, who: ResponderOnIncident
) -> ResponderOut:
    """Page someone who knows `expertise` (the owning team's on-call if it has a schedule, else the
    people who know it) or `person`, with the reason; unanswered, the page climbs their managers."""
    group = _commands(request).engage_responder(
        incident_id, who.actor(), expertise=body.expertise, person=body.person, reason=body.reason
    )
    return next(r for r in _list(request, incident_id) if r.alert_group == group)


@router.get("/{incident_id}/responders", response_model=list[ResponderOut])
def list_responders(incident_id: Id, request: Request, who: ViewerOnIncident) -> list[ResponderOut]:
    """Who was asked to help, when, and when they joined."""
    return _list(request, incident_id)
