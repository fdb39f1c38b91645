"""The web UI's "My contact methods": each method of the signed-in person, with "Send a test"."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from onwatch.kernel.errors import DomainError
from onwatch.notify.trial import TrialResult
from onwatch.paging.trials import ContactTrials
from onwatch.web.auth import WebUser
from onwatch.web.context import Posted, Web, posted, signed_in, web

router = APIRouter(include_in_schema=False)

User = Annotated[WebUser, Depends(signed_in)]
Form = Annotated[Posted, Depends(posted)]
W = Annotated[Web, Depends(web)]


def _page(request: Request, w: W, user: WebUser, results: list[TrialResult] | None = None) -> Response:
    with w.db.read() as uow:
        person = w.cache.get(uow).config.people.get(user.person_id)
    methods = [
        (
            i,
            m.type.value,
            m.number or m.topic or m.chat or m.room or m.address or m.user_key or "(url)",
            m.delay,
        )
        for i, m in enumerate(person.contact_methods if person else [])
    ]
    return w.page(request, "contact_methods.html", user, methods=methods, results=results or [])


@router.get("/me/contact-methods")
def my_methods(request: Request, w: W, user: User) -> Response:
    return _page(request, w, user)


@router.post("/me/contact-methods/test")
def test_method(request: Request, w: W, form: Form) -> Response:
    trials: ContactTrials = request.app.state.trials
    raw = form.get("method", "")
    try:
        results = trials.test(form.user.person_id, int(raw) if raw.isdigit() else None)
    except DomainError:
        results = []
    return _page(request, w, form.user, results)
