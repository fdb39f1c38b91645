"""/api/v1/people and /api/v1/services: who and what the configuration describes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel

from onwatch.api.auth import Viewer
from onwatch.db.uow import Database
from onwatch.directory.store import DirectoryRepository
from onwatch.slo.report import state_of
from onwatch.slo.store import SloRepository

router = APIRouter(prefix="/api/v1", tags=["directory"])


class PersonOut(BaseModel):
    id: str
    name: str
    email: str
    timezone: str


class ServiceOut(BaseModel):
    id: str
    name: str
    description: str
    slo: dict[str, Any]
    slo_state: str | None = None  # healthy, degraded, outage, unknown; None when not measured


def _db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


@router.get("/people", response_model=list[PersonOut])
def list_people(request: Request, _who: Viewer) -> list[PersonOut]:
    with _db(request).read() as uow:
        return [
            PersonOut(id=p.id, name=p.name, email=p.email, timezone=p.timezone)
            for p in uow.repo(DirectoryRepository).people()
        ]


@router.get("/people/{person_id}", response_model=PersonOut)
def get_person(person_id: str, request: Request, _who: Viewer) -> PersonOut:
    with _db(request).read() as uow:
        p = uow.repo(DirectoryRepository).person(person_id)
    if p is None:
        raise HTTPException(404, f"person {person_id!r} does not exist")
    return PersonOut(id=p.id, name=p.name, email=p.email, timezone=p.timezone)


@router.get("/services", response_model=list[ServiceOut])
def list_services(request: Request, _who: Viewer) -> list[ServiceOut]:
    with _db(request).read() as uow:
        states = uow.repo(SloRepository).states()
        return [
            ServiceOut(
                id=s.id,
                name=s.name,
                description=s.description,
                slo=s.slo,
                slo_state=state_of(states.get(s.id)) if s.slo.get("source") else None,
            )
            for s in uow.repo(DirectoryRepository).services()
        ]
