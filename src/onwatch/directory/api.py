"""/api/v1/people: who the configuration describes (services and their SLO state: onwatch.slo.api)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, ConfigDict

from onwatch.api.auth import Viewer
from onwatch.db.uow import Database
from onwatch.directory.store import DirectoryRepository

router = APIRouter(prefix="/api/v1", tags=["directory"])


class PersonOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # read from a directory person

    id: str
    name: str
    email: str
    timezone: str


def _db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


@router.get("/people", response_model=list[PersonOut])
def list_people(request: Request, _who: Viewer) -> list[PersonOut]:
    with _db(request).read() as uow:
        return [PersonOut.model_validate(p) for p in uow.repo(DirectoryRepository).people()]


@router.get("/people/{person_id}", response_model=PersonOut)
def get_person(person_id: str, request: Request, _who: Viewer) -> PersonOut:
    with _db(request).read() as uow:
        p = uow.repo(DirectoryRepository).person(person_id)
    if p is None:
        raise HTTPException(404, f"person {person_id!r} does not exist")
    return PersonOut.model_validate(p)
