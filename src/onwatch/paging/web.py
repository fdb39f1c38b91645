"""Alert groups: the list, the detail (alerts, escalation progress) and their actions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from onwatch.api.params import Id
from onwatch.kernel import choices
from onwatch.kernel.alert_context import AlertContext
from onwatch.kernel.enums import Role, Severity
from onwatch.kernel.errors import DomainError, InvalidInput, NotFound
from onwatch.kernel.timeline import Actor
from onwatch.paging.context import group_runbook, leading
from onwatch.paging.domain import group_refusals as refusals
from onwatch.paging.domain.alerts import GroupStatus
from onwatch.paging.domain.escalation import Target, TargetKind
from onwatch.paging.domain.group import AlertGroup, EscalationStatus
from onwatch.web.auth import WebUser
from onwatch.web.context import Posted, Web, acting, see_other, signed_in, web

router = APIRouter(include_in_schema=False)

User = Annotated[WebUser, Depends(signed_in)]
Form = Annotated[Posted, Depends(acting)]
W = Annotated[Web, Depends(web)]


@router.get("/alerts")
def alert_groups(request: Request, w: W, user: User, status: str = "open") -> Response:
    hidden = w.hidden(user)  # groups and role pages of confidential incidents outside their circle
    if status == "open":
        groups = [
            g
            for s in (GroupStatus.TRIGGERED, GroupStatus.ACKNOWLEDGED)
            for g in w.groups.groups(status=s, hidden_incidents=hidden)
        ]
    elif status in {s.value for s in GroupStatus}:
        groups = w.groups.groups(status=GroupStatus(status), hidden_incidents=hidden)
    else:
        groups = w.groups.groups(hidden_incidents=hidden)
    groups.sort(key=lambda g: g.id, reverse=True)
    return w.page(request, "alerts.html", user, groups=groups, status=status)


def _actions(group: AlertGroup, actor: Actor, now: datetime, escalation: EscalationStatus | None
             ) -> list[tuple[str, str, str | None]]:  # fmt: skip
    """The buttons (action, label, why refused or None), refused by the rules the commands apply."""
    return [
        ("acknowledge", "Acknowledge", refusals.acknowledge_refusal(group, actor, now)),
        ("resolve", "Resolve", refusals.resolve_refusal(group, actor, now)),
        ("escalate", "Escalate now", refusals.escalate_refusal(group, actor, now, escalation)),
    ]


def _detail(request: Request, w: Web, user: WebUser, group_id: int, *, error: str | None = None,
            status_code: int = 200) -> Response:  # fmt: skip
    try:
        if not w.sees_group(user, group_id):
            raise NotFound(f"alert group {group_id} does not exist")
        group, alerts, events, escalation = w.groups.detail(group_id)
    except NotFound:
        return _not_found(request, w, user, group_id)
    steps = []
    if escalation is not None:
        for index, step in enumerate(escalation.policy.steps):
            steps.append(
                {
                    "number": index + 1,
                    "targets": ", ".join(str(t) for t in step.targets),
                    "delay": step.delay,
                    "current": index == escalation.position.step,
                    "done": index < escalation.position.step,
                }
            )
    status = escalation.status if escalation is not None else None
    contexts = [AlertContext.of_alert(a.labels, a.details) for a in alerts]
    runbook = group_runbook(alerts, contexts)
    return w.page(
        request, "alert_group.html", user, status_code=status_code,
        group=group, alerts=list(zip(alerts, contexts, strict=True)), events=list(reversed(events)),
        escalation=escalation, steps=steps,
        severities=list(Severity), error=error,
        runbook=runbook, runbook_copy=_runbook_copy(w, runbook), lead=leading(alerts, contexts),
        actions=_actions(group, user.actor, w.clock.now(), status),
        page_refusal=refusals.page_refusal(group), link_refusal=refusals.link_refusal(group),
        situation_room=_situation_room(w),
    )  # fmt: skip


def _runbook_copy(w: Web, runbook: str) -> str | None:
    """onwatch's mirrored copy of the runbook, when it lies in the mirrored repository."""
    try:
        mirror = w.oncall.applied().config.runbooks
    except NotFound:  # no configuration applied yet
        return None
    return mirror.copy_url(runbook) if mirror is not None and runbook else None


def _situation_room(w: Web) -> str:
    try:
        return str(w.oncall.applied().config.organisation.situation_room or "")
    except NotFound:  # no configuration applied yet
        return ""


def _not_found(request: Request, w: Web, user: WebUser, group_id: int) -> Response:
    return w.page(request, "not_found.html", user, status_code=404, what=f"alert group {group_id}")


@router.get("/alerts/{group_id}")
def alert_group(request: Request, group_id: Id, w: W, user: User) -> Response:
    return _detail(request, w, user, group_id)


@router.post("/alerts/{group_id}/actions")
def alert_group_action(request: Request, group_id: Id, w: W, form: Form) -> Response:
    if not w.sees_group(form.user, group_id):
        return _not_found(request, w, form.user, group_id)
    actor = form.user.actor
    action = form.get("action")
    try:
        if action == "acknowledge":
            w.groups.acknowledge(group_id, actor)
        elif action == "resolve":
            w.groups.resolve(group_id, actor)
        elif action == "escalate":
            w.groups.escalate(group_id, actor)
        elif action == "page":
            role = form.get("role")
            if role not in {r.value for r in Role}:
                raise InvalidInput(f"unknown role {role!r}", field="role")
            w.groups.page(group_id, actor, Target(TargetKind.ROLE, role))
        elif action == "incident":
            _, incident_id = w.incidents.declare_from_group(
                group_id,
                actor,
                severity=choices.severity(form.get("severity")) if form.get("severity") else None,
                title=form.get("title").strip() or None,
            )
            return see_other(f"/incidents/{incident_id}")
        elif action == "attach":
            raw = form.get("incident_id").strip().lstrip("#")
            if not raw.isdigit():
                raise InvalidInput("enter the number of an incident", field="incident_id")
            if not w.sees_incident(form.user, int(raw)):  # as if it did not exist
                raise NotFound(f"incident {int(raw)} does not exist", field="incident_id")
            w.groups.attach(group_id, int(raw), actor)
        else:
            raise InvalidInput(f"unknown action {action!r}", field="action")
    except DomainError as exc:
        return _detail(request, w, form.user, group_id, error=exc.message, status_code=exc.status_code)
    return see_other(f"/alerts/{group_id}")
