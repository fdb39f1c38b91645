"""`onwatch --help` answers from a table, without importing the application: the table must say
exactly what the application's commands are."""

from __future__ import annotations

import subprocess
import sys

import click
import typer.main

from onwatch.cli.entry import COMMANDS, help_text
from onwatch.cli.main import app


def test_the_quick_help_lists_every_command_of_the_application_with_its_own_help() -> None:
    group = typer.main.get_command(app)
    ctx = click.Context(group)  # type: ignore[arg-type]
    actual = {
        name: group.get_command(ctx, name).get_short_help_str(limit=300)  # type: ignore[attr-defined]
        for name in group.list_commands(ctx)  # type: ignore[attr-defined]
    }
    missing = {n: h for n, h in actual.items() if COMMANDS.get(n) != h}
    assert missing == {}, f"add these to COMMANDS in src/onwatch/cli/entry.py: {missing}"
    assert list(COMMANDS) == list(actual)


def test_onwatch_help_imports_nothing_of_the_application() -> None:
    probe = (
        "import sys; sys.argv = ['onwatch', '--help']; from onwatch.cli.entry import main; main(); "
        "heavy = [m for m in ('sqlalchemy', 'typer', 'pydantic', 'onwatch.bootstrap') if m in sys.modules]; "
        "print('HEAVY', heavy)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert "HEAVY []" in out and "ack  " in out and help_text().splitlines()[0] in out


def test_the_api_calling_commands_default_to_the_servers_own_default_address() -> None:
    from onwatch.cli.remote import DEFAULT_PUBLIC_URL
    from onwatch.settings import Settings

    assert Settings.model_fields["public_url"].default == DEFAULT_PUBLIC_URL
