"""People, teams and services as applied from the configuration."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from onwatch.db.tables import people, services
from onwatch.kernel.errors import InvalidInput


@dataclass(frozen=True)
class PersonRecord:
    id: str
    name: str
    email: str
    timezone: str
    contact_methods: list[dict[str, Any]]
    active: bool


@dataclass(frozen=True)
class ServiceRecord:
    id: str
    name: str
    description: str
    slo: dict[str, Any]
    active: bool


class DirectoryRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def people(self, *, include_inactive: bool = False) -> list[PersonRecord]:
        query = sa.select(people).order_by(people.c.id)
        if not include_inactive:
            query = query.where(people.c.active.is_(True))
        return [PersonRecord(**dict(r)) for r in self.conn.execute(query).mappings()]

    def person(self, person_id: str) -> PersonRecord | None:
        row = self.conn.execute(sa.select(people).where(people.c.id == person_id)).mappings().first()
        return PersonRecord(**dict(row)) if row else None

    def require_person(self, person_id: str, *, field: str = "person") -> PersonRecord:
        """An active person, or a 422 that names the field and the unknown id."""
        found = self.person(person_id)
        if found is None or not found.active:
            raise InvalidInput(f"unknown person {person_id!r}", field=field)
        return found

    def services(self, *, include_inactive: bool = False) -> list[ServiceRecord]:
        query = sa.select(services).order_by(services.c.id)
        if not include_inactive:
            query = query.where(services.c.active.is_(True))
        return [ServiceRecord(**dict(r)) for r in self.conn.execute(query).mappings()]

    def require_services(self, service_ids: list[str], *, field: str = "services") -> None:
        if not service_ids:
            return
        known = set(
            self.conn.execute(
                sa.select(services.c.id).where(services.c.id.in_(service_ids), services.c.active.is_(True))
            ).scalars()
        )
        unknown = [s for s in service_ids if s not in known]
        if unknown:
            raise InvalidInput(f"unknown service(s): {', '.join(sorted(unknown))}", field=field)
