"""/api/v1/incidents: declare and run incidents."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from pydantic import BaseModel, Field

from onwatch.api.auth import (
    Responder,
    ResponderOnGroup,
    ResponderOnIncident,
    Viewer,
    ViewerOnIncident,
    hidden_for,
)
from onwatch.api.params import After, Id, Offset
from onwatch.db.uow import Database
from onwatch.incidents.commands import IncidentCommands
from onwatch.incidents.schemas import (
    AssignIn,
    DeclareIn,
    EventOut,
    IncidentOut,
    NoteIn,
    PersonIn,
    PublicTitleIn,
    ReasonIn,
    ReopenIn,
    SecurityIn,
    SeverityChangeIn,
    SeverityIn,
    StateIn,
    StatusIn,
    TitleIn,
    UpdateEditIn,
    UpdateIn,
    UpdateOut,
)
from onwatch.incidents.store.incidents import IncidentFilter
from onwatch.kernel.enums import Role, State, Status
from onwatch.paging.api import GroupOut
from onwatch.slo.store import SloRepository

router = APIRouter(prefix="/api/v1/incidents", tags=["incidents"])
groups_router = APIRouter(prefix="/api/v1", tags=["alerts"])


def _commands(request: Request) -> IncidentCommands:
    commands: IncidentCommands = request.app.state.incidents
    return commands


@router.post("", status_code=status.HTTP_201_CREATED, response_model=IncidentOut)
def declare(body: DeclareIn, request: Request, who: Responder) -> IncidentOut:
    """Declare an incident. The declarer owns it until the EOC (or a higher role) engages."""
    incident = _commands(request).declare(
        who.actor(),
        title=body.title,
        severity=body.severity,
        services=body.services,
        status=body.status,
        security=body.security,
        page=frozenset(body.page) if body.page is not None else None,
        document=body.document,
        announce=body.announce,
        public_title=body.public_title,
    )
    return IncidentOut.of(incident)


@router.get("", response_model=list[IncidentOut])
def list_incidents(
    request: Request,
    who: Viewer,
    active: bool | None = None,
    service: str | None = None,
    severity: Annotated[SeverityIn | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[Offset, Query()] = 0,
) -> list[IncidentOut]:
    flt = IncidentFilter(
        active=active,
        service=service,
        severity=severity,
        hidden=hidden_for(request, who),
        limit=limit,
        offset=offset,
    )
    return [IncidentOut.of(i) for i in _commands(request).find(flt)]


@router.get("/{incident_id}", response_model=IncidentOut)
def get_incident(incident_id: Id, request: Request, who: ViewerOnIncident) -> IncidentOut:
    """The incident, with the SLO state of each linked service that SLO detection measures."""
    incident = _commands(request).get(incident_id)
    db: Database = request.app.state.db
    with db.read() as uow:
        states = uow.repo(SloRepository).states(incident.services)
    slo = {s: states[s].tracker.state.value for s in incident.services if s in states}
    return IncidentOut.of(incident).model_copy(update={"service_slo": slo})


@router.get("/{incident_id}/timeline", response_model=list[EventOut])
def timeline(
    incident_id: Id,
    request: Request,
    who: ViewerOnIncident,
    after: Annotated[After, Query(description="only events with a larger id")] = 0,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> list[EventOut]:
    events = _commands(request).timeline(incident_id, after_id=after, limit=limit)
    return [EventOut.of(e) for e in events]


@router.post("/{incident_id}/state", response_model=IncidentOut)
def change_state(incident_id: Id, body: StateIn, request: Request, who: ResponderOnIncident) -> IncidentOut:
    """Move the incident along Investigating -> Identified -> Monitoring -> Resolved.
    Only the owner may resolve."""
    return IncidentOut.of(_commands(request).change_state(incident_id, body.state, who.actor()))


@router.post("/{incident_id}/resolve", response_model=IncidentOut)
def resolve(incident_id: Id, request: Request, who: ResponderOnIncident) -> IncidentOut:
    return IncidentOut.of(_commands(request).change_state(incident_id, State.RESOLVED, who.actor()))


@router.post("/{incident_id}/reopen", response_model=IncidentOut)
def reopen(
    incident_id: Id, request: Request, who: ResponderOnIncident, body: ReopenIn | None = None
) -> IncidentOut:
    body = body or ReopenIn()
    return IncidentOut.of(_commands(request).reopen(incident_id, who.actor(), body.status))


@router.post("/{incident_id}/status", response_model=IncidentOut)
def change_status(incident_id: Id, body: StatusIn, request: Request, who: ResponderOnIncident) -> IncidentOut:
    return IncidentOut.of(_commands(request).change_status(incident_id, body.status, who.actor()))


@router.post("/{incident_id}/severity", response_model=IncidentOut)
def change_severity(
    incident_id: Id, body: SeverityChangeIn, request: Request, who: ResponderOnIncident
) -> IncidentOut:
    return IncidentOut.of(
        _commands(request).change_severity(incident_id, body.severity, who.actor(), body.reason)
    )


@router.post("/{incident_id}/title", response_model=IncidentOut)
def change_title(incident_id: Id, body: TitleIn, request: Request, who: ResponderOnIncident) -> IncidentOut:
    return IncidentOut.of(_commands(request).change_title(incident_id, body.title, who.actor()))


@router.post("/{incident_id}/notes", response_model=IncidentOut, status_code=status.HTTP_201_CREATED)
def add_note(incident_id: Id, body: NoteIn, request: Request, who: ResponderOnIncident) -> IncidentOut:
    return IncidentOut.of(_commands(request).add_note(incident_id, body.text, who.actor()))


@router.post("/{incident_id}/roles/{role}/assign", response_model=IncidentOut)
def assign_role(
    incident_id: Id, role: Role, body: AssignIn, request: Request, who: ResponderOnIncident
) -> IncidentOut:
    """Ask a person to take a role. Ownership does not move until they engage."""
    return IncidentOut.of(_commands(request).assign_role(incident_id, role, body.person, who.actor()))


@router.post("/{incident_id}/roles/{role}/engage", response_model=IncidentOut)
def engage_role(
    incident_id: Id, role: Role, request: Request, who: ResponderOnIncident, body: PersonIn | None = None
) -> IncidentOut:
    """Engage a role (yourself by default). EOC -> IMOC -> CMOC: engaging takes ownership."""
    person = body.person if body else None
    return IncidentOut.of(_commands(request).engage_role(incident_id, role, who.actor(), person))


@router.post("/{incident_id}/roles/{role}/renounce", response_model=IncidentOut)
def renounce_role(
    incident_id: Id, role: Role, request: Request, who: ResponderOnIncident, body: PersonIn | None = None
) -> IncidentOut:
    person = body.person if body else None
    return IncidentOut.of(_commands(request).renounce_role(incident_id, role, who.actor(), person))


@router.get("/{incident_id}/updates", response_model=list[UpdateOut])
def list_updates(incident_id: Id, request: Request, who: ViewerOnIncident) -> list[UpdateOut]:
    """Public status updates, newest first."""
    return [UpdateOut.of(u) for u in _commands(request).updates(incident_id)]


@router.post("/{incident_id}/updates", response_model=IncidentOut, status_code=status.HTTP_201_CREATED)
def post_update(incident_id: Id, body: UpdateIn, request: Request, who: ResponderOnIncident) -> IncidentOut:
    """Post a public status update (resets the update cadence); optionally set the status too."""
    return IncidentOut.of(_commands(request).post_update(incident_id, body.body, who.actor(), body.status))


@router.put("/{incident_id}/updates/{update_id}", response_model=IncidentOut)
def edit_update(
    incident_id: Id, update_id: Id, body: UpdateEditIn, request: Request, who: ResponderOnIncident
) -> IncidentOut:
    """Correct a public update's words (the CMOC, or the owner until one engages)."""
    return IncidentOut.of(_commands(request).edit_update(incident_id, update_id, body.body, who.actor()))


