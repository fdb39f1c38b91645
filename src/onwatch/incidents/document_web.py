"""The incident's working document: save a new version (409-safe) and preview markdown."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import HTMLResponse, Response

from onwatch.incidents.web import not_found, render_incident
from onwatch.kernel.errors import DomainError, InvalidInput
from onwatch.web.auth import WebUser
from onwatch.web.context import Posted, Web, acting, see_other, signed_in, web
from onwatch.web.markdown import render

router = APIRouter(include_in_schema=False)

Form = Annotated[Posted, Depends(acting)]
User = Annotated[WebUser, Depends(signed_in)]
W = Annotated[Web, Depends(web)]


@router.get("/incidents/{incident_id}/document")
def read_document(request: Request, incident_id: int, w: W, user: User) -> Response:
    """The announcements' document link: the incident page at its working document (signed in)."""
    if not w.sees_incident(user, incident_id):
        return not_found(request, w, user, incident_id)
    return see_other(f"/incidents/{incident_id}#document")


@router.post("/incidents/{incident_id}/document")
def save_document(request: Request, incident_id: int, w: W, form: Form) -> Response:
    if not w.sees_incident(form.user, incident_id):
        return not_found(request, w, form.user, incident_id)
    body = form.get("body")
    try:
        base = form.get("base_version")
        if not base.isdigit():
            raise InvalidInput("the form lost its base version; reload the page", field="base_version")
        w.process.edit_document(incident_id, body, int(base), form.user.actor)
    except DomainError as exc:
        # keep what they typed: after a conflict they merge it with the newer version
        return render_incident(
            request, w, form.user, incident_id, error=exc.message, status_code=exc.status_code, document=body
        )
    return see_other(f"/incidents/{incident_id}#document")


@router.post("/incidents/{incident_id}/document/preview")
def preview(incident_id: int, form: Form) -> Response:
    """htmx: the markdown being edited, rendered (raw HTML is not allowed through)."""
    return HTMLResponse(render(form.get("body")))
