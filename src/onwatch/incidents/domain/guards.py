"""Rules that refuse a change outright (PROCESS.md §5, §7), pure: each raises the DomainError whose
message every interface shows, and the web UI asks the same code (domain/refusals.py)."""

from __future__ import annotations

from datetime import datetime

from onwatch.incidents.domain.policy import ProcessRules
from onwatch.incidents.domain.roles import RoleAssignment
from onwatch.kernel.enums import Role, State, Status
from onwatch.kernel.errors import DomainError, InvalidInput, NotOwner
from onwatch.kernel.timeline import Actor


def engaged_imocs(roles: list[RoleAssignment]) -> list[str]:
    """Everyone who engaged as IMOC on the incident, now or earlier."""
    return sorted({a.person_id for a in roles if a.role is Role.IMOC and a.engaged_at is not None})


def check_resolvable(
    status: Status,
    state: State,
    monitoring_since: datetime | None,
    roles: list[RoleAssignment],
    now: datetime,
    rules: ProcessRules,
) -> None:
    """Partial Service Disruption and Service Disruption need the IMOC engaged before they resolve;
    a partial one is monitored for more than `rules.partial_monitoring` first (§7)."""
    if status.requires_imoc and not engaged_imocs(roles):
        raise DomainError(
            f"page the IMOC: a {status.title} needs the IMOC engaged before it resolves, "
            "and no IMOC has engaged on this incident",
            field="state",
        )
    if status is not Status.PARTIAL_SERVICE_DISRUPTION:
        return
    needed = rules.partial_monitoring_text
    if state is not State.MONITORING or monitoring_since is None:
        raise DomainError(
            f"a Partial Service Disruption must be monitored for more than {needed} before it "
            "resolves: move it to monitoring first",
            field="state",
        )
    may = monitoring_since + rules.partial_monitoring
    if now <= may:
        raise DomainError(
            f"a Partial Service Disruption must be monitored for more than {needed} before it "
            f"resolves: monitored since {monitoring_since:%Y-%m-%d %H:%M} UTC, it may resolve after "
            f"{may:%Y-%m-%d %H:%M:%S} UTC",
            field="state",
        )


def check_final_severity(
    roles: list[RoleAssignment], actor: Actor, reason: str | None, rules: ProcessRules
) -> None:
    """Severity is re-assessed at resolution and classified finally in the review (§5, §10): after
    resolution only the IMOC (the incident's own, or one of the IMOC team) changes it, with a reason."""
    imocs = engaged_imocs(roles)
    if actor.person_id is None or actor.person_id not in {*imocs, *rules.imoc_team}:
        who = f"its IMOC ({', '.join(imocs)})" if imocs else "the IMOC"
        raise NotOwner(
            f"the incident is resolved: only {who} can change its severity until the review",
            field="severity",
        )
    if reason is None:
        raise InvalidInput(
            "a resolved incident's severity changes only with a reason (it goes on the timeline)",
            field="reason",
        )


def check_may_reopen(owner_id: str, roles: list[RoleAssignment], actor: Actor, rules: ProcessRules) -> None:
    """State is the owner's to change (§2 rule 6), resolving only theirs (§2 rule 1): a resolved
    incident is reopened by its owner, or by the IMOC (its own, or one of the IMOC team)."""
    imocs = engaged_imocs(roles)
    if actor.person_id is not None and actor.person_id in {owner_id, *imocs, *rules.imoc_team}:
        return
    who = f"its IMOC ({', '.join(imocs)})" if imocs else "the IMOC"
    raise NotOwner(f"only the owner, {owner_id}, or {who} can reopen this incident", field="state")
