"""Why an action would be refused, asked of the domain rules themselves (no copy of them).

The web UI shows an action disabled with its reason ("only the owner, amara, can resolve this
incident") by trying the command on a copy of the incident: the answer is exactly what the command
would say, so the page can never disagree with the rules.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime

from onwatch.incidents.domain.incident import Incident
from onwatch.incidents.domain.policy import DEFAULT_RULES, ProcessRules
from onwatch.kernel.enums import Role, Severity, State, Status
from onwatch.kernel.errors import DomainError
from onwatch.kernel.timeline import Actor

Attempt = Callable[[Incident], object]


def refusal(incident: Incident, attempt: Attempt) -> str | None:
    """The message of the DomainError `attempt` raises on a copy of `incident`, or None if allowed."""
    trial = copy.deepcopy(incident)
    trial.new_events = []
    trial.new_updates = []
    try:
        attempt(trial)
    except DomainError as exc:
        return exc.message
    return None


def state_refusal(
    incident: Incident, target: State, actor: Actor, now: datetime, rules: ProcessRules = DEFAULT_RULES
) -> str | None:
    if target is incident.state:
        return f"the incident is already {target.value}"
    return refusal(incident, lambda i: i.change_state(target, actor, now, rules=rules))


def status_refusal(incident: Incident, target: Status, actor: Actor, now: datetime) -> str | None:
    if target is incident.status:
        return f"the status is already {target.title}"
    return refusal(incident, lambda i: i.change_status(target, actor, now))


def severity_refusal(
    incident: Incident, target: Severity, actor: Actor, now: datetime, rules: ProcessRules = DEFAULT_RULES
) -> str | None:
    """Whether this person may set the severity (the reason is the form's to give)."""
    if target is incident.severity:
        return f"the severity is already {target.label}"
    return refusal(incident, lambda i: i.change_severity(target, actor, now, reason="?", rules=rules))


def engage_refusal(incident: Incident, role: Role, actor: Actor, now: datetime) -> str | None:
    if actor.person_id is None:
        return "only a person can engage a role"
    current = incident.holder(role)
    if current is not None and current.person_id == actor.person_id:
        return f"you already hold the {role.name} role"
    return refusal(incident, lambda i: i.engage_role(role, actor.person_id or "", actor, now))


def renounce_refusal(incident: Incident, role: Role, actor: Actor, now: datetime) -> str | None:
    return refusal(incident, lambda i: i.renounce_role(role, actor.person_id or "", actor, now))


def reopen_refusal(
    incident: Incident, actor: Actor, now: datetime, rules: ProcessRules = DEFAULT_RULES
) -> str | None:
    return refusal(incident, lambda i: i.reopen(actor, now, rules=rules))


def update_refusal(incident: Incident, actor: Actor, now: datetime) -> str | None:
    return refusal(incident, lambda i: i.post_update("probe", actor, now))


def disclose_refusal(incident: Incident, actor: Actor, now: datetime) -> str | None:
    if not incident.confidential:
        return "the incident is not confidential"
    return refusal(incident, lambda i: i.disclose(actor, now))
