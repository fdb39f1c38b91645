"""The status page's read model: public components, public incidents, history; built once per
cache period and shared by the HTML, the feeds and the JSON, so they always agree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from onwatch.config.cache import ConfigCache
from onwatch.db.uow import Database
from onwatch.directory.store import DirectoryRepository
from onwatch.kernel.clock import Clock
from onwatch.kernel.enums import Severity, Status
from onwatch.status.domain import Component, Day, PublicIncident, component_status, history, overall
from onwatch.status.store import DEFAULT_PUBLIC_SEVERITIES, StatusPageRepository

HISTORY_DAYS = 90


@dataclass(frozen=True)
class ComponentView:
    component: Component
    status: Status
    history: list[Day]


@dataclass(frozen=True)
class StatusModel:
    name: str
    url: str
    now: datetime
    components: list[ComponentView]
    incidents: list[PublicIncident]  # newest first: the active ones and those of the last 90 days
    indicator: str
    description: str

    @property
    def active(self) -> list[PublicIncident]:
        return [i for i in self.incidents if i.active]

    @property
    def past(self) -> list[PublicIncident]:
        return [i for i in self.incidents if not i.active]

    @property
    def updated_at(self) -> datetime:
        return max((i.updated_at for i in self.incidents), default=self.now)

    def component_names(self) -> dict[str, str]:
        return {c.component.id: c.component.name for c in self.components}


def build(db: Database, cache: ConfigCache, clock: Clock, public_url: str) -> StatusModel:
    now = clock.now()
    with db.read() as uow:
        try:
            config = cache.get(uow).config
            name = config.organisation.name
            public = {sid for sid, s in config.services.items() if s.public}
            shown: tuple[Severity, ...] = tuple(config.status_page.severities)
        except Exception:  # no configuration yet: an empty, operational page
            name, public, shown = "onwatch", set(), DEFAULT_PUBLIC_SEVERITIES
        services = [s for s in uow.repo(DirectoryRepository).services() if s.id in public]
        incidents = StatusPageRepository(uow.conn).incidents(
            since=now - timedelta(days=HISTORY_DAYS),
            severities=shown,
            names={s.id: s.name for s in services},
        )
    components = [
        Component(id=s.id, name=s.name, description=s.description, position=n)
        for n, s in enumerate(services, start=1)
    ]
    views = [
        ComponentView(c, component_status(c.id, incidents), history(c.id, incidents, now, HISTORY_DAYS))
        for c in components
    ]
    indicator, description = overall(incidents)
    return StatusModel(
        name=name,
        url=f"{public_url.rstrip('/')}/status",
        now=now,
        components=views,
        incidents=incidents,
        indicator=indicator,
        description=description,
    )
