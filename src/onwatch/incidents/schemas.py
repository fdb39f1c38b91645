"""Request and response bodies of the incident API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

from onwatch.incidents.domain.incident import MAX_NOTE, MAX_TITLE, Incident
from onwatch.incidents.domain.updates import MAX_REASON, MAX_UPDATE, PublicUpdate
from onwatch.kernel.enums import Interface, Role, SecurityImpact, Severity, State, Status
from onwatch.kernel.timeline import TimelineEvent

SeverityIn = Annotated[
    Severity,
    BeforeValidator(Severity.parse),
    PlainSerializer(lambda s: s.label, return_type=str),
]


def _same_names(out: type[BaseModel], source: object, *, but: tuple[str, ...] = ()) -> dict[str, Any]:
    """The fields of `out` that `source` has under the same name (`but`: the caller converts them)."""
    return {n: getattr(source, n) for n in out.model_fields if n not in but and hasattr(source, n)}


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DeclareIn(Body):
    title: str = Field(min_length=1, max_length=MAX_TITLE, examples=["Elevated 5xx on the web fleet"])
    severity: SeverityIn = Field(description="S1-S4 (or 1-4)", examples=["S2"])
    services: list[str] = Field(default_factory=list, max_length=50, examples=[["web"]])
    status: Status = Status.DEGRADED_PERFORMANCE
    security: bool = Field(default=False, description="security related: confidential, pages security")
    page: list[Role] | None = Field(
        default=None,
        description="roles to page now (S1/S2 always page the IMOC); default: the severity's "
        "`severities.<S>.declare.page` and `process.cmoc_auto_page`",
        examples=[["cmoc"]],
    )
    document: bool | None = Field(
        default=None, description="write the working document; default: the severity's `declare.document`"
    )
    public_title: str | None = Field(
        default=None, max_length=200, description="the status page's title; default: a neutral one"
    )
    announce: bool | None = Field(
        default=None, description="announce in the channels; default: the severity's `declare.announce`"
    )


class PublicTitleIn(Body):
    public_title: str | None = Field(max_length=200, description="null: back to the neutral default")


class UpdateEditIn(Body):
    body: str = Field(min_length=1, max_length=MAX_UPDATE)


class UpdateIn(Body):
    body: str = Field(min_length=1, max_length=MAX_UPDATE, examples=["We are investigating elevated errors."])
    status: Status | None = Field(default=None, description="also change the public status")


class SecurityIn(Body):
    impact: SecurityImpact | None = None


class ReasonIn(Body):
    reason: str = Field(min_length=1, max_length=MAX_REASON)


class StateIn(Body):
    state: State


class ReopenIn(Body):
    status: Status = Status.DEGRADED_PERFORMANCE


class StatusIn(Body):
    status: Status


class SeverityChangeIn(Body):
    severity: SeverityIn
    reason: str | None = Field(default=None, max_length=2000)


class TitleIn(Body):
    title: str = Field(min_length=1, max_length=MAX_TITLE)


class NoteIn(Body):
    text: str = Field(min_length=1, max_length=MAX_NOTE)


class PersonIn(Body):
    person: str | None = Field(default=None, description="defaults to the token's person")


class AssignIn(Body):
    person: str


class RoleOut(BaseModel):
    role: Role
    person: str
    assigned_at: datetime
    assigned_by: str
    engaged_at: datetime | None
    renounced_at: datetime | None


class IncidentOut(BaseModel):
    id: int
    title: str
    severity: str
    state: State
    status: Status
    status_title: str
    services: list[str]
    labels: list[str]
    owner: str
    owner_role: Role | None
    declared_by: str
    declared_at: datetime
    imoc_required: bool
    review_requested: bool
    mitigated_at: datetime | None
    resolved_at: datetime | None
    updated_at: datetime | None
    roles: dict[str, RoleOut] = Field(description="current holders and pending requests, by role")
    role_history: list[RoleOut]
    security: bool
    confidential: bool
    public_withheld_reason: str | None
    last_public_update_at: datetime | None
    public_title: str | None = Field(
        default=None,
        description="what the status page calls it; null: a neutral default",
    )
    service_slo: dict[str, str] = Field(
        default_factory=dict,
        description="SLO state (healthy, degraded, outage, unknown) of each measured linked service; "
        "filled by GET /api/v1/incidents/{id}",
    )

    @classmethod
    def of(cls, i: Incident) -> IncidentOut:
        assert i.id is not None
        history = [RoleOut(**_same_names(RoleOut, a), person=a.person_id) for a in i.roles]
        current: dict[str, RoleOut] = {}
        for out, a in zip(history, i.roles, strict=True):
            if a.active and (a.engaged or a.role.value not in current):
                current[a.role.value] = out
        return cls(
            **_same_names(cls, i, but=("severity", "roles")),
            severity=i.severity.label,
            status_title=i.status.title,
            owner=i.owner_id,
            roles=current,
            role_history=history,
        )


class UpdateOut(BaseModel):
    id: int
    at: datetime
    state: State
    status: Status
    status_title: str
    body: str
    author: str

    @classmethod
    def of(cls, u: PublicUpdate) -> UpdateOut:
        assert u.id is not None
        return cls(**_same_names(cls, u), status_title=u.status.title)


class EventOut(BaseModel):
    id: int
    at: datetime
    kind: str
    actor: str
    interface: Interface
    message: str
    data: dict[str, Any]

    @classmethod
    def of(cls, e: TimelineEvent) -> EventOut:
        assert e.id is not None
        return cls(**_same_names(cls, e, but=("kind", "data")), kind=e.kind.value, data=dict(e.data))
