"""Shared CLI plumbing: the application from settings, identity, and error reporting.

The CLI works on the database directly (not through the API), so it applies the access rule
itself (directory/access.py): `--as PERSON` (or `ONWATCH_AS`) is that person with their configured
level (`people.<id>.access`) and circle; `ONWATCH_TOKEN` is an API token's person and role. A
viewer reads but acts on nothing; an incident outside the caller's circle, and its alert groups, do
not exist for them. Read commands without any identity run as the operator at the database, who
sees everything (as a dump of the database would).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import NoReturn

import sqlalchemy as sa
import typer

from onwatch.bootstrap import Onwatch, build
from onwatch.config.loader import ConfigError
from onwatch.db import server_facts
from onwatch.directory.access import (
    OPERATOR,
    Caller,
    applied_config,
    caller_in,
    hidden_incidents,
    require_visible_group,
    require_visible_incident,
)
from onwatch.directory.tokens import TokenRepository
from onwatch.kernel.enums import AccessLevel, Interface
from onwatch.kernel.errors import DomainError, Forbidden, NotFound
from onwatch.kernel.timeline import Actor


@cache
def onwatch() -> Onwatch:
    """onwatch from the environment; without ONWATCH_PUBLIC_URL, with the public URL the server on
    this database published (`onwatch serve` records it), so the links the CLI writes (announcements,
    pages) are the server's."""
    ow = build()
    if "public_url" in ow.settings.model_fields_set:
        return ow
    published = _published_url(ow)
    if published is None or published == ow.settings.public_url:
        return ow
    return build(ow.settings.model_copy(update={"public_url": published}), ow.clock, engine=ow.db.engine)


def _published_url(ow: Onwatch) -> str | None:
    try:
        with ow.db.read() as uow:
            return server_facts.recorded(uow.conn, server_facts.PUBLIC_URL)
    except sa.exc.DBAPIError:  # not migrated yet (`onwatch migrate` itself), or unreachable
        return None


def serving() -> Onwatch:
    """onwatch for `onwatch serve`: its own settings, its public URL published for the CLI and
    workers on the same database."""
    ow = build(engine=onwatch().db.engine)  # its own settings, the one engine of this process
    with ow.db.write() as uow:
        server_facts.record(uow.conn, server_facts.PUBLIC_URL, ow.settings.public_url, ow.clock.now())
    return ow


def _identity(as_person: str | None) -> tuple[str | None, AccessLevel | None]:
    """(person, level): --as / ONWATCH_AS (the level from the config), else ONWATCH_TOKEN's."""
    person = as_person or os.environ.get("ONWATCH_AS")
    if person:
        return person, None
    secret = os.environ.get("ONWATCH_TOKEN")
    if not secret:
        return None, None
    with onwatch().db.read() as uow:
        token = uow.repo(TokenRepository).find(secret)
    if token is None:
        fail("ONWATCH_TOKEN is unknown or revoked")
    return token.person_id, token.role


def caller(as_person: str | None) -> Caller:
    """Who reads (see the module's docstring); the operator when nobody is named."""
    person, level = _identity(as_person)
    if person is None and level is None:
        return OPERATOR
    ow = onwatch()
    with ow.db.read() as uow:
        return caller_in(uow, ow.cache, person, level)


def hidden(as_person: str | None) -> frozenset[int]:
    """The confidential incidents the caller may not see."""
    who = caller(as_person)
    with onwatch().db.read() as uow:
        return hidden_incidents(uow.conn, who)


def visible(as_person: str | None, *, incident: int | None = None, group: int | None = None) -> None:
    """Refuse (as not found) an incident, or an alert group of one, outside the caller's circle."""
    who = caller(as_person)
    with onwatch().db.read() as uow:
        if incident is not None:
            require_visible_incident(uow.conn, who, incident)
        if group is not None:
            require_visible_group(uow.conn, who, group)


def actor(as_person: str | None, *, incident: int | None = None, group: int | None = None) -> Actor:
    """Who acts: a person (--as, ONWATCH_AS, or ONWATCH_TOKEN's) allowed to act, on an `incident`
    or alert `group` inside their circle. Call it inside `reported()`."""
    person, level = _identity(as_person)
    if not person:
        fail("say who you are: --as PERSON (or set ONWATCH_AS, or ONWATCH_TOKEN to a token with a person)")
    ow = onwatch()
    with ow.db.read() as uow:
        config = applied_config(uow, ow.cache)
        if config is None or person not in config.people:
            raise NotFound(f"unknown person {person!r}", field="--as")
        who = caller_in(uow, ow.cache, person, level)
        if not who.may_act:
            raise Forbidden(f"{person}'s access is {who.level.value}; acting needs responder", field="--as")
        if incident is not None:
            require_visible_incident(uow.conn, who, incident)
        if group is not None:
            require_visible_group(uow.conn, who, group)
    return Actor.person(person, Interface.CLI)


def fail(message: str, code: int = 1) -> NoReturn:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


@contextmanager
def reported() -> Iterator[None]:
    """Turn rule violations and config errors into readable messages and a non-zero exit."""
    try:
        yield
    except DomainError as exc:
        where = f"{exc.field}: " if exc.field else ""
        fail(f"{where}{exc.message}")
    except ConfigError as exc:
        for issue in exc.issues:
            typer.secho(f"  {issue}", fg=typer.colors.RED, err=True)
        fail(f"configuration invalid ({len(exc.issues)} problem(s)); nothing was applied")
