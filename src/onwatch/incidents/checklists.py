"""Role checklists on an incident (PROCESS.md §2 rule 9): read them, and tick or untick an item (one
transaction: the tick and its timeline event). A role's checklist is `roles.<role>.checklist` in the
config; it shows once the role has engaged on the incident."""

from __future__ import annotations

from datetime import datetime

from onwatch.config.schema import OnwatchConfig
from onwatch.db.uow import UnitOfWork
from onwatch.incidents.domain.checklists import Item, RoleChecklist, checklists
from onwatch.incidents.domain.incident import Incident
from onwatch.incidents.store.checklists import ChecklistRepository
from onwatch.incidents.store.incidents import IncidentRepository
from onwatch.kernel.enums import EventKind, Role
from onwatch.kernel.errors import InvalidInput
from onwatch.kernel.timeline import Actor, TimelineEvent


def role_items(config: OnwatchConfig | None) -> dict[Role, list[Item]]:
    if config is None:
        return {}
    return {r: [Item(i.id, i.text, i.required) for i in rc.checklist] for r, rc in config.roles.items()}


def engaged_roles(incident: Incident) -> list[Role]:
    """The roles someone engaged on the incident, even if they have left it since."""
    return [r for r in Role if any(a.role is r and a.engaged_at is not None for a in incident.roles)]


def incident_checklists(
    uow: UnitOfWork, config: OnwatchConfig | None, incident: Incident
) -> list[RoleChecklist]:
    assert incident.id is not None
    ticks = uow.repo(ChecklistRepository).ticks(incident.id)
    return checklists(engaged_roles(incident), role_items(config), ticks)


def tick(
    uow: UnitOfWork,
    config: OnwatchConfig,
    incident_id: int,
    role: Role,
    item_id: str,
    actor: Actor,
    now: datetime,
    *,
    done: bool = True,
) -> RoleChecklist:
    """Tick (or untick) an item of an engaged role's checklist; the change lands on the timeline."""
    if actor.person_id is None:
        raise InvalidInput("checklist items are ticked by a person", field="ticked_by")
    incident = uow.repo(IncidentRepository).get(incident_id, for_update=True)
    found = next((c for c in incident_checklists(uow, config, incident) if c.role is role), None)
    if found is None:
        if not role_items(config).get(role):
            raise InvalidInput(
                f"the {role.name} has no checklist (roles.{role.value}.checklist)", field="role"
            )
        raise InvalidInput(
            f"the {role.name} has not engaged on incident #{incident_id}: its checklist shows once it does",
            field="role",
        )
    item = found.item(item_id.strip().lower())
    if item is None:
        known = ", ".join(s.item.id for s in found.items)
        raise InvalidInput(
            f"the {role.name} checklist has no item {item_id!r}; its items: {known}", field="item"
        )
    already = next(s for s in found.items if s.item.id == item.id).done
    if already == done:
        return found  # ticking a ticked item again changes nothing (a double click, a retried request)
    repo = uow.repo(ChecklistRepository)
    if done:
        repo.tick(incident_id, role, item.id, actor.person_id, now)
    else:
        repo.untick(incident_id, role, item.id)
    after = next(c for c in incident_checklists(uow, config, incident) if c.role is role)
    verb = "ticked" if done else "unticked"
    uow.repo(IncidentRepository).append_event(
        incident_id,
        TimelineEvent(
            at=now,
            kind=EventKind.CHECKLIST_TICKED,
            actor=actor.name,
            interface=actor.interface,
            message=(
                f"{actor.name} {verb} on the {role.name} checklist: {item.text} "
                f"({after.done} of {len(after.items)} done)"
            ),
            data={"role": role.value, "item": item.id, "ticked": done},
        ),
    )
    return after
