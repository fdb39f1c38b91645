"""`onwatch user set-password PERSON`: local accounts for the web UI."""

from __future__ import annotations

import secrets
import sys
from typing import Annotated

import typer

from onwatch.cli.context import onwatch, reported

user_app = typer.Typer(
    help="Web UI accounts: passwords for people of the configuration.", no_args_is_help=True
)


@user_app.command("set-password")
def set_password(
    person: Annotated[str, typer.Argument(help="the person id from the configuration")],
    stdin: Annotated[bool, typer.Option("--stdin", help="read the password from standard input")] = False,
    generate: Annotated[
        bool, typer.Option("--generate", help="make up a strong password and print it")
    ] = False,
) -> None:
    """Set PERSON's web UI password (argon2-hashed); signs them out of every session."""
    from onwatch.web.auth import Sessions  # on use: argon2 and Starlette slow every CLI start

    if generate:
        password = secrets.token_urlsafe(12)
    elif stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    ow = onwatch()
    with reported():
        Sessions(ow.db, ow.clock).set_password(person, password)
    if generate:
        typer.echo(password)
    else:
        typer.echo(f"password set for {person}")
