"""Recording changes (one transaction each) and reading them: by service and time, around an
incident or an alert group, and by full-text search."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from onwatch.changes.domain import MAX_RECENT, RECENT, Change, ChangeDraft, recent_window, safe_href
from onwatch.changes.payloads import generic_change
from onwatch.changes.store import ChangeRepository
from onwatch.config.cache import ConfigCache
from onwatch.db.uow import Database, UnitOfWork
from onwatch.kernel.clock import Clock
from onwatch.kernel.errors import NotFound
from onwatch.kernel.timeline import JSONValue


def recent_for_incident(
    uow: UnitOfWork, incident_id: int, now: datetime, lookback: timedelta = RECENT
) -> list[Change]:
    """The changes to an incident's services from `lookback` before it was declared until now."""
    scope = uow.repo(ChangeRepository).incident_scope(incident_id)
    if scope is None:
        raise NotFound(f"incident {incident_id} does not exist", field="incident_id")
    services, began = scope
    since, until = recent_window(began, now, lookback)
    return uow.repo(ChangeRepository).between(services, since, until, MAX_RECENT)


def recent_for_group(
    uow: UnitOfWork, group_id: int, now: datetime, lookback: timedelta = RECENT
) -> list[Change]:
    """The changes to an alert group's service from `lookback` before it opened until now."""
    scope = uow.repo(ChangeRepository).group_scope(group_id)
    if scope is None:
        raise NotFound(f"alert group {group_id} does not exist", field="group_id")
    services, began = scope
    since, until = recent_window(began, now, lookback)
    return uow.repo(ChangeRepository).between(services, since, until, MAX_RECENT)


def suspected_triggers(uow: UnitOfWork, services: Sequence[str], began: datetime) -> list[JSONValue]:
    """For a review's prefill: the changes to `services` in the 24 hours before `began` (the
    declaration), the latest first, each with how many minutes before it was made."""
    found = uow.repo(ChangeRepository).between(services, began - RECENT, began, MAX_RECENT)
    return [
        {
            "id": c.id,
            "at": c.at.isoformat(),
            "service": c.service_id,
            "summary": c.summary,
            "source": c.source,
            "minutes_before": round(c.before(began).total_seconds() / 60, 1),
            "links": [{"href": link.href, "text": link.text} for link in c.links if safe_href(link.href)],
        }
        for c in found
    ]


class ChangeCommands:
    def __init__(self, db: Database, clock: Clock, cache: ConfigCache) -> None:
        self.db = db
        self.clock = clock
        self.cache = cache

    def record(self, draft: ChangeDraft) -> Change:
        """Store one change."""
        with self.db.write() as uow:
            return uow.repo(ChangeRepository).add(draft, self.clock.now())

    def record_generic(self, body: Any, reported_by: str | None) -> Change:
        """`POST /api/v1/changes`: parsed against the applied config's services (PayloadError naming
        each field at fault, and nothing stored), then stored."""
        now = self.clock.now()
        with self.db.write() as uow:
            try:
                services = set(self.cache.get(uow).config.services)
            except NotFound:  # nothing applied yet: no service exists
                services = set()
            draft = generic_change(body, now, services)
            draft = ChangeDraft(
                draft.service_id, draft.at, draft.summary, draft.source, draft.links, draft.details,
                reported_by=reported_by,
            )  # fmt: skip
            return uow.repo(ChangeRepository).add(draft, now)

    def find(
        self,
        *,
        text: str = "",
        services: Sequence[str] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
    ) -> list[Change]:
        """Changes matching every word of `text` (all when empty), of `services`, made in the window."""
        with self.db.read() as uow:
            repo = uow.repo(ChangeRepository)
            if text.strip():
                found = repo.search(text, services, limit=1000)
                return [
                    c for c in found if (since is None or c.at >= since) and (until is None or c.at <= until)
                ][:limit]
            return repo.between(services, since, until, limit)

    def for_incident(self, incident_id: int) -> list[Change]:
        with self.db.read() as uow:
            return recent_for_incident(uow, incident_id, self.clock.now())

    def for_group(self, group_id: int) -> list[Change]:
        with self.db.read() as uow:
            return recent_for_group(uow, group_id, self.clock.now())
