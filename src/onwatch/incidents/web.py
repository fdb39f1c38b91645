"""The incident page: facts, roles, actions (disabled with the rule's reason), the live timeline,
the note and public-update composers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from onwatch.api.params import Id
from onwatch.config.role_teams import role_team_refusal
from onwatch.incidents.domain.incident import Incident
from onwatch.incidents.domain.roles import holder, pending
from onwatch.incidents.domain.rules import next_update_due
from onwatch.incidents.views import cadence_table, incident_actions, page_actions
from onwatch.kernel import choices
from onwatch.kernel.choices import choose
from onwatch.kernel.enums import Role, State, Status
from onwatch.kernel.errors import DomainError, InvalidInput, NotFound
from onwatch.web.auth import WebUser
from onwatch.web.context import Posted, Web, acting, see_other, signed_in, web
from onwatch.web.markdown import render

router = APIRouter(include_in_schema=False)

User = Annotated[WebUser, Depends(signed_in)]
# every form here changes the incident: responders and admins only (a viewer's post is a 403 page)
Form = Annotated[Posted, Depends(acting)]
W = Annotated[Web, Depends(web)]


def _live_context(w: Web, incident: Incident) -> dict[str, Any]:
    assert incident.id is not None
    events = w.incidents.timeline(incident.id)
    last = events[-1].id if events else 0
    roles = [
        {"role": r, "holder": holder(incident.roles, r), "asked": pending(incident.roles, r)} for r in Role
    ]
    return {
        "incident": incident,
        "events": list(reversed(events)),  # newest first: what just happened is on top
        "live_key": f"{incident.version}-{last}",
        "roles": roles,
        "people": w.people(),
        "responders": w.incidents.responders(incident.id),
        "checklists": w.incidents.checklists(incident.id),
    }


def not_found(request: Request, w: Web, user: WebUser, incident_id: int) -> Response:
    return w.page(request, "not_found.html", user, status_code=404, what=f"incident {incident_id}")


def render_incident(
    request: Request, w: Web, user: WebUser, incident_id: int, *, error: str | None = None,
    status_code: int = 200, note: str = "", update: str = "", document: str | None = None,
) -> Response:  # fmt: skip
    if not w.sees_incident(user, incident_id):  # confidential, and they are not in its circle
        return not_found(request, w, user, incident_id)
    try:
        incident = w.incidents.get(incident_id)
    except NotFound:
        return not_found(request, w, user, incident_id)
    now = w.clock.now()
    names = w.people()
    applied = w.oncall.applied()
    oncall = {r.role: r.oncall.shift.person for r in w.oncall.who() if r.oncall and r.oncall.shift}
    saved = w.process.document_or_none(incident_id)
    return w.page(
        request, "incident.html", user, status_code=status_code,
        actions=incident_actions(
            incident, user.actor, now, names, w.incidents.process_rules(),
            {r: role_team_refusal(applied.config, r, user.actor.person_id) for r in Role}
            if user.actor.person_id else None,
        ),
        pages=page_actions(incident, oncall, w.process.open_role_pages(incident_id), names),
        document=saved, document_html=render(saved.body) if saved else "",
        draft=document if document is not None else (saved.body if saved else ""),
        updates=w.incidents.updates(incident_id),
        due=next_update_due(incident, cadence_table(applied)),
        oncall=oncall, error=error, note=note, update=update,
        situation_room=str(applied.config.organisation.situation_room or ""),
        statuses=[s for s in Status if s is not Status.OPERATIONAL],
        areas=applied.config.expertise,
        **_live_context(w, incident),
    )  # fmt: skip


@router.get("/incidents/{incident_id}")
def incident_page(request: Request, incident_id: Id, w: W, user: User) -> Response:
    return render_incident(request, w, user, incident_id)


@router.get("/incidents/{incident_id}/live")
def incident_live(request: Request, incident_id: Id, w: W, user: User, key: str = "") -> Response:
    """The live part of the page (facts, roles, timeline); 204 when nothing changed since `key`,
    so htmx polling costs one small query when the incident is quiet."""
    if not w.sees_incident(user, incident_id):
        return not_found(request, w, user, incident_id)
    incident = w.incidents.get(incident_id)
    context = _live_context(w, incident)
    if key and key == context["live_key"]:
        return Response(status_code=204)
    return w.templates.response(
        "incident_live.html", request=request, user=user, now=w.clock.now(), tz=w.zone_of(user),
        csrf_token=user.csrf_token, **context,
    )  # fmt: skip


@router.post("/incidents/{incident_id}/actions")
def incident_action(request: Request, incident_id: Id, w: W, form: Form) -> Response:
    if not w.sees_incident(form.user, incident_id):
        return not_found(request, w, form.user, incident_id)
    actor = form.user.actor
    action, value = form.get("action"), form.get("value")
    cmds = w.incidents
    try:
        if action == "state":
            cmds.change_state(incident_id, choose(State, value, "state"), actor)
        elif action == "resolve":
            cmds.resolve(incident_id, actor)
        elif action == "reopen":
            cmds.reopen(incident_id, actor)
        elif action == "status":
            cmds.change_status(incident_id, choose(Status, value, "status"), actor)
        elif action == "severity":
            reason = form.get("reason").strip() or None
            cmds.change_severity(incident_id, choices.severity(value), actor, reason=reason)
        elif action == "engage":
            cmds.engage_role(incident_id, choose(Role, value, "role"), actor)
        elif action == "renounce":
            cmds.renounce_role(incident_id, choose(Role, value, "role"), actor)
        elif action == "page":
            cmds.page_role(incident_id, choose(Role, value, "role"), actor)
        elif action == "ask":
            role = choose(Role, value, "role")
            person = form.get("person")
            if not person:
                raise InvalidInput(f"nobody is on call for {role.name}; name a person", field="person")
            cmds.assign_role(incident_id, role, person, actor)
        elif action == "disclose":
            cmds.disclose(incident_id, actor)
        elif action == "security":
            cmds.flag_security(incident_id, actor)
        else:
            raise InvalidInput(f"unknown action {action!r}", field="action")
    except DomainError as exc:
        return render_incident(
            request, w, form.user, incident_id, error=exc.message, status_code=exc.status_code
        )
    return see_other(f"/incidents/{incident_id}")


@router.post("/incidents/{incident_id}/notes")
def add_note(request: Request, incident_id: Id, w: W, form: Form) -> Response:
    if not w.sees_incident(form.user, incident_id):
        return not_found(request, w, form.user, incident_id)
    text = form.get("text")
    try:
        w.incidents.add_note(incident_id, text, form.user.actor)
    except DomainError as exc:
        return render_incident(
            request, w, form.user, incident_id, error=exc.message, status_code=exc.status_code, note=text
        )
    return see_other(f"/incidents/{incident_id}#timeline")


@router.post("/incidents/{incident_id}/updates")
def post_update(request: Request, incident_id: Id, w: W, form: Form) -> Response:
    if not w.sees_incident(form.user, incident_id):
        return not_found(request, w, form.user, incident_id)
    body = form.get("body")
    try:
        raw = form.get("status")
        status = choose(Status, raw, "status") if raw else None
        w.incidents.post_update(incident_id, body, form.user.actor, status=status)
    except DomainError as exc:
        return render_incident(
            request, w, form.user, incident_id, error=exc.message, status_code=exc.status_code, update=body
        )
    return see_other(f"/incidents/{incident_id}#updates")
