"""Role assignments on an incident: who was asked, who engaged, who left, and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from onwatch.kernel.enums import Role


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
