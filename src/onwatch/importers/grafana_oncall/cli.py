"""`onwatch import grafana-oncall`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from onwatch.importers.cli_report import ROLE_HELP, parse_roles, read_secret, run_and_report
from onwatch.importers.companions import DEFAULT_PUBLIC_URL
from onwatch.importers.grafana_oncall.run import import_grafana_oncall


def grafana_oncall(
    token_file: Annotated[Path, typer.Option("--token-file", help="file holding a Grafana OnCall API token")],
    base_url: Annotated[
        str, typer.Option("--base-url", help="Grafana OnCall's API URL (Settings -> API Tokens shows it)")
    ],
    out: Annotated[
        Path, typer.Option("--out", help="config file to write (merged if it exists), or a directory")
    ] = Path("onwatch.yaml"),
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="print the diff against what onwatch has applied; write nothing")
    ] = False,
    organisation: Annotated[
        str, typer.Option(help="organisation name when --out does not exist yet")
    ] = "Imported from Grafana OnCall",
    verify: Annotated[
        bool,
        typer.Option("--verify", help="compare Grafana OnCall's final shifts with onwatch's, shift by shift"),
    ] = False,
    days: Annotated[int, typer.Option("--days", min=1, max=90, help="how far ahead --verify compares")] = 28,
    role: Annotated[list[str] | None, typer.Option("--role", help=ROLE_HELP)] = None,
    public_url: Annotated[
        str,
        typer.Option("--public-url", envvar="ONWATCH_PUBLIC_URL", help="onwatch's URL, for the URL table"),
    ] = DEFAULT_PUBLIC_URL,
) -> None:
    """Read users (notification rules), teams, web and calendar schedules (their shifts and the
    overrides of the coming 90 days), escalation chains and integrations from Grafana OnCall's
    public API v1 and write them to --out (overrides: a script of `onwatch override add` next to
    it). Nothing is written unless the whole document validates; what onwatch cannot express is
    listed."""
    token = read_secret(token_file, "token")
    roles = parse_roles(role)
    run_and_report(
        "Grafana OnCall",
        lambda: import_grafana_oncall(
            token,
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
