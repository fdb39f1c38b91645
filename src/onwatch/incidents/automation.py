"""The process's reflexes, run inside the command's transaction after an incident changed:
page the IMOC when the rules require one, keep the incident's timers in step with its state,
and on declaration write the document, announce, notify the advocates and page who was asked."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from onwatch.config.cache import ConfigCache
from onwatch.config.schema import DeclareDefaults
from onwatch.db.uow import UnitOfWork
from onwatch.directory.access import CIRCLE_CHANNEL
from onwatch.incidents import announcements
from onwatch.incidents.declare_options import DEFAULT_OPTIONS, DeclareOptions
from onwatch.incidents.document_header import refresh_header
from onwatch.incidents.domain.incident import Incident
from onwatch.incidents.domain.rules import (
    investigating_deadline,
    needs_imoc_page,
    next_reminder,
    next_update_due,
    public_deadlines,
    update_interval,
)
from onwatch.incidents.relay import relay_changes
from onwatch.incidents.role_pages import RolePages
from onwatch.incidents.store.documents import DocumentRepository
from onwatch.incidents.store.incidents import IncidentRepository
from onwatch.kernel.enums import EventKind, Interface, Role, Severity
from onwatch.kernel.errors import NotFound
from onwatch.kernel.timeline import Actor, JSONValue, TimelineEvent
from onwatch.notify.base import Notification
from onwatch.paging.links import LinkSigner
from onwatch.paging.outreach import post_to_channel
from onwatch.paging.pager import Pager
from onwatch.paging.store.role_pages import RolePageRepository

INVESTIGATING = "incident_investigating"
UPDATE_DUE = "incident_update_due"
PUBLIC_CHECK = "incident_public_check"
ENGINE = Actor(name="onwatch", interface=Interface.ENGINE)
DEFAULT_ANNOUNCE = ("production", "incident_management")


def timer_key(incident_id: int, kind: str) -> str:
    return f"inc:{incident_id}:{kind}:"


def automation_for(
    uow: UnitOfWork, cache: ConfigCache, signer: Callable[[UnitOfWork], LinkSigner], now: datetime
) -> IncidentAutomation | None:
    """The process's reflexes for this unit of work, for commands and reactions (timer handlers get
    theirs, on the timer pass's Pager, in incidents/timers.py); None while no configuration is
    applied: there is nobody to page and no cadence to keep."""
    try:
        applied = cache.get(uow)
    except NotFound:
        return None
    return IncidentAutomation(uow, Pager(uow, applied, signer(uow), now), now)


class IncidentAutomation:
    def __init__(self, uow: UnitOfWork, pager: Pager, now: datetime) -> None:
        self.uow = uow
        self.pager = pager
        self.now = now
        self.applied = pager.applied
        self.pages = RolePages(uow, pager, now)

    # ---- after every change -----------------------------------------------------------------

    def react(self, incident: Incident) -> None:
        """Page the IMOC if required and none is engaged or paged; reschedule the incident's timers.
        (Resolving stands the role pages down: incidents/reactions.py.)"""
        assert incident.id is not None
        if incident.active:
            # the reason is looked up only when a page goes out: not on every change while one is open
            if (
                needs_imoc_page(incident)
                and self.uow.repo(RolePageRepository).open_role_page(incident.id, Role.IMOC) is None
            ):
                self.pages.page_for_incident(incident, Role.IMOC, ENGINE, self._imoc_reason(incident))
            if incident.security and incident.holder(Role.SECURITY) is None:
                self.pages.page_for_incident(incident, Role.SECURITY, ENGINE, "security related incident")
            self.pages.stand_down_superseded(incident)
        self.schedule(incident)

    def relay(self, incident: Incident, events: Sequence[TimelineEvent]) -> None:
        """Tell #incident-management (and the channels that ask for it) what just changed."""
        relay_changes(self.uow, self.applied, self.pager.signer.public_url, incident, events, self.now)
        refresh_header(self.uow, self.applied, self.pager.signer.public_url, incident, events, self.now)

    def _imoc_reason(self, incident: Incident) -> str:
        assert incident.id is not None
        event = self.uow.repo(IncidentRepository).last_event(incident.id, EventKind.IMOC_REQUIRED)
        return str(event.data.get("reason", "IMOC required")) if event else "IMOC required"

    def schedule(self, incident: Incident) -> None:
        assert incident.id is not None
        timers, process = self.uow.timers, self.applied.config.process
        payload = {"incident_id": incident.id}
        prefix = timer_key(incident.id, "investigating")
        timers.cancel_timers(prefix)
        deadline = investigating_deadline(incident, process.investigating_escalation)
        if deadline is not None:
            timers.schedule(INVESTIGATING, deadline, payload, f"{prefix}{deadline.isoformat()}", self.now)
        prefix = timer_key(incident.id, "update")
        timers.cancel_timers(prefix)
        cadence = announcements.cadence_of(self.applied)
        due = next_update_due(incident, cadence)
        interval = update_interval(incident.severity, incident.state, cadence)
        if due is not None and interval is not None:
            at = next_reminder(due, interval, self.now)
            timers.schedule(
                UPDATE_DUE, at, {**payload, "due": due.isoformat()}, f"{prefix}{at.isoformat()}", self.now
            )

    # ---- declaration --------------------------------------------------------------------------

    def declared(self, incident: Incident, actor: Actor, options: DeclareOptions = DEFAULT_OPTIONS) -> None:
        """Everything PROCESS.md §4 says declaring does, after the incident row exists: each of the
        document, the announcements and the pages as the declarer chose, else as the severity's
        `declare` defaults say; S1/S2 always page the IMOC, security incidents security."""
        assert incident.id is not None
        process = self.applied.config.process
        rule = self.applied.config.severities.get(incident.severity.label)
        defaults = rule.declare if rule is not None else DeclareDefaults()
        document, announce, chosen = options.resolved(defaults)
        public_url = self.pager.signer.public_url
        if document:
            self.uow.repo(DocumentRepository).add_document_version(
                incident.id,
                1,
                announcements.document(incident, self.applied, public_url),
                actor.name,
                self.now,
            )
        page = set(chosen) if chosen is not None else set(defaults.page)
        wanted = set(page)
        if chosen is None and incident.severity in process.cmoc_auto_page:
            wanted.add(Role.CMOC)
        if incident.security:
            wanted.add(Role.SECURITY)
        if incident.severity <= Severity.S2:
            wanted.add(Role.IMOC)
        paged: list[str] = []
        for role in (Role.EOC, Role.IMOC, Role.CMOC, Role.SECURITY):
            if role not in wanted or incident.holder(role) is not None:
                continue
            sev = incident.severity.label
            if role in page:
                reason = (
                    "asked for when declaring"
                    if chosen is not None
                    else f"{sev} incidents page the {role.name} (config: severities.{sev}.declare.page)"
                )
            else:
                reason = self._auto_reason(incident, role)
            if self.pages.page_for_incident(incident, role, actor, reason) is not None:
                paged.append(role.name)
        if announce:
            self._announce(incident, actor, paged, with_document=document)
        if not incident.security:
            deadlines = public_deadlines(incident, process.first_update_flag, process.public_update_within)
            payload = {"incident_id": incident.id}
            key = timer_key(incident.id, "public")
            self.uow.timers.schedule(
                PUBLIC_CHECK, deadlines.flag_at, {**payload, "stage": "flag"}, f"{key}flag", self.now
            )
            self.uow.timers.schedule(
                PUBLIC_CHECK, deadlines.deadline, {**payload, "stage": "deadline"}, f"{key}deadline", self.now
            )
        self.schedule(incident)

    @staticmethod
    def _auto_reason(incident: Incident, role: Role) -> str:
        if role is Role.IMOC:
            return f"{incident.severity.label} incidents need the IMOC engaged"
        if role is Role.SECURITY:
            return "security related incident"
        return f"{incident.severity.label} incidents page the CMOC (config: process.cmoc_auto_page)"

    def _announce(
        self, incident: Incident, actor: Actor, paged: list[str], *, with_document: bool = True
    ) -> None:
        assert incident.id is not None
        process = self.applied.config.process
        channels = list(
            process.announce_channels or [c for c in DEFAULT_ANNOUNCE if c in self.applied.config.channels]
        )
        if incident.security:  # confidential: only the incident managers hear of it
            channels = [c for c in channels if c == CIRCLE_CHANNEL]
        advocates = process.advocates_channel or (
            "advocates" if "advocates" in self.applied.config.channels else None
        )
        public_url = self.pager.signer.public_url
        text = announcements.announcement(incident, self.applied, public_url, paged, with_document)
        link = announcements.links(public_url, self.applied, incident.id)
        if not with_document:
            link.pop("document", None)
        note = Notification(
            kind="announcement",
            title=f"{incident.severity.label} incident #{incident.id}: {incident.title}",
            text=text,
            severity=incident.severity.label,
            service=",".join(incident.services),
            links={k: v for k, v in link.items() if k != "api"},
            facts={
                "status": incident.status.title,
                "state": incident.state.value,
                "owner": incident.owner_id,
            },
            ref={"incident": incident.id},
        )
        posted = [
            self.applied.config.channels[c].name
            for c in channels
            if post_to_channel(
                self.uow,
                self.applied,
                c,
                note,
                f"announce:{incident.id}",
                self.now,
                f"incident:{incident.id}",
            )
        ]
        if advocates and not incident.security:
            advocate_note = Notification(
                kind="advocates",
                title=f"Heads-up: {incident.severity.label} incident #{incident.id}: {incident.title}",
                text=f"Status: {incident.status.title}. Customers may ask: the status page carries updates.",
                severity=incident.severity.label,
                links={"incident": link["incident"]},
                # the advocates' Slack user group, mentioned (notify/slack.py) so its members hear
                ref={"incident": incident.id, "mention_group": process.advocates_handle},
            )
            if post_to_channel(
                self.uow,
                self.applied,
                advocates,
                advocate_note,
                f"advocates:{incident.id}",
                self.now,
                f"incident:{incident.id}",
            ):
                posted.append(self.applied.config.channels[advocates].name)
        if posted:
            self.uow.repo(IncidentRepository).append_event(
                incident.id,
                TimelineEvent(
                    at=self.now,
                    kind=EventKind.ANNOUNCED,
                    actor=actor.name,
                    interface=actor.interface,
                    message=f"announced in {', '.join(posted)}",
                    data={"channels": list[JSONValue](posted)},
                ),
            )
