"""/api/v1/incidents/{id}/checklists: the checklist of each role engaged on the incident, and ticking
(or unticking) its items; each tick lands on the timeline."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from onwatch.api.auth import ResponderOnIncident, ViewerOnIncident
from onwatch.api.params import Id
from onwatch.incidents.commands import IncidentCommands
from onwatch.incidents.domain.checklists import RoleChecklist
from onwatch.kernel.enums import Role

router = APIRouter(prefix="/api/v1/incidents", tags=["incidents"])


class TickIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ticked: bool = Field(default=True, description="false unticks the item")


class ItemOut(BaseModel):
    id: str
    text: str
    required: bool
    ticked_by: str | None
    ticked_at: datetime | None


class ChecklistOut(BaseModel):
    role: Role
    done: int
    open_required: list[str] = Field(description="ids of the required items nobody ticked yet")
    items: list[ItemOut]

    @classmethod
    def of(cls, c: RoleChecklist) -> ChecklistOut:
        return cls(
            role=c.role,
            done=c.done,
            open_required=[i.id for i in c.open_required],
            items=[
                ItemOut(
                    id=s.item.id, text=s.item.text, required=s.item.required,
                    ticked_by=s.tick.by if s.tick else None, ticked_at=s.tick.at if s.tick else None,
                )
                for s in c.items
            ],
        )  # fmt: skip


def _commands(request: Request) -> IncidentCommands:
    commands: IncidentCommands = request.app.state.incidents
    return commands


@router.get("/{incident_id}/checklists", response_model=list[ChecklistOut])
def list_checklists(incident_id: Id, request: Request, who: ViewerOnIncident) -> list[ChecklistOut]:
    """The checklists of the roles that engaged on the incident (`roles.<role>.checklist`)."""
    return [ChecklistOut.of(c) for c in _commands(request).checklists(incident_id)]


@router.post("/{incident_id}/checklists/{role}/{item}", response_model=ChecklistOut)
def tick_item(
    incident_id: Id,
    role: Role,
    request: Request,
    who: ResponderOnIncident,
    body: TickIn | None = None,
    item: str = Path(max_length=64),
) -> ChecklistOut:
    """Tick an item of an engaged role's checklist (`{"ticked": false}` unticks it)."""
    done = body.ticked if body is not None else True
    return ChecklistOut.of(_commands(request).tick(incident_id, role, item, who.actor(), done=done))
