"""Helpers for web UI tests: a signed-in browser-like client (cookies, CSRF tokens from the pages)."""

from __future__ import annotations

import re

import httpx
from fastapi.testclient import TestClient

from onwatch.db.uow import Database
from onwatch.kernel.clock import Clock
from onwatch.web.auth import Sessions
from tests.api_helpers import same_loop

PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')


def set_passwords(db: Database, clock: Clock, *people: str) -> None:
    sessions = Sessions(db, clock)
    for person in people:
        sessions.set_password(person, PASSWORD)


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


class Browser:
    """A TestClient with its own cookie jar, like one person's browser."""

    def __init__(self, site: TestClient) -> None:
        """`site`: a TestClient of the app, entered (the app's lifespan running); this browser's
        requests go to the same event loop with cookies of its own."""
        self.client = same_loop(site, {})

    def sign_in(self, person: str, password: str = PASSWORD) -> httpx.Response:
        page = self.client.get("/login")
        return self.client.post(
            "/login",
            data={"person": person, "password": password, "csrf_token": csrf_of(page.text), "next": "/"},
            follow_redirects=False,
        )

    def csrf(self, path: str = "/") -> str:
        return csrf_of(self.client.get(path).text)

    def get(self, path: str, **kwargs: object) -> httpx.Response:
        return self.client.get(path, **kwargs)  # type: ignore[arg-type]

    def post(self, path: str, data: dict[str, object], *, csrf: bool = True) -> httpx.Response:
        body = dict(data)
        if csrf:
            body.setdefault("csrf_token", self.csrf())
        return self.client.post(path, data=body, follow_redirects=False)  # type: ignore[arg-type]
