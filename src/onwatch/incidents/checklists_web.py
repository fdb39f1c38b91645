"""Ticking an item of a role's checklist on the incident page (the checklists show in its live part,
incident_live.html, once their role engages)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from onwatch.api.params import Id
from onwatch.incidents.web import not_found, render_incident
from onwatch.kernel.choices import choose
from onwatch.kernel.enums import Role
from onwatch.kernel.errors import DomainError
from onwatch.web.context import Posted, Web, acting, see_other, web

router = APIRouter(include_in_schema=False)

Form = Annotated[Posted, Depends(acting)]  # ticking changes the incident: responders and admins only
W = Annotated[Web, Depends(web)]


@router.post("/incidents/{incident_id}/checklists")
def tick(request: Request, incident_id: Id, w: W, form: Form) -> Response:
    if not w.sees_incident(form.user, incident_id):
        return not_found(request, w, form.user, incident_id)
    try:
        role = choose(Role, form.get("role"), "role")
        done = form.get("done", "1") != "0"
        w.incidents.tick(incident_id, role, form.get("item"), form.user.actor, done=done)
    except DomainError as exc:
        return render_incident(
            request, w, form.user, incident_id, error=exc.message, status_code=exc.status_code
        )
    return see_other(f"/incidents/{incident_id}#checklists")
