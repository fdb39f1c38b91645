"""Shared CLI plumbing: the application from settings, identity, and error reporting."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import NoReturn

import typer

from onwatch.bootstrap import Onwatch, build
from onwatch.config.loader import ConfigError
from onwatch.kernel.enums import Interface
from onwatch.kernel.errors import DomainError
from onwatch.kernel.timeline import Actor


@cache
def onwatch() -> Onwatch:
    return build()


def actor(as_person: str | None) -> Actor:
    person = as_person or os.environ.get("ONWATCH_AS")
    if not person:
        fail("say who you are: --as PERSON (or set ONWATCH_AS)")
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
