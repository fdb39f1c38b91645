"""`make run` creates its admin token with `onwatch token create --replace`: run twice, it leaves one
active token of that name, and the first one no longer signs anyone in."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from onwatch.bootstrap import Onwatch
from onwatch.cli.main import app
from onwatch.config.schema import OnwatchConfig
from onwatch.directory.tokens import TokenRepository


def test_make_runs_token_replaced_twice_leaves_one_active_admin_token(
    onwatch: Onwatch, org: OnwatchConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("onwatch.cli.main.onwatch", lambda: onwatch)
    create = ["token", "create", "--role", "admin", "--person", "nadia", "--name", "make run", "--replace"]
    first = CliRunner().invoke(app, create)
    second = CliRunner().invoke(app, create)
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    with onwatch.db.read() as uow:
        tokens = uow.repo(TokenRepository)
        active = [t for t in tokens.all() if t.name == "make run" and t.revoked_at is None]
        assert len(active) == 1
        assert tokens.find(first.output.strip()) is None
        assert tokens.find(second.output.strip()) is not None
    listed = CliRunner().invoke(app, ["token", "list"]).output
    assert sum("make run" in line and "active" in line for line in listed.splitlines()) == 1
