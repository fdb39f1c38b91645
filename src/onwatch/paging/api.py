"""/api/v1/alert-groups: see, acknowledge, resolve, escalate, page, attach to incidents (declaring
one from a group: incidents/api.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field, model_validator

from onwatch.api.auth import Responder, ResponderOnGroup, Viewer, ViewerOnGroup, hidden_for
from onwatch.api.params import Id, Instant, Offset
from onwatch.db.uow import Database
from onwatch.directory.access import require_visible_incident
from onwatch.kernel.alert_context import AlertContext
from onwatch.kernel.enums import Role
from onwatch.paging.commands import AlertGroupCommands
from onwatch.paging.context import group_runbook
from onwatch.paging.domain.alerts import GroupStatus
from onwatch.paging.domain.escalation import Target, TargetKind
from onwatch.paging.store.groups import AlertGroupRecord

router = APIRouter(prefix="/api/v1", tags=["alerts"])


def _commands(request: Request) -> AlertGroupCommands:
    commands: AlertGroupCommands = request.app.state.groups
    return commands


class GroupOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, populate_by_name=True)  # read from an AlertGroup

    id: int
    title: str
    service: str = Field(validation_alias="service_id")
    integration: str = Field(validation_alias="integration_id")
    severity: str
    status: GroupStatus
    alert_count: int
    firing_count: int
    event_count: int
    flapping: bool
    in_maintenance: bool
    incident_id: int | None
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None
    resolved_by: str | None

    @classmethod
    def of(cls, g: AlertGroupRecord) -> GroupOut:
        return cls.model_validate(g)


class GroupDetailOut(GroupOut):
    runbook_url: str | None = Field(
        description="the runbook of the group's newest firing alert, if it names one"
    )
    alerts: list[dict[str, Any]] = Field(
        description="each alert with `context`: runbook_url, description, links, images, labels, "
        "annotations and details as the source sent them"
    )
    timeline: list[dict[str, Any]]
    escalation: dict[str, Any] | None = Field(
        description="policy, current step, status and when the next step runs"
    )


@router.get("/alert-groups", response_model=list[GroupOut])
def list_groups(
    request: Request,
    who: Viewer,
    status: GroupStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[Offset, Query()] = 0,
) -> list[GroupOut]:
    """Newest first; groups of confidential incidents the caller may not see are left out."""
    groups = _commands(request).groups(status, limit, offset, hidden_incidents=hidden_for(request, who))
    return [GroupOut.of(g) for g in groups]


@router.get("/alert-groups/{group_id}", response_model=GroupDetailOut)
def get_group(group_id: Id, request: Request, _who: ViewerOnGroup) -> GroupDetailOut:
    group, alerts, events, escalation = _commands(request).detail(group_id)
    contexts = [AlertContext.of_alert(a.labels, a.details) for a in alerts]
    return GroupDetailOut(
        **GroupOut.of(group).model_dump(),
        runbook_url=group_runbook(alerts, contexts) or None,
        alerts=[
            {
                "dedup_key": a.dedup_key,
                "status": a.status.value,
                "summary": a.summary,
                "severity": a.severity,
                "source": a.source,
                "labels": a.labels,
                "event_count": a.event_count,
                "first_seen": a.first_seen,
                "last_seen": a.last_seen,
                "resolved_at": a.resolved_at,
                "context": context.to_payload(),
            }
            for a, context in zip(alerts, contexts, strict=True)
        ],
        timeline=[
            {
                "id": e.id,
                "at": e.at,
                "kind": e.kind.value,
                "actor": e.actor,
                "interface": e.interface.value,
                "message": e.message,
                "role": e.role.value if e.role is not None else None,
                "person": e.person,
            }
            for e in events
        ],
        escalation=None
        if escalation is None
        else {
            "policy": escalation.policy.name,
            "step": escalation.position.step + 1,
            "round": escalation.position.round + 1,
            "steps": len(escalation.policy.steps),
            "status": escalation.status.value,
            "next_step_at": escalation.next_at,
        },
    )


@router.post("/alert-groups/{group_id}/acknowledge", response_model=GroupOut)
def acknowledge(group_id: Id, request: Request, who: ResponderOnGroup) -> GroupOut:
    """Stop the escalation: no further steps, and delayed notifications not yet sent are cancelled."""
    return GroupOut.of(_commands(request).acknowledge(group_id, who.actor()))


@router.post("/alert-groups/{group_id}/resolve", response_model=GroupOut)
def resolve(group_id: Id, request: Request, who: ResponderOnGroup) -> GroupOut:
    return GroupOut.of(_commands(request).resolve(group_id, who.actor()))


@router.post("/alert-groups/{group_id}/escalate", response_model=GroupOut)
def escalate(group_id: Id, request: Request, who: ResponderOnGroup) -> GroupOut:
    """Run the next escalation step now (e.g. page the IMOC without waiting 15 minutes)."""
    return GroupOut.of(_commands(request).escalate(group_id, who.actor()))


class PageIn(BaseModel):
    role: Role | None = None
    person: str | None = None

    @model_validator(mode="after")
    def _one(self) -> PageIn:
        if (self.role is None) == (self.person is None):
            raise ValueError("name exactly one of 'role' or 'person'")
        return self


@router.post("/alert-groups/{group_id}/page", response_model=GroupOut)
def page(group_id: Id, body: PageIn, request: Request, who: ResponderOnGroup) -> GroupOut:
    """Page a role's current on-call person, or a person, now."""
    target = (
        Target(TargetKind.ROLE, body.role.value) if body.role else Target(TargetKind.PERSON, str(body.person))
    )
    return GroupOut.of(_commands(request).page(group_id, who.actor(), target))


class AttachIn(BaseModel):
    incident_id: Id


@router.post("/alert-groups/{group_id}/attach", response_model=GroupOut)
def attach(group_id: Id, body: AttachIn, request: Request, who: ResponderOnGroup) -> GroupOut:
    db: Database = request.app.state.db
    with db.read() as uow:  # nobody attaches to an incident they may not see
        require_visible_incident(uow.conn, who.caller(uow, request), body.incident_id)
    return GroupOut.of(_commands(request).attach(group_id, body.incident_id, who.actor()))


class MaintenanceIn(BaseModel):
    start: Instant
    end: Instant
    reason: str = Field(default="", max_length=500)


@router.post("/services/{service_id}/maintenance", status_code=status.HTTP_201_CREATED)
def add_maintenance(service_id: str, body: MaintenanceIn, request: Request, who: Responder) -> dict[str, Any]:
    """Alerts for the service during the window are recorded, and nobody is paged."""
    window_id = _commands(request).add_maintenance(service_id, body.start, body.end, body.reason, who.actor())
    return {
        "id": window_id,
        "service": service_id,
        "start": body.start,
        "end": body.end,
        "reason": body.reason,
    }


@router.get("/maintenance")
def list_maintenance(request: Request, _who: Viewer, service: str | None = None) -> list[dict[str, Any]]:
    """Current and future maintenance windows (optionally of one service)."""
    return _commands(request).maintenance(service)


@router.delete("/maintenance/{window_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_maintenance(window_id: Id, request: Request, _who: Responder) -> None:
    _commands(request).remove_maintenance(window_id)
