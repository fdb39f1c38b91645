"""`onwatch import opsgenie`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from onwatch.importers.cli_report import ROLE_HELP, parse_roles, read_secret, run_and_report
from onwatch.importers.companions import DEFAULT_PUBLIC_URL
from onwatch.importers.opsgenie.client import US_BASE_URL
from onwatch.importers.opsgenie.run import import_opsgenie


def opsgenie(
    api_key_file: Annotated[Path, typer.Option("--api-key-file", help="file holding an Opsgenie API key")],
    base_url: Annotated[
        str,
        typer.Option(
            "--base-url",
            help="Opsgenie API: https://api.opsgenie.com (US) or https://api.eu.opsgenie.com (EU)",
        ),
    ] = US_BASE_URL,
    out: Annotated[
        Path, typer.Option("--out", help="config file to write (merged if it exists), or a directory")
    ] = Path("onwatch.yaml"),
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="print the diff against what onwatch has applied; write nothing")
    ] = False,
    organisation: Annotated[
        str, typer.Option(help="organisation name when --out does not exist yet")
    ] = "Imported from Opsgenie",
    verify: Annotated[
        bool,
        typer.Option("--verify", help="compare Opsgenie's schedule timelines with onwatch's, shift by shift"),
    ] = False,
    days: Annotated[int, typer.Option("--days", min=1, max=90, help="how far ahead --verify compares")] = 28,
    role: Annotated[list[str] | None, typer.Option("--role", help=ROLE_HELP)] = None,
    public_url: Annotated[
        str,
        typer.Option("--public-url", envvar="ONWATCH_PUBLIC_URL", help="onwatch's URL, for the URL table"),
    ] = DEFAULT_PUBLIC_URL,
) -> None:
    """Read users (contacts, notification rules), teams, schedules (rotations, time restrictions,
    overrides of the coming 90 days), escalations and integrations from Opsgenie's REST API v2 and
    write them to --out (overrides: a script of `onwatch override add` next to it). Nothing is
    written unless the whole document validates; what onwatch cannot express is listed."""
    key = read_secret(api_key_file, "API key")
    roles = parse_roles(role)
    run_and_report(
        "Opsgenie",
        lambda: import_opsgenie(
            key,
            out,
            now=datetime.now(UTC),
            base_url=base_url,
            dry_run=dry_run,
            organisation=organisation,
            verify_days=days if verify else None,
            roles=roles,
            public_url=public_url,
        ),
        out,
        dry_run=dry_run,
        days=days,
    )
