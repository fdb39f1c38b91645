"""Helpers for API tests: an app on the test database and tokens for demo people."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from fastapi.testclient import TestClient

from onwatch.db.uow import Database
from onwatch.directory.tokens import TokenRepository, TokenRole
from onwatch.kernel.clock import FakeClock


def token_for(db: Database, clock: FakeClock, role: TokenRole, person: str | None) -> str:
    with db.write() as uow:
        secret, _ = uow.repo(TokenRepository).create(
            name=f"test-{person}-{role.value}", role=role, person_id=person, now=clock.now()
        )
    return secret


ClientFactory = Callable[..., httpx.Client]


def same_loop(site: TestClient, headers: dict[str, str], **options: Any) -> TestClient:
    """Another client of `site`'s app with its own headers (and TestClient `options`); once `site`
    is entered (the app's lifespan running), its requests are served on that same event loop, as a
    server serves all of them."""
    other = TestClient(site.app, headers=headers, **options)
    other.portal = site.portal
    return other


def with_token(client: TestClient, secret: str) -> TestClient:
    return same_loop(client, {"Authorization": f"Bearer {secret}"})


def client_factory(client: TestClient, db: Database, clock: FakeClock) -> ClientFactory:
    def make(person: str | None = "amara", role: TokenRole = TokenRole.RESPONDER) -> httpx.Client:
        return with_token(client, token_for(db, clock, role, person))

    return make