@router.post("/{incident_id}/public-title", response_model=IncidentOut)
def set_public_title(
    incident_id: Id, body: PublicTitleIn, request: Request, who: ResponderOnIncident
) -> IncidentOut:
    """What the status page calls the incident; null goes back to 'Investigating issues with ...'."""
    return IncidentOut.of(_commands(request).set_public_title(incident_id, body.public_title, who.actor()))


@router.post("/{incident_id}/security", response_model=IncidentOut)
def flag_security(
    incident_id: Id, request: Request, who: ResponderOnIncident, body: SecurityIn | None = None
) -> IncidentOut:
    """Flag the incident as security related: confidential, security on-call paged; an `impact`
    (blocks_path_or_feature, unauthorised_access) also needs the IMOC."""
    impact = body.impact if body else None
    return IncidentOut.of(_commands(request).flag_security(incident_id, who.actor(), impact))


@router.post("/{incident_id}/withhold", response_model=IncidentOut)
def withhold(incident_id: Id, body: ReasonIn, request: Request, who: ResponderOnIncident) -> IncidentOut:
    """The owner withholds the public post of a security incident, with the reason on record."""
    return IncidentOut.of(_commands(request).withhold_public_post(incident_id, body.reason, who.actor()))


@router.post("/{incident_id}/disclose", response_model=IncidentOut)
def disclose(incident_id: Id, request: Request, who: ResponderOnIncident) -> IncidentOut:
    """The owner makes a confidential incident public."""
    return IncidentOut.of(_commands(request).disclose(incident_id, who.actor()))


class ToIncidentIn(BaseModel):
    severity: SeverityIn | None = Field(
        default=None, description="default: the group's suggestion (SLO alerts carry one), else S3"
    )
    title: str | None = Field(default=None, max_length=200)
    status: Status | None = Field(
        default=None, description="default: the group's suggestion, else degraded_performance"
    )
    page: list[Role] | None = Field(
        default=None, description="roles to page (S1/S2 always page the IMOC); default: the severity's"
    )
    document: bool | None = None
    announce: bool | None = None


class ToIncidentOut(BaseModel):
    incident_id: int
    alert_group: GroupOut


@groups_router.post(
    "/alert-groups/{group_id}/incident", response_model=ToIncidentOut, status_code=status.HTTP_201_CREATED
)
def to_incident(group_id: Id, body: ToIncidentIn, request: Request, who: ResponderOnGroup) -> ToIncidentOut:
    """Declare an incident from this alert group; its pages and acks join the incident timeline."""
    group, incident_id = _commands(request).declare_from_group(
        group_id,
        who.actor(),
        severity=body.severity,
        title=body.title,
        status=body.status,
        page=frozenset(body.page) if body.page is not None else None,
        document=body.document,
        announce=body.announce,
    )
    return ToIncidentOut(incident_id=incident_id, alert_group=GroupOut.of(group))
