"""Role assignments on an incident: who was asked, who engaged, who left, and when; and the
incident's role commands (PROCESS.md §2: the single owner and the cascade), which the Incident
aggregate delegates to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from onwatch.kernel.enums import EventKind, Role, Severity, Status
from onwatch.kernel.errors import DomainError, InvalidInput
from onwatch.kernel.timeline import Actor, JSONValue


@dataclass
class RoleAssignment:
    """One person holding (or asked to hold) one role on one incident.

    Asked-but-not-engaged assignments are "pending": asking for help hands over nothing
    until the person engages (PROCESS.md §2 rule 3).
    """

    role: Role
    person_id: str
    assigned_at: datetime
    assigned_by: str
    engaged_at: datetime | None = None
    renounced_at: datetime | None = None
    id: int | None = None

    @property
    def active(self) -> bool:
        return self.renounced_at is None

    @property
    def engaged(self) -> bool:
        return self.active and self.engaged_at is not None

    @property
    def pending(self) -> bool:
        return self.active and self.engaged_at is None


def holder(assignments: list[RoleAssignment], role: Role) -> RoleAssignment | None:
    """The engaged, active holder of a role, if any (at most one by construction)."""
    for a in assignments:
        if a.role is role and a.engaged:
            return a
    return None


def pending(assignments: list[RoleAssignment], role: Role) -> RoleAssignment | None:
    for a in assignments:
        if a.role is role and a.pending:
            return a
    return None


def highest_engaged_cascade_role(
    assignments: list[RoleAssignment], *, excluding: RoleAssignment | None = None
) -> RoleAssignment | None:
    """The engaged holder highest in the cascade EOC -> IMOC -> CMOC."""
    best: RoleAssignment | None = None
    for a in assignments:
        rank = a.role.cascade_rank
        if a is excluding or not a.engaged or rank is None:
            continue
        if best is None or rank > (best.role.cascade_rank or 0):
            best = a
    return best


class Cascade(Protocol):
    """What the role commands read and change of the incident aggregate (Incident satisfies it)."""

    roles: list[RoleAssignment]
    owner_id: str
    owner_role: Role | None
    imoc_required: bool
    severity: Severity
    status: Status

    @property
    def active(self) -> bool: ...

    def add_event(
        self, kind: EventKind, actor: Actor, now: datetime, message: str, data: dict[str, JSONValue]
    ) -> None: ...


def is_owner(incident: Cascade, actor: Actor) -> bool:
    return actor.person_id is not None and actor.person_id == incident.owner_id


def assign_role(incident: Cascade, role: Role, person_id: str, actor: Actor, now: datetime) -> None:
    """Ask a person to take a role. Hands over nothing until they engage."""
    current = holder(incident.roles, role)
    if current is not None and current.person_id == person_id:
        return
    asked = pending(incident.roles, role)
    if asked is not None:
        if asked.person_id == person_id:
            return
        asked.renounced_at = now
    incident.roles.append(
        RoleAssignment(role=role, person_id=person_id, assigned_at=now, assigned_by=actor.name)
    )
    incident.add_event(
        EventKind.ROLE_ASSIGNED,
        actor,
        now,
        f"{actor.name} asked {person_id} to take the {role.name} role",
        {"role": role.value, "person": person_id},
    )


def engage_role(incident: Cascade, role: Role, person_id: str, actor: Actor, now: datetime) -> None:
    """A person engages (acknowledges) a role; the cascade decides whether they now own."""
    current = holder(incident.roles, role)
    if current is not None and current.person_id == person_id:
        return
    asked = pending(incident.roles, role)
    if asked is not None and asked.person_id == person_id:
        asked.engaged_at = now
    else:
        if asked is not None:
            asked.renounced_at = now
        incident.roles.append(
            RoleAssignment(
                role=role, person_id=person_id, assigned_at=now, assigned_by=actor.name, engaged_at=now
            )
        )
    if current is not None:
        current.renounced_at = now
    incident.add_event(
        EventKind.ROLE_ENGAGED,
        actor,
        now,
        f"{person_id} engaged as {role.name}"
        + (f", taking over from {current.person_id}" if current else ""),
        {"role": role.value, "person": person_id, "previous": current.person_id if current else None},
    )
    rank = role.cascade_rank
    owner_rank = incident.owner_role.cascade_rank if incident.owner_role else None
    if rank is not None and rank >= (owner_rank if owner_rank is not None else -1):
        set_owner(incident, person_id, role, actor, now)
    if role is Role.IMOC and incident.imoc_required:
        incident.imoc_required = False


def renounce_role(incident: Cascade, role: Role, person_id: str, actor: Actor, now: datetime) -> None:
    """A person leaves a role (or declines being asked). The owner cannot leave the
    incident without an owner: ownership passes down to the highest engaged role left."""
    assignment = next(
        (a for a in incident.roles if a.role is role and a.active and a.person_id == person_id), None
    )
    if assignment is None:
        raise InvalidInput(f"{person_id} does not hold the {role.name} role", field="person")
    successor: RoleAssignment | None = None
    if assignment.engaged and incident.owner_role is role and incident.owner_id == person_id:
        successor = highest_engaged_cascade_role(incident.roles, excluding=assignment)
        if successor is None:
            raise DomainError(
                f"{person_id} owns this incident as {role.name}; another person must engage a role "
                "(or take over this one) before they can leave it",
                field="role",
            )
    assignment.renounced_at = now
    incident.add_event(
        EventKind.ROLE_RENOUNCED,
        actor,
        now,
        f"{person_id} left the {role.name} role"
        if assignment.engaged_at
        else f"{person_id} declined the {role.name} role",
        {"role": role.value, "person": person_id},
    )
    if successor is not None:
        set_owner(incident, successor.person_id, successor.role, actor, now)
    if role is Role.IMOC and assignment.engaged_at and incident.active:
        if incident.status.requires_imoc:
            require_imoc(incident, actor, now, f"status {incident.status.title} needs the IMOC engaged")
        elif incident.severity <= Severity.S2:
            require_imoc(incident, actor, now, f"{incident.severity.label} incidents need the IMOC engaged")


def set_owner(incident: Cascade, person_id: str, role: Role | None, actor: Actor, now: datetime) -> None:
    previous = incident.owner_id
    incident.owner_role = role
    if previous == person_id:
        return
    incident.owner_id = person_id
    incident.add_event(
        EventKind.OWNER_CHANGED,
        actor,
        now,
        f"ownership passed from {previous} to {person_id}" + (f" ({role.name})" if role else ""),
        {"from": previous, "to": person_id, "role": role.value if role else None},
    )


def require_imoc(incident: Cascade, actor: Actor, now: datetime, reason: str) -> None:
    """Mark the IMOC as needed (once, with the reason on the timeline) unless one holds the role."""
    if holder(incident.roles, Role.IMOC) is not None or incident.imoc_required:
        return
    incident.imoc_required = True
    incident.add_event(EventKind.IMOC_REQUIRED, actor, now, f"IMOC required: {reason}", {"reason": reason})
