"""Working documents, role pages and reports: the process around an incident."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, ConfigDict, Field

from onwatch.api.auth import Responder, ResponderOnIncident, ViewerOnIncident
from onwatch.api.params import Id
from onwatch.incidents.commands import IncidentCommands
from onwatch.incidents.reports import MAX_DOCUMENT, MAX_REPORT, ProcessCommands
from onwatch.kernel.enums import Role

router = APIRouter(prefix="/api/v1", tags=["process"])


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DocumentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # read from a DocumentVersion

    incident_id: int
    version: int
    body: str
    author: str
    at: datetime


class DocumentIn(_Body):
    body: str = Field(max_length=MAX_DOCUMENT)
    base_version: Id = Field(description="the version you edited; 409 if someone saved since")


class RolePageIn(_Body):
    role: Role
    reason: str | None = Field(default=None, max_length=2000)


class RolePageOut(BaseModel):
    incident_id: int
    role: Role
    alert_group: int


class ReportIn(_Body):
    text: str = Field(min_length=1, max_length=MAX_REPORT, examples=["Checkout pages hang for some users"])
    service: str | None = None


class ReportOut(BaseModel):
    alert_group: int


class PageIn(_Body):
    role: Role
    reason: str = Field(min_length=1, max_length=MAX_REPORT, examples=["customers report failed logins"])


class PageOut(BaseModel):
    role: Role
    alert_group: int


def _process(request: Request) -> ProcessCommands:
    commands: ProcessCommands = request.app.state.process
    return commands


@router.get("/incidents/{incident_id}/document", response_model=DocumentOut)
def get_document(
    incident_id: Id, request: Request, who: ViewerOnIncident, version: Id | None = None
) -> DocumentOut:
    """The working document (markdown), latest version unless `version` is given."""
    return DocumentOut.model_validate(_process(request).document(incident_id, version))


@router.get("/incidents/{incident_id}/document/versions", response_model=list[DocumentOut])
def document_versions(incident_id: Id, request: Request, who: ViewerOnIncident) -> list[DocumentOut]:
    return [DocumentOut.model_validate(d) for d in _process(request).document_versions(incident_id)]


@router.put("/incidents/{incident_id}/document", response_model=DocumentOut)
def edit_document(
    incident_id: Id, body: DocumentIn, request: Request, who: ResponderOnIncident
) -> DocumentOut:
    """Save a new version on top of `base_version` (409 if someone saved meanwhile)."""
    return DocumentOut.model_validate(
        _process(request).edit_document(incident_id, body.body, body.base_version, who.actor())
    )


@router.post("/incidents/{incident_id}/page", response_model=RolePageOut, status_code=status.HTTP_201_CREATED)
def page_role(incident_id: Id, body: RolePageIn, request: Request, who: ResponderOnIncident) -> RolePageOut:
    """Page a role for this incident now; acknowledging the page engages the role."""
    commands: IncidentCommands = request.app.state.incidents
    group = commands.page_role(incident_id, body.role, who.actor(), body.reason)
    return RolePageOut(incident_id=incident_id, role=body.role, alert_group=group)


@router.post("/reports", response_model=ReportOut, status_code=status.HTTP_201_CREATED)
def report(body: ReportIn, request: Request, who: Responder) -> ReportOut:
    """Report an anomaly: the EOC is paged; you are the contact and hear when the EOC engages."""
    return ReportOut(alert_group=_process(request).report(who.actor(), body.text, body.service))


@router.post("/pages", response_model=PageOut, status_code=status.HTTP_201_CREATED)
def page(body: PageIn, request: Request, who: Responder) -> PageOut:
    """Page a role now without an incident (`{"role": "imoc", "reason": ...}`): it escalates like any
    other page; declare an incident from its alert group and whoever took it engages."""
    return PageOut(
        role=body.role, alert_group=_process(request).page_role(body.role, body.reason, who.actor())
    )
