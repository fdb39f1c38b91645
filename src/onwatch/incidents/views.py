"""View models: what the pages show, computed from commands and domain rules (templates only print)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from onwatch.config.cache import AppliedConfig
from onwatch.incidents.announcements import cadence_of
from onwatch.incidents.domain import refusals
from onwatch.incidents.domain.cadence import DEFAULT_CADENCE
from onwatch.incidents.domain.incident import Incident
from onwatch.incidents.domain.policy import DEFAULT_RULES, ProcessRules
from onwatch.incidents.domain.rules import Cadence
from onwatch.kernel.enums import Role, Severity, State, Status
from onwatch.kernel.timeline import Actor


def cadence_table(applied: AppliedConfig | None) -> Cadence:
    """The update cadence from the applied configuration (PROCESS.md §9 defaults otherwise)."""
    return cadence_of(applied) if applied is not None else DEFAULT_CADENCE


@dataclass(frozen=True)
class Action:
    """A button: enabled, or disabled with the reason the rules give."""

    name: str
    label: str
    value: str = ""
    reason: str | None = None

    @property
    def allowed(self) -> bool:
        return self.reason is None


@dataclass
class IncidentActions:
    states: list[Action] = field(default_factory=list)
    resolve: Action | None = None
    reopen: Action | None = None
    statuses: list[Action] = field(default_factory=list)
    severities: list[Action] = field(default_factory=list)
    engage: list[Action] = field(default_factory=list)
    renounce: list[Action] = field(default_factory=list)
    update: Action | None = None
    disclose: Action | None = None


def page_actions(
    incident: Incident, oncall: dict[Role, str], open_pages: dict[Role, int], names: dict[str, str]
) -> list[Action]:
    """ "Page the IMOC / CMOC" (the `/pd trigger` of the process), disabled when pointless."""
    actions = []
    for role in (Role.IMOC, Role.CMOC):
        person = oncall.get(role)
        who = f" ({names.get(person, person)})" if person else ""
        engaged = incident.holder(role)
        reason = None
        if not incident.active:
            reason = "the incident is resolved"
        elif engaged is not None:
            reason = f"{names.get(engaged.person_id, engaged.person_id)} is engaged as {role.name}"
        elif role in open_pages:
            reason = f"the {role.name} is already paged (alert group #{open_pages[role]})"
        elif person is None:
            reason = f"nobody is on call as {role.name} now"
        actions.append(Action("page", f"Page the {role.name}{who}", role.value, reason))
    return actions


def _named(reason: str | None, names: dict[str, str], incident: Incident) -> str | None:
    """The rule's message with the owner's id shown as their name ("only the owner, Amara Okafor, ...")."""
    if reason is None:
        return None
    owner = names.get(incident.owner_id)
    return reason.replace(f"owner, {incident.owner_id},", f"owner, {owner},") if owner else reason


def incident_actions(
    incident: Incident,
    actor: Actor,
    now: datetime,
    names: dict[str, str],
    rules: ProcessRules = DEFAULT_RULES,
    team_refusals: Mapping[Role, str | None] | None = None,
) -> IncidentActions:
    """The page's actions, each disabled with the rules' reason; `team_refusals` says, per role,
    why this person may not hold it (config.role_teams: roles are held by their team)."""
    acts = IncidentActions()
    moves = [s for s in State if s is not State.RESOLVED]
    for state in moves:
        if state is not incident.state and incident.state is not State.RESOLVED:
            reason = _named(refusals.state_refusal(incident, state, actor, now, rules), names, incident)
            acts.states.append(Action("state", f"Move to {state.value}", state.value, reason))
    acts.resolve = Action(
        "resolve",
        "Resolve",
        State.RESOLVED.value,
        _named(refusals.state_refusal(incident, State.RESOLVED, actor, now, rules), names, incident),
    )
    if incident.state is State.RESOLVED:
        reason = _named(refusals.reopen_refusal(incident, actor, now, rules), names, incident)
        acts.reopen = Action("reopen", "Reopen", "", reason)
    for status in Status:
        acts.statuses.append(
            Action(
                "status",
                status.title,
                status.value,
                _named(refusals.status_refusal(incident, status, actor, now), names, incident),
            )
        )
    for severity in Severity:
        acts.severities.append(
            Action(
                "severity",
                severity.label,
                severity.label,
                refusals.severity_refusal(incident, severity, actor, now, rules),
            )
        )
    for role in Role:
        acts.engage.append(
            Action(
                "engage",
                f"Engage as {role.name}",
                role.value,
                (team_refusals or {}).get(role) or refusals.engage_refusal(incident, role, actor, now),
            )
        )
        held = incident.holder(role)
        if held is not None and held.person_id == actor.person_id:
            acts.renounce.append(
                Action(
                    "renounce",
                    f"Leave {role.name}",
                    role.value,
                    _named(refusals.renounce_refusal(incident, role, actor, now), names, incident),
                )
            )
    acts.update = Action(
        "update", "Post update", "", _named(refusals.update_refusal(incident, actor, now), names, incident)
    )
    if incident.confidential:
        acts.disclose = Action(
            "disclose",
            "Disclose publicly",
            "",
            _named(refusals.disclose_refusal(incident, actor, now), names, incident),
        )
    return acts


def ago(now: datetime, then: datetime | None) -> timedelta | None:
    return None if then is None else now - then
