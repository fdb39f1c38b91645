"""/api/v1/people: who the configuration describes (services and their SLO state: onwatch.slo.api);
`?expertise=gitaly` answers who knows an area and who of them can answer now."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field

from onwatch.api.auth import Principal, Viewer
from onwatch.config.cache import ConfigCache
from onwatch.config.schema import OnwatchConfig
from onwatch.db.uow import Database
from onwatch.directory.access import hidden_schedules
from onwatch.directory.experts import OnCallNow, expert, experts, managers_of, require_expertise
from onwatch.directory.store import DirectoryRepository, PersonRecord
from onwatch.kernel.errors import NotFound

router = APIRouter(prefix="/api/v1", tags=["directory"])


class PersonOut(BaseModel):
    id: str
    name: str
    email: str
    timezone: str
    title: str = ""
    team: str | None = None
    manager: str | None = None
    managers: list[str] = Field(default_factory=list, description="the manager, theirs, ... up the chart")
    expertise: list[str] = Field(default_factory=list)
    on_call: list[str] = Field(default_factory=list, description="the schedules they are on call on now")
    in_working_hours: bool = Field(
        default=False, description="inside their working hours, in their zone, now"
    )


def _db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def _out(
    p: PersonRecord, config: OnwatchConfig | None, on_call: Mapping[str, Sequence[str]], request: Request
) -> PersonOut:
    person = config.people.get(p.id) if config is not None else None
    if config is None or person is None:
        return PersonOut(id=p.id, name=p.name, email=p.email, timezone=p.timezone)
    found = expert(config, p.id, on_call, request.app.state.clock.now())
    return PersonOut(
        id=p.id,
        name=p.name,
        email=p.email,
        timezone=p.timezone,
        title=person.title,
        team=person.team,
        manager=person.manager,
        managers=managers_of(config, p.id),
        expertise=list(person.expertise),
        on_call=list(found.on_call),
        in_working_hours=found.in_working_hours,
    )


def _on_call(request: Request, config: OnwatchConfig | None, who: Principal) -> dict[str, list[str]]:
    """Who is on call now, without the schedules the caller may not see (security's, for viewers)."""
    if config is None:
        return {}
    oncall: OnCallNow = request.app.state.oncall
    hidden = hidden_schedules(config, who.role)
    return {
        person: kept
        for person, schedules in oncall.on_call_now().items()
        if (kept := [s for s in schedules if s not in hidden])
    }


def _config(request: Request, db: Database) -> OnwatchConfig | None:
    cache: ConfigCache = request.app.state.config_cache
    with db.read() as uow:
        try:
            return cache.get(uow).config
        except NotFound:
            return None


@router.get("/people", response_model=list[PersonOut])
def list_people(
    request: Request,
    who: Viewer,
    expertise: str | None = Query(
        default=None,
        max_length=64,
        description="only the people who know this area, those on call or in working hours first",
    ),
) -> list[PersonOut]:
    db = _db(request)
    with db.read() as uow:
        records = {p.id: p for p in uow.repo(DirectoryRepository).people()}
    config = _config(request, db)
    on_call = _on_call(request, config, who)
    if expertise is None:
        return [_out(p, config, on_call, request) for p in records.values()]
    if config is None:
        raise HTTPException(404, "no configuration has been applied yet")
    require_expertise(config, expertise, field="query.expertise")
    found = experts(config, expertise, on_call, request.app.state.clock.now())
    return [_out(records[e.person_id], config, on_call, request) for e in found if e.person_id in records]


@router.get("/people/{person_id}", response_model=PersonOut)
def get_person(person_id: str, request: Request, who: Viewer) -> PersonOut:
    db = _db(request)
    with db.read() as uow:
        p = uow.repo(DirectoryRepository).person(person_id)
    if p is None:
        raise HTTPException(404, f"person {person_id!r} does not exist")
    config = _config(request, db)
    return _out(p, config, _on_call(request, config, who), request)
