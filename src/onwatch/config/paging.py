"""Paging section of the configuration: escalation policies, integrations, heartbeats."""

from __future__ import annotations

import re
from datetime import timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

from onwatch.config.base import Strict
from onwatch.config.types import Duration
from onwatch.kernel.enums import Role
from onwatch.paging.domain.alerts import DEFAULT_GROUP_BY
from onwatch.paging.domain.escalation import PolicySnapshot, Step, Target, TargetKind

_KEY = re.compile(r"^[A-Za-z0-9_-]{16,128}$")


def _key(value: str) -> str:
    if not _KEY.match(value):
        raise ValueError("integration keys are 16-128 characters of A-Z, a-z, 0-9, '-' and '_'")
    return value


IntegrationKey = Annotated[str, AfterValidator(_key)]


class TargetConfig(Strict):
    """Exactly one of: a role (its current on-call person), a person, or a channel."""

    role: Role | None = None
    person: str | None = None
    channel: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> TargetConfig:
        if sum(x is not None for x in (self.role, self.person, self.channel)) != 1:
            raise ValueError("a target names exactly one of 'role', 'person' or 'channel'")
        return self

    def to_target(self) -> Target:
        if self.role is not None:
            return Target(TargetKind.ROLE, self.role.value)
        if self.person is not None:
            return Target(TargetKind.PERSON, self.person)
        return Target(TargetKind.CHANNEL, str(self.channel))


class StepConfig(Strict):
    targets: list[TargetConfig] = Field(min_length=1)
    delay: Duration = Field(
        default=timedelta(minutes=15), description="wait for an acknowledgement this long"
    )


class EscalationPolicyConfig(Strict):
    name: str = Field(min_length=1, max_length=200)
    steps: list[StepConfig] = Field(min_length=1, max_length=20)
    repeat: int = Field(default=0, ge=0, le=10, description="run the steps again this many times")

    def snapshot(self, policy_id: str) -> PolicySnapshot:
        return PolicySnapshot(
            id=policy_id,
            name=self.name,
            repeat=self.repeat,
            steps=tuple(Step(tuple(t.to_target() for t in s.targets), s.delay) for s in self.steps),
        )


class IntegrationType(StrEnum):
    ALERTMANAGER = "alertmanager"
    PAGERDUTY = "pagerduty"  # Events API v2 compatible
    GENERIC = "generic"


class IntegrationConfig(Strict):
    type: IntegrationType
    key: IntegrationKey = Field(description="the secret in the integration URL or routing_key")
    service: str
    escalation_policy: str
    group_by: list[str] = Field(default_factory=lambda: list(DEFAULT_GROUP_BY), min_length=1)


class HeartbeatConfig(Strict):
    """A job that must ping `/api/v1/heartbeats/{key}` every `interval`; silence pages like an alert."""

    key: IntegrationKey
    service: str
    escalation_policy: str
    interval: Duration
    grace: Duration = timedelta(minutes=1)


def check_paging(
    policies: dict[str, EscalationPolicyConfig],
    integrations: dict[str, IntegrationConfig],
    heartbeats: dict[str, HeartbeatConfig],
    *,
    people: set[str],
    channels: set[str],
    services: set[str],
    roles_with_schedules: set[Role],
) -> list[tuple[str, str]]:
    issues: list[tuple[str, str]] = []
    for pid, policy in policies.items():
        for i, step in enumerate(policy.steps):
            for j, t in enumerate(step.targets):
                path = f"escalation_policies.{pid}.steps[{i}].targets[{j}]"
                if t.person is not None and t.person not in people:
                    issues.append((f"{path}.person", f"unknown person {t.person!r}"))
                if t.channel is not None and t.channel not in channels:
                    issues.append((f"{path}.channel", f"unknown channel {t.channel!r}"))
                if t.role is not None and t.role not in roles_with_schedules:
                    issues.append((f"{path}.role", f"role {t.role.value!r} has no schedule to page from"))
    keys: dict[str, str] = {}
    for section, entries in (("integrations", integrations), ("heartbeats", heartbeats)):
        for iid, entry in entries.items():
            if entry.service not in services:
                issues.append((f"{section}.{iid}.service", f"unknown service {entry.service!r}"))
            if entry.escalation_policy not in policies:
                issues.append(
                    (
                        f"{section}.{iid}.escalation_policy",
                        f"unknown escalation policy {entry.escalation_policy!r}",
                    )
                )
            other = keys.setdefault(entry.key, f"{section}.{iid}")
            if other != f"{section}.{iid}":
                issues.append((f"{section}.{iid}.key", f"already used by {other}"))
    return issues
