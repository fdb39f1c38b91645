"""POST /api/v1/people/{person_id}/contact-methods/test[?method=N]: send a test now, get the result."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from onwatch.api.auth import Responder
from onwatch.api.problems import responses
from onwatch.directory.tokens import TokenRole
from onwatch.kernel.errors import Forbidden
from onwatch.paging.trials import ContactTrials

router = APIRouter(prefix="/api/v1", tags=["people"])


class TrialOut(BaseModel):
    method: int
    type: str
    delivered: bool
    error: str | None


@router.post(
    "/people/{person_id}/contact-methods/test", response_model=list[TrialOut], responses=responses(403, 404)
)
async def test_contact_methods(
    person_id: str,
    request: Request,
    who: Responder,
    method: Annotated[int | None, Query(ge=0, le=99, description="one method (0-based); default all")] = None,
) -> list[TrialOut]:
    """Send a test notification to the person's contact methods (or one), through each channel now;
    each result says whether it was delivered and, if not, the service's answer. Your own methods,
    or anyone's as an admin."""
    if who.person_id != person_id and who.role is not TokenRole.ADMIN:
        raise Forbidden("only the person themself or an admin tests their contact methods", field="person_id")
    trials: ContactTrials = request.app.state.trials
    results = await run_in_threadpool(trials.test, person_id, method)
    return [TrialOut(method=r.method, type=r.type, delivered=r.delivered, error=r.error) for r in results]
