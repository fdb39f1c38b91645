"""Incident commands: declare, change state/status/severity/title, roles, notes, reopen."""

from __future__ import annotations

from collections.abc import Callable

from onwatch.config.role_teams import role_team_refusal
from onwatch.config.schema import OnwatchConfig
from onwatch.db.uow import UnitOfWork
from onwatch.directory.store import DirectoryRepository
from onwatch.incidents import checklists
from onwatch.incidents.automation import IncidentAutomation, automation_for
from onwatch.incidents.checklists import incident_checklists
from onwatch.incidents.declare_options import DeclareOptions
from onwatch.incidents.domain.checklists import RoleChecklist
from onwatch.incidents.domain.incident import Incident
from onwatch.incidents.domain.policy import DEFAULT_RULES, ProcessRules
from onwatch.incidents.domain.publicity import checked_public_title
from onwatch.incidents.domain.suggestion import suggested
from onwatch.incidents.domain.updates import PublicUpdate, clean_body
from onwatch.incidents.engagement import engaged_from_group
from onwatch.incidents.events import IncidentResolved, PublicUpdatePosted
from onwatch.incidents.refusals import recorded_refusal, refusal_event
from onwatch.incidents.responders import MAX_REASON as MAX_RESPONDER_REASON
from onwatch.incidents.responders import ResponderPages
from onwatch.incidents.role_pages import NO_SERVICE
from onwatch.incidents.store.incidents import IncidentFilter, IncidentRepository
from onwatch.kernel.enums import EventKind, Role, SecurityImpact, Severity, State, Status
from onwatch.kernel.errors import DomainError, InvalidInput, NotFound, NotInTeam, NotOwner
from onwatch.kernel.timeline import Actor, TimelineEvent
from onwatch.paging.base import PagingCommands
from onwatch.paging.commands import link_to_incident
from onwatch.paging.domain.alerts import GroupStatus
from onwatch.paging.store.groups import AlertGroupRecord, AlertRepository
from onwatch.paging.store.responders import ResponderRecord, ResponderRepository
from onwatch.paging.store.role_pages import RolePageRepository


