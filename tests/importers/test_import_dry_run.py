"""`onwatch import … --dry-run` prints what applying the import would change in what onwatch has
applied (the database the CLI uses), on SQLite and PostgreSQL, and writes nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from onwatch.cli import context
from onwatch.cli.main import app
from onwatch.config.store import ConfigRepository
from onwatch.importers.overrides import overrides_path
from tests.cli_helpers import Cli, in_process_cli
from tests.importers.opsgenie_fixtures import account, user
from tests.importers.opsgenie_server import OpsgenieData, opsgenie_server


@pytest.fixture
def source() -> OpsgenieData:
    return account(users=60)


@pytest.fixture
def base_url(source: OpsgenieData) -> Iterator[str]:
    with opsgenie_server(source) as url:
        yield url


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    """`onwatch ...` in this process, on the test's database (built from the environment)."""
    unset = ("ONWATCH_AS", "ONWATCH_TOKEN", "ONWATCH_PUBLIC_URL")
    with in_process_cli(database_url, monkeypatch, unset) as cli:
        yield cli


@pytest.fixture
def importing(source: OpsgenieData, base_url: str, tmp_path: Path, cli: Cli) -> Callable[..., Result]:
    key = tmp_path / "opsgenie.key"
    key.write_text(source.api_key)
    out = tmp_path / "onwatch.yaml"
    return lambda *more: cli(
        "import", "opsgenie", "--api-key-file", key, "--base-url", base_url, "--out", out, *more
    )


def applied_revision() -> int | None:
    with context.onwatch().db.read() as uow:
        current = uow.repo(ConfigRepository).current()
    return current[0] if current else None


def test_a_dry_run_says_so_when_nothing_is_applied_yet(importing: Cli, tmp_path: Path) -> None:
    out = tmp_path / "onwatch.yaml"
    result = importing("--dry-run")
    assert result.exit_code == 0, result.output
    assert "nothing is applied in onwatch yet (the " in result.output
    assert "apply-config would add all of it" in result.output
    assert f"+++ {out} (imported)" in result.output  # the diff against the (missing) file
    assert f"dry run: {out} not written" in result.output
    assert not out.exists() and not overrides_path(out).exists()
    assert applied_revision() is None


def test_a_dry_run_against_an_applied_config_shows_the_change_and_writes_nothing(
    importing: Cli, cli: Cli, source: OpsgenieData, tmp_path: Path
) -> None:
    out = tmp_path / "onwatch.yaml"
    assert importing().exit_code == 0
    applied = cli("apply-config", out)
    assert applied.exit_code == 0, applied.output
    text, script = out.read_text(), overrides_path(out).exists()
    # meanwhile in Opsgenie: user7 is renamed and someone joins
    source.users[7]["fullName"] = "Ursula Seven"
    source.users.append(user(60))
    result = importing("--dry-run")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "~ people.user7: name 'User 7' -> 'Ursula Seven'" in lines
    assert "+ people.user60: User 60" in lines
    assert "--- applied in onwatch (revision 1)" in lines and f"+++ {out} (imported)" in lines
    assert "-    name: User 7" in lines and "+    name: Ursula Seven" in lines
    assert any(
        line.startswith("dry run: 2 change(s) against revision 1 applied in onwatch (the ") for line in lines
    )
    assert f"dry run: {out} not written" in lines
    # nothing was written: not the file, not the script, not the database
    assert out.read_text() == text and overrides_path(out).exists() == script
    assert applied_revision() == 1


def test_a_reimport_after_apply_shows_no_change_against_what_is_applied(
    importing: Cli, cli: Cli, tmp_path: Path
) -> None:
    out = tmp_path / "onwatch.yaml"
    assert importing().exit_code == 0
    assert cli("apply-config", out).exit_code == 0
    again = importing("--dry-run")
    assert again.exit_code == 0, again.output
    assert "dry run: no change against revision 1 applied in onwatch (the " in again.output
    assert f"{out}: unchanged" in again.output
    assert "--- applied in onwatch" not in again.output
    # and applying the re-import changes nothing either
    assert importing().exit_code == 0
    assert "configuration unchanged" in cli("apply-config", out).output
    assert applied_revision() == 1


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("sqlite:///{tmp}/missing.db", "nothing is applied in onwatch yet (the sqlite database "),
        (
            "postgresql://postgres@127.0.0.1:1/onwatch",
            "cannot read what onwatch has applied (the postgresql ",
        ),
    ],
)
def test_without_a_database_to_read_the_dry_run_diffs_against_the_file(
    url: str, said: str, source: OpsgenieData, base_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ONWATCH_DATABASE_URL", url.format(tmp=tmp_path))
    context.onwatch.cache_clear()
    key = tmp_path / "opsgenie.key"
    key.write_text(source.api_key)
    out = tmp_path / "onwatch.yaml"
    args = ["import", "opsgenie", "--api-key-file", str(key), "--base-url", base_url, "--out", str(out)]
    try:
        result = CliRunner().invoke(app, [*args, "--dry-run"])
    finally:
        context.onwatch.cache_clear()
    assert result.exit_code == 0, result.output
    assert said in result.output
    assert f"+++ {out} (imported)" in result.output and f"dry run: {out} not written" in result.output
    assert not out.exists() and not (tmp_path / "missing.db").exists()
