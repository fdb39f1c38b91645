"""Reports of anomalies (PROCESS.md §3.5) and the incident's working document (§4)."""

from __future__ import annotations

from onwatch.directory.store import DirectoryRepository
from onwatch.incidents.domain.updates import clean_body
from onwatch.incidents.role_pages import RolePages
from onwatch.incidents.store.documents import DocumentRepository, DocumentVersion
from onwatch.incidents.store.incidents import IncidentRepository
from onwatch.kernel.enums import EventKind, Role
from onwatch.kernel.errors import DomainError, InvalidInput
from onwatch.kernel.timeline import Actor, TimelineEvent
from onwatch.paging.base import PagingCommands
from onwatch.paging.pager import Pager
from onwatch.paging.store.role_pages import RolePageRepository

MAX_REPORT = 2_000
MAX_DOCUMENT = 200_000


class ProcessCommands(PagingCommands):
    def report(self, actor: Actor, text: str, service: str | None = None) -> int:
        """Anyone reports an anomaly: the EOC is paged, the reporter is the contact and hears when
        the EOC engages. Returns the alert group of the page (declare an incident from it)."""
        body = clean_body(text, field="text", limit=MAX_REPORT)
        if actor.person_id is None:
            raise InvalidInput(
                "a report needs a person to contact: use a token tied to a person", field="text"
            )
        with self.db.write() as uow:
            uow.repo(DirectoryRepository).require_person(actor.person_id, field="reporter")
            if service is not None:
                uow.repo(DirectoryRepository).require_services([service])
            now = self.clock.now()
            pager = Pager(uow, self.cache.get(uow), self.signer(uow), now)
            group_id = RolePages(uow, pager, now).page_for_report(body, service, actor)
        self.on_commit()
        return group_id

    def page_role(self, role: Role, reason: str, actor: Actor) -> int:
        """Page a role now without an incident (PROCESS.md §3.6, "with or without an incident"):
        one command, a page that escalates like any other. Returns its alert group."""
        why = clean_body(reason, field="reason", limit=MAX_REPORT)
        with self.db.write() as uow:
            if actor.person_id is not None:
                uow.repo(DirectoryRepository).require_person(actor.person_id, field="reason")
            now = self.clock.now()
            pager = Pager(uow, self.cache.get(uow), self.signer(uow), now)
            group_id = RolePages(uow, pager, now).page_without_incident(role, why, actor)
        self.on_commit()
        return group_id

    def document(self, incident_id: int, version: int | None = None) -> DocumentVersion:
        with self.db.read() as uow:
            uow.repo(IncidentRepository).get(incident_id)
            return uow.repo(DocumentRepository).document(incident_id, version)

    def document_or_none(self, incident_id: int) -> DocumentVersion | None:
        """The latest version, or None for an incident declared without the process (no config)."""
        with self.db.read() as uow:
            versions = uow.repo(DocumentRepository).document_versions(incident_id)
        return versions[0] if versions else None

    def open_role_pages(self, incident_id: int) -> dict[Role, int]:
        """Roles with a page still open for the incident -> the alert group carrying it."""
        with self.db.read() as uow:
            # newest first: the latest page to a role wins
            return {
                p.role: p.group_id
                for p in reversed(uow.repo(RolePageRepository).open_role_pages(incident_id))
            }

    def document_versions(self, incident_id: int) -> list[DocumentVersion]:
        with self.db.read() as uow:
            uow.repo(IncidentRepository).get(incident_id)
            return uow.repo(DocumentRepository).document_versions(incident_id)

    def edit_document(self, incident_id: int, body: str, base_version: int, actor: Actor) -> DocumentVersion:
        """Save a new version on top of `base_version`; if someone saved meanwhile, 409 and nothing
        is lost: the editor merges with the newer version and saves again."""
        if len(body) > MAX_DOCUMENT:
            raise InvalidInput(f"body is longer than {MAX_DOCUMENT} characters", field="body")
        with self.db.write() as uow:
            uow.repo(IncidentRepository).get(
                incident_id, for_update=True
            )  # serialises editors of one document
            latest = uow.repo(DocumentRepository).document(incident_id)
            if base_version != latest.version:
                raise DomainError(
                    f"the document changed meanwhile: version {latest.version} by {latest.author}; "
                    f"you edited version {base_version}",
                    field="base_version",
                )
            now = self.clock.now()
            version = latest.version + 1
            uow.repo(DocumentRepository).add_document_version(incident_id, version, body, actor.name, now)
            uow.repo(IncidentRepository).append_event(
                incident_id,
                TimelineEvent(
                    at=now,
                    kind=EventKind.DOCUMENT_EDITED,
                    actor=actor.name,
                    interface=actor.interface,
                    message=f"{actor.name} edited the working document (version {version})",
                    data={"version": version},
                ),
            )
            return uow.repo(DocumentRepository).document(incident_id, version)