class IncidentCommands(PagingCommands):
    """Incident commands; the process runs itself in the same transaction (IMOC pages,
    announcements, timers: incidents/automation.py) once a configuration is applied."""

    def automation(self, uow: UnitOfWork) -> IncidentAutomation | None:
        return automation_for(uow, self.cache, self.signer, self.clock.now())

    def declare(
        self,
        actor: Actor,
        *,
        title: str,
        severity: Severity,
        services: list[str] | None = None,
        status: Status = Status.DEGRADED_PERFORMANCE,
        security: bool = False,
        page: frozenset[Role] | None = None,
        document: bool | None = None,
        announce: bool | None = None,
        public_title: str | None = None,
    ) -> Incident:
        """Declare (PROCESS.md §4): the record and, each as chosen (None: the severity's default in
        `severities.<S>.declare`), its working document, the announcements, and pages to the roles
        asked for (S1/S2 always page the IMOC)."""
        with self.db.write() as uow:
            if actor.person_id is not None:
                uow.repo(DirectoryRepository).require_person(actor.person_id, field="declared_by")
            uow.repo(DirectoryRepository).require_services(services or [])
            incident = Incident.declare(
                title=title,
                severity=severity,
                services=services,
                status=status,
                security=security,
                actor=actor,
                now=self.clock.now(),
            )
            incident.public_title = checked_public_title(
                public_title, may_publish=True, owner_id=incident.owner_id
            )
            uow.repo(IncidentRepository).add(incident)
            automation = self.automation(uow)
            if automation is not None:
                automation.declared(incident, actor, DeclareOptions(document, announce, page))
        self.on_commit()
        return incident

    def declare_from_group(
        self,
        group_id: int,
        actor: Actor,
        *,
        severity: Severity | None = None,
        title: str | None = None,
        status: Status | None = None,
        page: frozenset[Role] | None = None,
        document: bool | None = None,
        announce: bool | None = None,
    ) -> tuple[AlertGroupRecord, int]:
        """Declare an incident from an alert group (same transaction) and link them; declaring does
        all it does from scratch (document, announcements, pages). Whoever took the page engages.
        Without a severity or status, the group's suggestion (SLO alerts carry one) is taken, else
        S3 and Degraded Performance."""
        with self.db.write() as uow:
            now = self.clock.now()
            group = uow.repo(AlertRepository).group(group_id, for_update=True)
            group.check_unlinked()
            hinted = suggested(a.labels for a in uow.repo(AlertRepository).alerts_of(group_id))
            severity = severity or hinted[0] or Severity.S3
            status = status or hinted[1] or Status.DEGRADED_PERFORMANCE
            if actor.person_id is not None:
                uow.repo(DirectoryRepository).require_person(actor.person_id, field="declared_by")
            incident = Incident.declare(
                title=title or group.title[:200],
                severity=severity,
                actor=actor,
                now=now,
                services=[group.service_id] if group.service_id != NO_SERVICE else [],
                status=status,
            )
            incident_id = uow.repo(IncidentRepository).add(incident)
            link_to_incident(uow, group, incident_id, actor, now)
            engaged = engaged_from_group(uow, group)
            if engaged is not None:  # whoever took the page engages on the incident (and owns it)
                uow.repo(RolePageRepository).attach_to_incident(group.id, incident_id)
                incident.engage_role(engaged[1], engaged[0], actor, now)
                uow.repo(IncidentRepository).save(incident)
            automation = self.automation(uow)
            if automation is not None:
                automation.declared(incident, actor, DeclareOptions(document, announce, page))
            linked = uow.repo(AlertRepository).group(group_id)
        self.on_commit()
        return linked, incident_id

    def page_role(self, incident_id: int, role: Role, actor: Actor, reason: str | None = None) -> int:
        """Page a role for the incident now (the `/pd trigger` of the process); returns the alert
        group carrying the page. Asking hands nothing over until that person engages."""
        with self.db.write() as uow:
            incident = uow.repo(IncidentRepository).get(incident_id, for_update=True)
            if not incident.active:
                raise InvalidInput(f"incident {incident_id} is resolved; reopen it first", field="id")
            automation = self.automation(uow)
            if automation is None:
                raise InvalidInput("no configuration applied: there is nobody to page", field="role")
            why = reason or f"requested by {actor.name}"
            group_id = automation.pages.page_for_incident(incident, role, actor, why)
            if group_id is None:  # a page to the role is still open
                open_page = uow.repo(RolePageRepository).open_role_page(incident_id, role)
                assert open_page is not None
                raise InvalidInput(
                    f"the {role.name} is already paged for this incident (alert group #{open_page.group_id})",
                    field="role",
                )
        self.on_commit()
        return group_id

    def engage_responder(
        self,
        incident_id: int,
        actor: Actor,
        *,
        expertise: str | None = None,
        person: str | None = None,
        reason: str | None = None,
    ) -> int:
        """Page someone who knows `expertise` (the owning team's on-call, else the people who know
        it) or `person` for the incident; unanswered, it climbs their managers. Returns the alert
        group carrying the page."""
        why = (reason or "").strip() or f"requested by {actor.name}"
        if len(why) > MAX_RESPONDER_REASON:
            raise InvalidInput(f"the reason is longer than {MAX_RESPONDER_REASON} characters", field="reason")
        with self.db.write() as uow:
            incident = uow.repo(IncidentRepository).get(incident_id, for_update=True)
            if not incident.active:
                raise InvalidInput(f"incident {incident_id} is resolved; reopen it first", field="id")
            automation = self.automation(uow)
            if automation is None:
                raise InvalidInput("no configuration applied: there is nobody to page", field="expertise")
            pages = ResponderPages(uow, automation.pager, self.clock.now())
            group_id = pages.page(incident, actor, expertise=expertise, person=person, reason=why)
        self.on_commit()
        return group_id

    def engage_responder_for(
        self, incident_id: int, actor: Actor, who: str, reason: str | None = None
    ) -> int:
        """The CLI's and chat's one word: an area of expertise if there is one by that id, else a person."""
        with self.db.read() as uow:
            config = self.cache.get(uow).config
        word = who.strip().lower()
        if word in config.expertise:
            return self.engage_responder(incident_id, actor, expertise=word, reason=reason)
        if word in config.people:
            return self.engage_responder(incident_id, actor, person=word, reason=reason)
        raise InvalidInput(f"{who!r} is neither an area of expertise nor a person", field="expertise")

    def checklists(self, incident_id: int) -> list[RoleChecklist]:
        """The checklists of the roles engaged on the incident, with their ticks."""
        with self.db.read() as uow:
            incident = uow.repo(IncidentRepository).get(incident_id)
            return incident_checklists(uow, self._config_or_none(uow), incident)

    def tick(
        self, incident_id: int, role: Role, item: str, actor: Actor, *, done: bool = True
    ) -> RoleChecklist:
        """Tick (or untick) an item of an engaged role's checklist; on the timeline."""
        with self.db.write() as uow:
            config = self._config_or_none(uow)
            if config is None:
                raise InvalidInput("no configuration applied: there are no checklists", field="role")
            return checklists.tick(uow, config, incident_id, role, item, actor, self.clock.now(), done=done)

    def _config_or_none(self, uow: UnitOfWork) -> OnwatchConfig | None:
        try:
            return self.cache.get(uow).config
        except NotFound:
            return None

    def responders(self, incident_id: int) -> list[tuple[ResponderRecord, GroupStatus]]:
        with self.db.read() as uow:
            uow.repo(IncidentRepository).get(incident_id)  # 404 for an unknown incident
            return uow.repo(ResponderRepository).for_incident(incident_id)

    def change_state(self, incident_id: int, state: State, actor: Actor) -> Incident:
        return self._mutate(
            incident_id,
            lambda i, u: i.change_state(state, actor, self.clock.now(), rules=self.rules(u)),
            action="resolve" if state is State.RESOLVED else f"set the state to {state.value}",
            actor=actor,
        )

    def resolve(self, incident_id: int, actor: Actor) -> Incident:
        return self.change_state(incident_id, State.RESOLVED, actor)

    def reopen(
        self, incident_id: int, actor: Actor, status: Status = Status.DEGRADED_PERFORMANCE
    ) -> Incident:
        return self._mutate(
            incident_id,
            lambda i, u: i.reopen(actor, self.clock.now(), status=status, rules=self.rules(u)),
            action="reopen the incident",
            actor=actor,
        )

    def change_status(self, incident_id: int, status: Status, actor: Actor) -> Incident:
        return self._mutate(
            incident_id,
            lambda i, _u: i.change_status(status, actor, self.clock.now()),
            action=f"set the status to {status.title}",
            actor=actor,
        )

    def change_severity(
        self, incident_id: int, severity: Severity, actor: Actor, reason: str | None = None
    ) -> Incident:
        return self._mutate(
            incident_id,
            lambda i, u: i.change_severity(
                severity, actor, self.clock.now(), reason=reason, rules=self.rules(u)
            ),
            action=f"set the severity to {severity.label}",
            actor=actor,
        )

    def change_title(self, incident_id: int, title: str, actor: Actor) -> Incident:
        return self._mutate(incident_id, lambda i, _u: i.change_title(title, actor, self.clock.now()))

    def add_note(self, incident_id: int, text: str, actor: Actor) -> Incident:
        return self._mutate(incident_id, lambda i, _u: i.add_note(text, actor, self.clock.now()))

    def assign_role(self, incident_id: int, role: Role, person_id: str, actor: Actor) -> Incident:
        def run(incident: Incident, uow: UnitOfWork) -> None:
            uow.repo(DirectoryRepository).require_person(person_id)
            self._require_team(uow, role, person_id)
            incident.assign_role(role, person_id, actor, self.clock.now())

        return self._mutate(
            incident_id, run, action=f"ask {person_id} to take the {role.name} role", actor=actor
        )

    def engage_role(
        self, incident_id: int, role: Role, actor: Actor, person_id: str | None = None
    ) -> Incident:
        def run(incident: Incident, uow: UnitOfWork) -> None:
            who = self._person_or_actor(uow, person_id, actor)
            self._require_team(uow, role, who)
            incident.engage_role(role, who, actor, self.clock.now())

        return self._mutate(incident_id, run, action=f"engage as {role.name}", actor=actor)

    def _require_team(self, uow: UnitOfWork, role: Role, person_id: str) -> None:
        """Each role is held by its own people (`roles.<role>.team`, PROCESS.md §2 rule 7)."""
        try:
            config = self.cache.get(uow).config
        except NotFound:
            return
        refused = role_team_refusal(config, role, person_id)
        if refused is not None:
            raise NotInTeam(refused, field="person")

    def renounce_role(
        self, incident_id: int, role: Role, actor: Actor, person_id: str | None = None
    ) -> Incident:
        def run(incident: Incident, uow: UnitOfWork) -> None:
            who = self._person_or_actor(uow, person_id, actor)
            incident.renounce_role(role, who, actor, self.clock.now())

        return self._mutate(incident_id, run)

    def post_update(
        self, incident_id: int, body: str, actor: Actor, status: Status | None = None
    ) -> Incident:
        """Post a public update, optionally changing the public status in the same step; status
        page subscribers hear of it in the same transaction (the outbox delivers)."""

        def run(incident: Incident, uow: UnitOfWork) -> None:
            now = self.clock.now()
            if status is not None:
                incident.change_status(status, actor, now)
            update = incident.post_update(body, actor, now)
            assert incident.id is not None
            uow.publish(PublicUpdatePosted(incident.id, incident.title, incident.confidential, update, now))

        return self._mutate(incident_id, run, action="post a public update", actor=actor)

    def set_public_title(self, incident_id: int, title: str | None, actor: Actor) -> Incident:
        """What the status page calls the incident (the CMOC's, or the owner's until one engages)."""
        return self._mutate(
            incident_id,
            lambda i, _u: i.set_public_title(title, actor, self.clock.now()),
            action="set the public title",
            actor=actor,
        )

    def edit_update(self, incident_id: int, update_id: int, body: str, actor: Actor) -> Incident:
        """Correct a public update's words (the final "Resolved" one, a typo): the status page and
        its feeds show the new text; the timeline keeps both."""

        def run(incident: Incident, uow: UnitOfWork) -> None:
            text = clean_body(body)
            if not incident.may_publish(actor):
                raise NotOwner(
                    f"only the CMOC or the owner, {incident.owner_id}, can edit public updates", field="body"
                )
            if not uow.repo(IncidentRepository).edit_update(incident_id, update_id, text):
                raise NotFound(f"incident {incident_id} has no public update {update_id}", field="update_id")
            incident.add_event(
                EventKind.PUBLIC_UPDATE_EDITED,
                actor,
                self.clock.now(),
                f"{actor.name} edited public update #{update_id}: {text}",
                {"update": update_id},
            )

        return self._mutate(incident_id, run, action="edit a public update", actor=actor)

    def flag_security(self, incident_id: int, actor: Actor, impact: SecurityImpact | None = None) -> Incident:
        """Security related: confidential, the security on-call paged; with an `impact` that needs
        the IMOC (a blocked path or feature, unauthorised access), the IMOC too."""
        return self._mutate(
            incident_id, lambda i, _u: i.flag_security(actor, self.clock.now(), impact=impact)
        )

    def withhold_public_post(self, incident_id: int, reason: str, actor: Actor) -> Incident:
        return self._mutate(
            incident_id, lambda i, _u: i.withhold_public_post(reason, actor, self.clock.now())
        )

    def disclose(self, incident_id: int, actor: Actor) -> Incident:
        return self._mutate(
            incident_id, lambda i, _u: i.disclose(actor, self.clock.now()), action="disclose", actor=actor
        )

    def process_rules(self) -> ProcessRules:
        with self.db.read() as uow:
            return self.rules(uow)

    def rules(self, uow: UnitOfWork) -> ProcessRules:
        """The process's tunable rules from the applied config (PROCESS.md's numbers without one)."""
        try:
            config = self.cache.get(uow).config
        except NotFound:
            return DEFAULT_RULES
        imoc = config.roles.get(Role.IMOC)
        team = config.teams.get(imoc.team) if imoc is not None and imoc.team else None
        return ProcessRules(
            partial_monitoring=config.process.partial_monitoring,
            imoc_team=frozenset(team.members) if team is not None else frozenset(),
        )

    # ---- queries ---------------------------------------------------------------------------

    def page_to(self, incident_id: int, person: str) -> int | None:
        """The incident's open role page that paged `person` (what "ack" in chat means), if any."""
        with self.db.read() as uow:
            uow.repo(IncidentRepository).get(incident_id)
            for page in uow.repo(RolePageRepository).open_role_pages(incident_id):  # newest first
                if uow.repo(AlertRepository).group(page.group_id).status is not GroupStatus.TRIGGERED:
                    continue
                if uow.repo(AlertRepository).was_paged(page.group_id, person):
                    return page.group_id
        return None

    def updates(self, incident_id: int) -> list[PublicUpdate]:
        """The incident's public updates, newest first."""
        with self.db.read() as uow:
            uow.repo(IncidentRepository).get(incident_id)
            return uow.repo(IncidentRepository).updates([incident_id])[incident_id]

    def get(self, incident_id: int) -> Incident:
        with self.db.read() as uow:
            return uow.repo(IncidentRepository).get(incident_id)

    def find(self, flt: IncidentFilter) -> list[Incident]:
        with self.db.read() as uow:
            return uow.repo(IncidentRepository).find(flt)

    def timeline(self, incident_id: int, *, after_id: int = 0, limit: int = 1000) -> list[TimelineEvent]:
        with self.db.read() as uow:
            uow.repo(IncidentRepository).get(incident_id)  # 404 for an unknown incident, not an empty list
            return uow.repo(IncidentRepository).timeline(incident_id, after_id=after_id, limit=limit)

    # ---- helpers ---------------------------------------------------------------------------

    @staticmethod
    def _person_or_actor(uow: UnitOfWork, person_id: str | None, actor: Actor) -> str:
        if person_id is not None:
            uow.repo(DirectoryRepository).require_person(person_id)
            return person_id
        if actor.person_id is None:
            raise InvalidInput("name the person: this token is not tied to one", field="person")
        return actor.person_id

    def _mutate(
        self,
        incident_id: int,
        change: Callable[[Incident, UnitOfWork], None],
        *,
        action: str | None = None,
        actor: Actor | None = None,
    ) -> Incident:
        """Load with a row lock, decide, save the incident and its events, and let the process react
        (IMOC page, timers), all in one transaction. With an `action`, a refusal by the rules is
        recorded on the timeline instead (nothing else is written) and then raised: the review sees
        who tried what, and why the rules said no."""
        refused: DomainError | None = None
        with self.db.write() as uow:
            incident = uow.repo(IncidentRepository).get(incident_id, for_update=True)
            was_active = incident.active
            try:
                change(incident, uow)
            except DomainError as refusal:
                if action is None or actor is None or not recorded_refusal(refusal):
                    raise
                refused = refusal
                event = refusal_event(action, actor, refusal, self.clock.now())
                uow.repo(IncidentRepository).append_event(incident_id, event)
            if refused is None and incident.new_events:
                changes = list(incident.new_events)
                uow.repo(IncidentRepository).save(incident)
                automation = self.automation(uow)
                if automation is not None:
                    automation.react(incident)
                    automation.relay(incident, changes)
                if was_active and not incident.active:
                    uow.publish(IncidentResolved(incident_id, self.clock.now()))
        if refused is not None:
            raise refused
        self.on_commit()
        return incident
