"""Escalation policies: steps, targets, the snapshot copied onto a running escalation (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from onwatch.kernel.enums import Role


class EscalationStatus(StrEnum):
    """Where a group's escalation stands. One whose steps ran out stays ACTIVE with no next step."""

    ACTIVE = "active"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class TargetKind(StrEnum):
    ROLE = "role"  # whoever holds the role now, from its schedule
    PERSON = "person"
    CHANNEL = "channel"


@dataclass(frozen=True)
class Target:
    kind: TargetKind
    ref: str
    # how the page reads for a person paged for a reason of their own ("manager of daniel"); "person"
    label: str = ""

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.ref}"


@dataclass(frozen=True)
class Step:
    targets: tuple[Target, ...]
    delay: timedelta  # how long to wait for an acknowledgement before the next step


@dataclass(frozen=True)
class Position:
    step: int
    round: int  # 0 for the first pass, 1.. for repeats


@dataclass(frozen=True)
class PolicySnapshot:
    """The policy as it was when the escalation started: later config edits do not touch it."""

    id: str
    name: str
    steps: tuple[Step, ...]
    repeat: int = 0

    def step(self, position: Position) -> Step:
        return self.steps[position.step]

    def after(self, position: Position) -> Position | None:
        """The next position to run once `position` was not acknowledged in time, if any."""
        if position.step + 1 < len(self.steps):
            return Position(position.step + 1, position.round)
        if position.round < self.repeat:
            return Position(0, position.round + 1)
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "repeat": self.repeat,
            "steps": [
                {
                    "targets": [
                        {"kind": t.kind.value, "ref": t.ref, **({"label": t.label} if t.label else {})}
                        for t in s.targets
                    ],
                    "delay_seconds": int(s.delay.total_seconds()),
                }
                for s in self.steps
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PolicySnapshot:
        return cls(
            id=str(data["id"]),
            name=str(data["name"]),
            repeat=int(data["repeat"]),
            steps=tuple(
                Step(
                    targets=tuple(
                        Target(TargetKind(t["kind"]), str(t["ref"]), str(t.get("label", "")))
                        for t in s["targets"]
                    ),
                    delay=timedelta(seconds=int(s["delay_seconds"])),
                )
                for s in data["steps"]
            ),
        )


def page_key(group_id: int, escalation_id: int, position: Position, person: str, method: int) -> str:
    """Idempotency key of one notification: a retried decision can never page twice."""
    return f"page:{group_id}:{escalation_id}:{position.round}.{position.step}:{person}:{method}"


def role_page_policy(base: PolicySnapshot | None, role: Role, ack_timeout: timedelta) -> PolicySnapshot:
    """The escalation for a page to `role`: from the base policy's first step that targets the role
    (so an unacknowledged IMOC page goes on to the director); a role the policy does not name (CMOC,
    security) gets its own step with the ack timeout, then the policy from its IMOC step on."""
    steps = base.steps if base is not None else ()

    def first_step_for(r: Role) -> int | None:
        for i, step in enumerate(steps):
            if any(t.kind is TargetKind.ROLE and t.ref == r.value for t in step.targets):
                return i
        return None

    start = first_step_for(role)
    if start is not None:
        chain = steps[start:]
    else:
        own = Step(targets=(Target(TargetKind.ROLE, role.value),), delay=ack_timeout)
        imoc = first_step_for(Role.IMOC)
        chain = (own, *(steps[imoc:] if imoc is not None else ()))
    return PolicySnapshot(id=f"role:{role.value}", name=f"{role.name} page", steps=tuple(chain), repeat=0)
