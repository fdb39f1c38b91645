"""The incident aggregate: single owner, cascading roles, state, status and severity.

Every command validates against the rules of PROCESS.md §2, §5-§7, changes the incident and
appends timeline events to `new_events`; the store persists both in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from onwatch.incidents.domain import guards, lifecycle, publicity
from onwatch.incidents.domain.policy import DEFAULT_RULES, ProcessRules
from onwatch.incidents.domain.roles import RoleAssignment, highest_engaged_cascade_role, holder, pending
from onwatch.incidents.domain.updates import MAX_REASON, PublicUpdate, clean_body
from onwatch.kernel.enums import EventKind, Role, SecurityImpact, Severity, State, Status
from onwatch.kernel.errors import DomainError, InvalidInput, InvalidTransition, NotOwner
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
        return actor.person_id is not None and actor.person_id == self.owner_id

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

    def reopen(self, actor: Actor, now: datetime, *, status: Status = Status.DEGRADED_PERFORMANCE) -> None:
        if self.state is not State.RESOLVED:
            raise InvalidTransition("only a resolved incident can be reopened", field="state")
        if status is Status.OPERATIONAL:
            raise InvalidInput("a reopened incident needs a non-operational status", field="status")
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

    # ---- public communication (PROCESS.md §9) ----------------------------------------------

    def post_update(self, body: str, actor: Actor, now: datetime) -> PublicUpdate:
        """Post to the public status page; resets the update cadence clock."""
        text = clean_body(body)
        if self.confidential:
            raise InvalidTransition(
                "this incident is confidential: the owner must disclose it before anything is posted "
                "publicly",
                field="body",
            )
        update = PublicUpdate(at=now, state=self.state, status=self.status, body=text, author=actor.name)
        self.new_updates.append(update)
        self.last_public_update_at = now
        self._record(
            EventKind.PUBLIC_UPDATE,
            actor,
            now,
            f"{actor.name} posted a public update: {text}",
            {"state": self.state.value, "status": self.status.value},
        )
        return update

    def may_publish(self, actor: Actor) -> bool:
        """The CMOC is the voice to the public; until one engages, the owner (PROCESS.md §9)."""
        cmoc = self.holder(Role.CMOC)
        return actor.person_id is not None and actor.person_id in {self.owner_id, cmoc and cmoc.person_id}

    def set_public_title(self, title: str | None, actor: Actor, now: datetime) -> None:
        """What the status page calls the incident; None goes back to the neutral default."""
        cleaned = publicity.checked_public_title(
            title, may_publish=self.may_publish(actor), owner_id=self.owner_id
        )
        if cleaned != self.public_title:
            self.public_title = cleaned
            said = f"set the public title: {cleaned}" if cleaned else "reset the public title"
            self._record(EventKind.PUBLIC_TITLE_CHANGED, actor, now, f"{actor.name} {said}", {"to": cleaned})

    def flag_security(self, actor: Actor, now: datetime, *, impact: SecurityImpact | None = None) -> None:
        """Security related: confidential from now on, until the owner discloses it. Blocking a whole
        path or feature, or unauthorised access to production, needs the IMOC (PROCESS.md §9)."""
        if not self.security:
            self.security = True
            self.confidential = True
            self._record(
                EventKind.SECURITY_FLAGGED,
                actor,
                now,
                f"{actor.name} flagged the incident as security related; it is confidential",
                {"impact": impact.value if impact else None},
            )
        if impact is not None and self.active:
            self._require_imoc(actor, now, f"security: {impact.description}")

    def withhold_public_post(self, reason: str, actor: Actor, now: datetime) -> None:
        """The owner decides not to post publicly (e.g. to protect self-managed users until a fix
        ships), with the reason on the record; no public-update reminders while withheld."""
        text = clean_body(reason, field="reason", limit=MAX_REASON)
        if not self.is_owner(actor):
            raise NotOwner(f"only the owner, {self.owner_id}, can withhold the public post", field="reason")
        if not self.security:
            raise InvalidTransition("only a security incident's public post can be withheld", field="reason")
        self.public_withheld_reason = text
        self._record(
            EventKind.PUBLIC_POST_WITHHELD,
            actor,
            now,
            f"{actor.name} withheld the public post: {text}",
            {"reason": text},
        )

    def disclose(self, actor: Actor, now: datetime) -> None:
        """The owner makes a confidential incident public (it then shows on the status page)."""
        if not self.confidential:
            return
        if not self.is_owner(actor):
            raise NotOwner(
                f"only the owner, {self.owner_id}, can disclose this incident", field="confidential"
            )
        self.confidential = False
        self.public_withheld_reason = None
        self._record(EventKind.DISCLOSED, actor, now, f"{actor.name} disclosed the incident publicly", {})

    # ---- roles and ownership ---------------------------------------------------------------

    def assign_role(self, role: Role, person_id: str, actor: Actor, now: datetime) -> None:
        """Ask a person to take a role. Hands over nothing until they engage."""
        current = self.holder(role)
        if current is not None and current.person_id == person_id:
            return
        asked = pending(self.roles, role)
        if asked is not None:
            if asked.person_id == person_id:
                return
            asked.renounced_at = now
        self.roles.append(
            RoleAssignment(role=role, person_id=person_id, assigned_at=now, assigned_by=actor.name)
        )
        self._record(
            EventKind.ROLE_ASSIGNED,
            actor,
            now,
            f"{actor.name} asked {person_id} to take the {role.name} role",
            {"role": role.value, "person": person_id},
        )

    def engage_role(self, role: Role, person_id: str, actor: Actor, now: datetime) -> None:
        """A person engages (acknowledges) a role; the cascade decides whether they now own."""
        current = self.holder(role)
        if current is not None and current.person_id == person_id:
            return
        asked = pending(self.roles, role)
        if asked is not None and asked.person_id == person_id:
            asked.engaged_at = now
            assignment = asked
        else:
            if asked is not None:
                asked.renounced_at = now
            assignment = RoleAssignment(
                role=role, person_id=person_id, assigned_at=now, assigned_by=actor.name, engaged_at=now
            )
            self.roles.append(assignment)
        if current is not None:
            current.renounced_at = now
        self._record(
            EventKind.ROLE_ENGAGED,
            actor,
            now,
            f"{person_id} engaged as {role.name}"
            + (f", taking over from {current.person_id}" if current else ""),
            {"role": role.value, "person": person_id, "previous": current.person_id if current else None},
        )
        rank = role.cascade_rank
        owner_rank = self.owner_role.cascade_rank if self.owner_role else None
        if rank is not None and rank >= (owner_rank if owner_rank is not None else -1):
            self._set_owner(person_id, role, actor, now)
        if role is Role.IMOC and self.imoc_required:
            self.imoc_required = False

    def renounce_role(self, role: Role, person_id: str, actor: Actor, now: datetime) -> None:
        """A person leaves a role (or declines being asked). The owner cannot leave the
        incident without an owner: ownership passes down to the highest engaged role left."""
        assignment = next(
            (a for a in self.roles if a.role is role and a.active and a.person_id == person_id), None
        )
        if assignment is None:
            raise InvalidInput(f"{person_id} does not hold the {role.name} role", field="person")
        successor: RoleAssignment | None = None
        if assignment.engaged and self.owner_role is role and self.owner_id == person_id:
            successor = highest_engaged_cascade_role(self.roles, excluding=assignment)
            if successor is None:
                raise DomainError(
                    f"{person_id} owns this incident as {role.name}; another person must engage a role "
                    "(or take over this one) before they can leave it",
                    field="role",
                )
        assignment.renounced_at = now
        self._record(
            EventKind.ROLE_RENOUNCED,
            actor,
            now,
            f"{person_id} left the {role.name} role"
            if assignment.engaged_at
            else f"{person_id} declined the {role.name} role",
            {"role": role.value, "person": person_id},
        )
        if successor is not None:
            self._set_owner(successor.person_id, successor.role, actor, now)
        if role is Role.IMOC and assignment.engaged_at and self.active:
            if self.status.requires_imoc:
                self._require_imoc(actor, now, f"status {self.status.title} needs the IMOC engaged")
            elif self.severity <= Severity.S2:
                self._require_imoc(actor, now, f"{self.severity.label} incidents need the IMOC engaged")

    def _set_owner(self, person_id: str, role: Role | None, actor: Actor, now: datetime) -> None:
        previous = self.owner_id
        self.owner_role = role
        if previous == person_id:
            return
        self.owner_id = person_id
        self._record(
            EventKind.OWNER_CHANGED,
            actor,
            now,
            f"ownership passed from {previous} to {person_id}" + (f" ({role.name})" if role else ""),
            {"from": previous, "to": person_id, "role": role.value if role else None},
        )

    def _require_imoc(self, actor: Actor, now: datetime, reason: str) -> None:
        if self.holder(Role.IMOC) is not None or self.imoc_required:
            return
        self.imoc_required = True
        self._record(EventKind.IMOC_REQUIRED, actor, now, f"IMOC required: {reason}", {"reason": reason})

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
