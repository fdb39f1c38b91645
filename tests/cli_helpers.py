"""`onwatch ...` run in the test's process, on the test's database: the CLI builds onwatch from the
environment, as in a shell."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import pytest
from typer.testing import CliRunner, Result

from onwatch.cli import context
from onwatch.cli.main import app

Cli = Callable[..., Result]  # `onwatch ARGS...` run in this process


@contextmanager
def in_process_cli(
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    unset: Sequence[str] = ("ONWATCH_AS", "ONWATCH_TOKEN"),
) -> Iterator[Cli]:
    """The CLI on `database_url`, with the variables `unset` removed from the environment."""
    monkeypatch.setenv("ONWATCH_DATABASE_URL", database_url)
    for name in unset:
        monkeypatch.delenv(name, raising=False)
    context.onwatch.cache_clear()
    runner = CliRunner()
    yield lambda *args: runner.invoke(app, [str(a) for a in args])
    context.onwatch().db.dispose()
    context.onwatch.cache_clear()
