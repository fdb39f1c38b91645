"""What every web handler needs, kept on `app.state.web`, and the request-level helpers:
the signed-in person, CSRF-checked form posts, and rendering with the common page context."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from onwatch.config.cache import ConfigCache
from onwatch.db.uow import Database
from onwatch.directory.access import hidden_incidents, require_visible_group
from onwatch.directory.store import DirectoryRepository
from onwatch.incidents.commands import IncidentCommands
from onwatch.incidents.reports import ProcessCommands
from onwatch.kernel.clock import Clock
from onwatch.kernel.errors import NotFound
from onwatch.oncall.commands import OnCallService
from onwatch.paging.commands import AlertGroupCommands
from onwatch.status.subscriptions import StatusSubscriptions
from onwatch.web.auth import Sessions, SignInRequired, WebUser, csrf_ok
from onwatch.web.sign_in import SignInGuard
from onwatch.web.templating import Templates


@dataclass
class Web:
    db: Database
    clock: Clock
    cache: ConfigCache
    incidents: IncidentCommands
    groups: AlertGroupCommands
    oncall: OnCallService
    process: ProcessCommands
    subscriptions: StatusSubscriptions
    sessions: Sessions
    templates: Templates
    public_url: str
    sign_ins: SignInGuard

    def organisation(self) -> str:
        try:
            with self.db.read() as uow:
                return self.cache.get(uow).config.organisation.name
        except Exception:  # no configuration applied yet: the page still renders
            return "onwatch"

    def hidden(self, user: WebUser) -> frozenset[int]:
        """The confidential incidents this person may not see (directory/access.py)."""
        with self.db.read() as uow:
            return hidden_incidents(uow.conn, user.access)

    def sees_incident(self, user: WebUser, incident_id: int) -> bool:
        with self.db.read() as uow:
            return incident_id not in hidden_incidents(uow.conn, user.access, only=(incident_id,))

    def sees_group(self, user: WebUser, group_id: int) -> bool:
        try:
            with self.db.read() as uow:
                require_visible_group(uow.conn, user.access, group_id)
        except NotFound:
            return False
        return True

    def people(self) -> dict[str, str]:
        """Person id -> display name (inactive people too: old incidents name them)."""
        with self.db.read() as uow:
            return {p.id: p.name for p in uow.repo(DirectoryRepository).people(include_inactive=True)}

    def zone_of(self, user: WebUser | None) -> ZoneInfo | None:
        """The person's `timezone` from the config: the web UI shows times there (UTC on hover)."""
        if user is None:
            return None
        try:
            person = self.oncall.applied().config.people.get(user.person_id)
        except NotFound:
            return None
        try:
            return ZoneInfo(person.timezone) if person is not None else None
        except (ValueError, KeyError):
            return None

    def page(
        self,
        request: Request,
        template: str,
        user: WebUser | None,
        *,
        status_code: int = 200,
        **context: Any,
    ) -> HTMLResponse:
        return self.templates.response(
            template,
            status_code=status_code,
            request=request,
            user=user,
            csrf_token=user.csrf_token if user else "",
            now=self.clock.now(),
            organisation=self.organisation(),
            demo=bool(getattr(getattr(request.app.state, "settings", None), "demo", False)),
            tz=self.zone_of(user),
            **context,
        )


def web(request: Request) -> Web:
    found: Web = request.app.state.web
    return found


def signed_in(request: Request) -> WebUser:
    """Dependency: the signed-in person, or a redirect to the sign-in page."""
    user = web(request).sessions.user(request)
    if user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target)
    return user


@dataclass(frozen=True)
class Posted:
    """A form POST from a signed-in person whose CSRF token matched."""

    user: WebUser
    form: dict[str, str]
    lists: dict[str, list[str]]

    def get(self, name: str, default: str = "") -> str:
        return self.form.get(name, default)


class CsrfRejected(Exception):
    """A form POST without the session's CSRF token: nothing is written."""


class ViewOnly(Exception):
    """A viewer tried to change something: answered with a 403 page, nothing is written."""

    def __init__(self, user: WebUser) -> None:
        super().__init__(user.person_id)
        self.user = user


async def posted(request: Request, user: WebUser = Depends(signed_in)) -> Posted:
    form = await request.form()
    if not csrf_ok(user.csrf_token, form.get("csrf_token")):
        raise CsrfRejected()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    lists: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            lists.setdefault(key, []).append(value)
    return Posted(user, values, lists)


async def acting(request: Request, user: WebUser = Depends(signed_in)) -> Posted:
    """A CSRF-checked form POST from someone who may act (a responder or an admin)."""
    form = await posted(request, user)
    if not user.may_act:
        raise ViewOnly(user)
    return form


def acting_user(request: Request) -> WebUser:
    """Dependency for pages that only lead to changes (the declare form): a responder or admin."""
    user = signed_in(request)
    if not user.may_act:
        raise ViewOnly(user)
    return user


def see_other(url: str) -> Response:
    return RedirectResponse(url, status_code=303)
