"""The incident aggregate: single owner, cascading roles, state, status and severity.

Every command validates against the rules of PROCESS.md §2, §5-§7, changes the incident and
appends timeline events to `new_events`; the store persists both in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from onwatch.incidents.domain import guards, lifecycle, publicity
from onwatch.incidents.domain import roles as role_commands
from onwatch.incidents.domain.policy import DEFAULT_RULES, ProcessRules
from onwatch.incidents.domain.roles import RoleAssignment, holder
from onwatch.incidents.domain.updates import MAX_REASON, PublicUpdate
from onwatch.kernel.enums import EventKind, Role, SecurityImpact, Severity, State, Status
from onwatch.kernel.errors import InvalidInput, InvalidTransition, NotOwner
from onwatch.kernel.timeline import Actor, JSONValue, TimelineEvent

MAX_TITLE = 200
RESOLVED_UPDATE = "Resolved: this incident has been resolved and the service is operating normally."
MAX_NOTE = 20_000


def _clean_title(title: str) -> str:
    cleaned = " ".join(title.split())
    if not cleaned:
        raise InvalidInput("title must not be empty", field="title")
    if len(cleaned) > MAX_TITLE:
        raise InvalidInput(f"title is longer than {MAX_TITLE} characters", field="title")
    return cleaned


@dataclass
class Incident:
    title: str
    severity: Severity
    state: State
    status: Status
    services: list[str]
    declared_by: str
    declared_at: datetime
    owner_id: str
    owner_role: Role | None = None
    imoc_required: bool = False
    review_requested: bool = False
    review_completed: bool = False  # its post-incident review is completed (the reviews slice)
    mitigated_at: datetime | None = None
    # when it last entered Monitoring (None while it is not monitored): a Partial Service
    # Disruption resolves only after more than `ProcessRules.partial_monitoring` of it
    monitoring_since: datetime | None = None
    resolved_at: datetime | None = None
    updated_at: datetime | None = None
    roles: list[RoleAssignment] = field(default_factory=list)
    # security incidents are confidential: hidden from viewers and from every public output
    security: bool = False
    confidential: bool = False
    public_withheld_reason: str | None = None
    last_public_update_at: datetime | None = None
    # the title the status page shows (the CMOC's words); None: a neutral default naming components
    public_title: str | None = None
    id: int | None = None
    version: int = 0
    new_events: list[TimelineEvent] = field(default_factory=list, repr=False)
    new_updates: list[PublicUpdate] = field(default_factory=list, repr=False)

    # ---- declaring -------------------------------------------------------------------------

    @classmethod
    def declare(
        cls,
        *,
        title: str,
        severity: Severity,
        actor: Actor,
        now: datetime,
        services: list[str] | None = None,
        status: Status = Status.DEGRADED_PERFORMANCE,
        security: bool = False,
    ) -> Incident:
        """Open an incident. The declarer owns it until a role of the cascade engages."""
        if actor.person_id is None:
            raise InvalidInput("an incident must be declared by a person", field="declared_by")
        incident = cls(
            title=_clean_title(title),
            severity=severity,
            state=State.INVESTIGATING,
            status=status,
            services=sorted(set(services or [])),
            declared_by=actor.person_id,
            declared_at=now,
            owner_id=actor.person_id,
            review_requested=severity is Severity.S1,
            updated_at=now,
        )
        incident._record(
            EventKind.DECLARED,
            actor,
            now,
            f"{actor.name} declared {severity.label} incident: {incident.title}",
            {
                "severity": severity.label,
                "status": status.value,
                "services": list(incident.services),
                "owner": actor.person_id,
            },
        )
        if security:
            incident.flag_security(actor, now)
        if severity <= Severity.S2:
            incident._require_imoc(actor, now, f"{severity.label} incidents need the IMOC engaged")
        if status.requires_imoc:
            incident._require_imoc(actor, now, f"status {status.title} needs the IMOC engaged")
        return incident

    # ---- derived views ---------------------------------------------------------------------

    @property
    def labels(self) -> list[str]:
        return lifecycle.labels(
            state=self.state,
            severity=self.severity,
            services=self.services,
            review_requested=self.review_requested,
            review_completed=self.review_completed,
        )

    @property
    def active(self) -> bool:
        return self.state is not State.RESOLVED

    def holder(self, role: Role) -> RoleAssignment | None:
        return holder(self.roles, role)

    def is_owner(self, actor: Actor) -> bool:
        return role_commands.is_owner(self, actor)

    def _require_owner(self, actor: Actor, what: str, field: str) -> None:
        """State and status are updated by the incident owner; others add notes (§2 rule 6)."""
        if not self.is_owner(actor):
            raise NotOwner(f"only the owner, {self.owner_id}, can {what}", field=field)

    # ---- state, status, severity -----------------------------------------------------------

    def change_state(
        self, target: State, actor: Actor, now: datetime, *, rules: ProcessRules = DEFAULT_RULES
    ) -> None:
        if target is self.state:
            return
        if self.state is State.RESOLVED:
            raise InvalidTransition(
                f"incident is resolved; reopen it before moving it to {target.value}", field="state"
            )
        if target is State.RESOLVED:
            self._require_owner(actor, "resolve this incident", "state")
        else:
            self._require_owner(actor, "change the state of this incident", "state")
        if not lifecycle.can_transition(self.state, target):
            allowed = ", ".join(sorted(s.value for s in lifecycle.ALLOWED[self.state]))
            raise InvalidTransition(
                f"cannot go from {self.state.value} to {target.value}; allowed: {allowed}", field="state"
            )
        if target is State.RESOLVED:
            guards.check_resolvable(self.status, self.state, self.monitoring_since, self.roles, now, rules)
            self._resolve(actor, now)
            return
        previous = self.state
        self.state = target
        if target is State.MONITORING:
            self.monitoring_since = now
            if self.mitigated_at is None:
                self.mitigated_at = now
        else:
            self.monitoring_since = None
        self._record(
            EventKind.STATE_CHANGED,
            actor,
            now,
            f"{actor.name} changed state from {previous.value} to {target.value}",
            {"from": previous.value, "to": target.value},
        )

    def _resolve(self, actor: Actor, now: datetime) -> None:
        previous = self.state
        self.state = State.RESOLVED
        self.resolved_at = now
        self.imoc_required = False  # nothing left to manage: the rule stops asking for the IMOC
        if self.mitigated_at is None:
            self.mitigated_at = now
        self._record(
            EventKind.STATE_CHANGED,
            actor,
            now,
            f"{actor.name} resolved the incident",
            {"from": previous.value, "to": State.RESOLVED.value},
        )
        # Resolved implies Operational (PROCESS.md §7).
        self._set_status(Status.OPERATIONAL, actor, now, reason="resolved")
        if self.last_public_update_at is not None and not self.confidential:
            # the public heard of it: they hear it is over (the CMOC may edit the words)
            self.post_update(RESOLVED_UPDATE, actor, now)

    def reopen(
        self,
        actor: Actor,
        now: datetime,
        *,
        status: Status = Status.DEGRADED_PERFORMANCE,
        rules: ProcessRules = DEFAULT_RULES,
    ) -> None:
        """Back to Investigating: only the owner or the IMOC reopen (guards.check_may_reopen)."""
        if self.state is not State.RESOLVED:
            raise InvalidTransition("only a resolved incident can be reopened", field="state")
        if status is Status.OPERATIONAL:
            raise InvalidInput("a reopened incident needs a non-operational status", field="status")
        guards.check_may_reopen(self.owner_id, self.roles, actor, rules)
        self.state = State.INVESTIGATING
        self.resolved_at = None
        self.monitoring_since = None
        self._record(
            EventKind.REOPENED, actor, now, f"{actor.name} reopened the incident", {"to": "investigating"}
        )
        self._set_status(status, actor, now, reason="reopened")

    def change_status(self, target: Status, actor: Actor, now: datetime) -> None:
        if target is self.status:
            return
        if self.state is State.RESOLVED:
            raise InvalidTransition(
                "a resolved incident is Operational; reopen it to change its status", field="status"
            )
        self._require_owner(actor, "change the status of this incident", "status")
        self._set_status(target, actor, now)

    def _set_status(self, target: Status, actor: Actor, now: datetime, *, reason: str | None = None) -> None:
        previous = self.status
        if previous is target:
            return
        self.status = target
        data: dict[str, JSONValue] = {"from": previous.value, "to": target.value}
        if reason:
            data["reason"] = reason
        self._record(
            EventKind.STATUS_CHANGED,
            actor,
            now,
            f"{actor.name} changed status from {previous.title} to {target.title}",
            data,
        )
        if target.requires_imoc:
            self._require_imoc(actor, now, f"status {target.title} needs the IMOC engaged")

    def change_severity(
        self,
        target: Severity,
        actor: Actor,
        now: datetime,
        *,
        reason: str | None = None,
        rules: ProcessRules = DEFAULT_RULES,
    ) -> None:
        if target is self.severity:
            return
        reason = " ".join((reason or "").split()) or None
        if reason is not None and len(reason) > MAX_REASON:
            raise InvalidInput(f"reason is longer than {MAX_REASON} characters", field="reason")
        if not self.active:
            guards.check_final_severity(self.roles, actor, reason, rules)
        previous = self.severity
        self.severity = target
        if target is Severity.S1:
            self.review_requested = True
        data: dict[str, JSONValue] = {"from": previous.label, "to": target.label}
        if reason:
            data["reason"] = reason
        self._record(
            EventKind.SEVERITY_CHANGED,
            actor,
            now,
            f"{actor.name} changed severity from {previous.label} to {target.label}"
            + (f": {reason}" if reason else ""),
            data,
        )
        if target <= Severity.S2 and self.active:
            self._require_imoc(actor, now, f"{target.label} incidents need the IMOC engaged")

    def conclude_review(self, review_id: int, final_severity: Severity, actor: Actor, now: datetime) -> None:
        """Its review completed: the review's final severity classification becomes the incident's
        (PROCESS.md §5, §10) and the workflow label moves to Incident::Review-Completed."""
        if final_severity is not self.severity:
            previous, self.severity = self.severity, final_severity
            self._record(
                EventKind.SEVERITY_CHANGED,
                actor,
                now,
                f"review #{review_id} classified the final severity {final_severity.label} "
                f"(was {previous.label})",
                {"from": previous.label, "to": final_severity.label, "review": review_id, "final": True},
            )
        self.review_completed = True
        self._record(
            EventKind.REVIEW,
            actor,
            now,
            f"{actor.name} completed review #{review_id}: final severity {final_severity.label}",
            {"review": review_id, "final_severity": final_severity.label, "completed": True},
        )

    def reopen_review(self, review_id: int, actor: Actor, now: datetime) -> None:
        self.review_completed = False
        self._record(
            EventKind.REVIEW, actor, now, f"{actor.name} reopened review #{review_id}", {"review": review_id}
        )

    def change_title(self, title: str, actor: Actor, now: datetime) -> None:
        cleaned = _clean_title(title)
        if cleaned == self.title:
            return
        previous, self.title = self.title, cleaned
        self._record(
            EventKind.TITLE_CHANGED,
            actor,
            now,
            f"{actor.name} renamed the incident to: {cleaned}",
            {"from": previous, "to": cleaned},
        )

    def add_note(self, text: str, actor: Actor, now: datetime) -> None:
        body = text.strip()
        if not body:
            raise InvalidInput("note must not be empty", field="text")
        if len(body) > MAX_NOTE:
            raise InvalidInput(f"note is longer than {MAX_NOTE} characters", field="text")
        self._record(EventKind.NOTE, actor, now, body, {})

    # ---- public communication (PROCESS.md §9; the rules live in domain/publicity.py) -----

    def post_update(self, body: str, actor: Actor, now: datetime) -> PublicUpdate:
        """Post to the public status page; resets the update cadence clock."""
        return publicity.post_update(self, body, actor, now)

    def may_publish(self, actor: Actor) -> bool:
        """The CMOC is the voice to the public; until one engages, the owner (PROCESS.md §9)."""
        return publicity.may_publish(self, actor)

    def set_public_title(self, title: str | None, actor: Actor, now: datetime) -> None:
        """What the status page calls the incident; None goes back to the neutral default."""
        publicity.set_public_title(self, title, actor, now)

    def flag_security(self, actor: Actor, now: datetime, *, impact: SecurityImpact | None = None) -> None:
        """Security related: confidential from now on, until the owner discloses it."""
        publicity.flag_security(self, actor, now, impact=impact)

    def withhold_public_post(self, reason: str, actor: Actor, now: datetime) -> None:
        """The owner decides not to post publicly, with the reason on the record."""
        publicity.withhold_public_post(self, reason, actor, now)

    def disclose(self, actor: Actor, now: datetime) -> None:
        """The owner makes a confidential incident public (it then shows on the status page)."""
        publicity.disclose(self, actor, now)

    # ---- roles and ownership (PROCESS.md §2; the rules live in domain/roles.py) ------------

    def assign_role(self, role: Role, person_id: str, actor: Actor, now: datetime) -> None:
        """Ask a person to take a role. Hands over nothing until they engage."""
        role_commands.assign_role(self, role, person_id, actor, now)

    def engage_role(self, role: Role, person_id: str, actor: Actor, now: datetime) -> None:
        """A person engages (acknowledges) a role; the cascade decides whether they now own."""
        role_commands.engage_role(self, role, person_id, actor, now)

    def renounce_role(self, role: Role, person_id: str, actor: Actor, now: datetime) -> None:
        """A person leaves a role (or declines being asked); ownership never goes missing."""
        role_commands.renounce_role(self, role, person_id, actor, now)

    def _require_imoc(self, actor: Actor, now: datetime, reason: str) -> None:
        role_commands.require_imoc(self, actor, now, reason)

    # ---- timeline --------------------------------------------------------------------------

    def add_event(
        self, kind: EventKind, actor: Actor, now: datetime, message: str, data: dict[str, JSONValue]
    ) -> None:
        """An event a command records about the incident (e.g. a public update edited)."""
        self._record(kind, actor, now, message, data)

    def _record(
        self, kind: EventKind, actor: Actor, now: datetime, message: str, data: dict[str, JSONValue]
    ) -> None:
        self.updated_at = now
        self.new_events.append(
            TimelineEvent(
                at=now, kind=kind, actor=actor.name, interface=actor.interface, message=message, data=data
            )
        )
