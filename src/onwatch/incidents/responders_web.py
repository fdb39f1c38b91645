"""The incident page's "Page someone who knows…" form: an area of expertise (the owning team's
on-call, else who knows it) or a person, with the reason; the responders list is in the live part
of the page (incident_live.html)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from onwatch.api.params import Id
from onwatch.incidents.web import not_found, render_incident
from onwatch.kernel.errors import DomainError, InvalidInput
from onwatch.web.context import Posted, Web, acting, see_other, web

router = APIRouter(include_in_schema=False)

Form = Annotated[Posted, Depends(acting)]  # paging someone: responders and admins only
W = Annotated[Web, Depends(web)]


@router.post("/incidents/{incident_id}/responders")
def engage_responder(request: Request, incident_id: Id, w: W, form: Form) -> Response:
    if not w.sees_incident(form.user, incident_id):
        return not_found(request, w, form.user, incident_id)
    expertise, person = form.get("expertise").strip() or None, form.get("person").strip() or None
    try:
        if expertise is None and person is None:
            raise InvalidInput("choose an area of expertise or a person", field="expertise")
        w.incidents.engage_responder(
            incident_id, form.user.actor, expertise=expertise, person=person, reason=form.get("reason")
        )
    except DomainError as exc:
        return render_incident(
            request, w, form.user, incident_id, error=exc.message, status_code=exc.status_code
        )
    return see_other(f"/incidents/{incident_id}#responders")
