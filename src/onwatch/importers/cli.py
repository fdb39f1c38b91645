"""`onwatch import pagerduty`: read a PagerDuty account and write onwatch's config-as-code YAML."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from onwatch.config.loader import ConfigError
from onwatch.importers.cli_report import parse_roles, report_config
from onwatch.importers.grafana_oncall.cli import grafana_oncall
from onwatch.importers.ical.cli import ical
from onwatch.importers.opsgenie.cli import opsgenie
from onwatch.importers.output import config_path
from onwatch.importers.overrides import overrides_path
from onwatch.importers.pagerduty.client import DEFAULT_BASE_URL
from onwatch.importers.pagerduty.run import DEFAULT_PUBLIC_URL, import_pagerduty
from onwatch.importers.report import InvalidOption, SourceError

app = typer.Typer(
    help="Import people, teams, schedules and escalation policies from another tool.", no_args_is_help=True
)
app.command("opsgenie")(opsgenie)
app.command("ical")(ical)
app.command("grafana-oncall")(grafana_oncall)


def _fail(message: str) -> typer.Exit:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(1)


def _read_token(path: Path) -> str:
    try:
        token = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise _fail(f"cannot read the token file {path}: {exc.strerror}") from None
    if not token:
        raise _fail(f"the token file {path} is empty")
    return token


@app.command()
def pagerduty(
    token_file: Annotated[Path, typer.Option("--token-file", help="file holding a PagerDuty REST API key")],
    base_url: Annotated[str, typer.Option("--base-url", help="PagerDuty API base URL")] = DEFAULT_BASE_URL,
    out: Annotated[
        Path, typer.Option("--out", help="config file to write (merged if it exists), or a directory")
    ] = Path("onwatch.yaml"),
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="print the diff against what onwatch has applied; write nothing")
    ] = False,
    organisation: Annotated[
        str, typer.Option(help="organisation name when --out does not exist yet")
    ] = "Imported from PagerDuty",
    verify: Annotated[
        bool,
        typer.Option(
            "--verify", help="compare PagerDuty's on-call (GET /oncalls) with onwatch's, shift by shift"
        ),
    ] = False,
    days: Annotated[int, typer.Option("--days", min=1, max=90, help="how far ahead --verify compares")] = 28,
    role: Annotated[
        list[str] | None,
        typer.Option(
            "--role",
            help="ROLE=SCHEDULE (PagerDuty id or name): the schedule says who holds the onwatch role "
            "(eoc, imoc, cmoc, security); escalation policies targeting it page the role",
        ),
    ] = None,
    public_url: Annotated[
        str,
        typer.Option("--public-url", envvar="ONWATCH_PUBLIC_URL", help="onwatch's URL, for the URL table"),
    ] = DEFAULT_PUBLIC_URL,
) -> None:
    """Read users (contact methods, notification rules), teams, schedules, escalation policies and
    services from PagerDuty's REST API v2 and write them to --out. Nothing is written unless the
    whole document validates as `onwatch apply-config` would read it; what onwatch cannot express
    is listed."""
    token = _read_token(token_file)
    roles = parse_roles(role)
    try:
        done = import_pagerduty(
            token,
            out,
            now=datetime.now(UTC),
            base_url=base_url,
            dry_run=dry_run,
            organisation=organisation,
            verify_days=days if verify else None,
            roles=roles,
            public_url=public_url,
        )
    except (SourceError, InvalidOption) as exc:
        raise _fail(str(exc)) from None
    except ConfigError as exc:
        for issue in exc.issues:
            typer.secho(f"  {issue}", fg=typer.colors.RED, err=True)
        raise _fail(
            f"the import does not validate ({len(exc.issues)} problem(s)); nothing was written"
        ) from None
    result, written = done.result, done.written
    typer.echo(
        ", ".join(f"{n} {section.replace('_', ' ')}" for section, n in result.counts.items()) + " read"
    )
    for item in result.unsupported:
        typer.secho(f"not imported: {item}", fg=typer.colors.YELLOW, err=True)
    target = config_path(out)
    report_config(written, target, dry_run=dry_run)
    for row in done.urls:
        typer.echo(
            f"integration {row.old.integration}: {row.old.kind} {row.old.url} (key {row.old.key}) -> "
            f"{row.url} (key {row.key})"
        )
    for path in done.companions:
        typer.echo(f"dry run: {path} not written" if dry_run else f"wrote {path}")
    if result.overrides and done.overrides_changed:
        verb = "would write" if dry_run else "wrote"
        typer.echo(
            f"{verb} {overrides_path(target)}: {len(result.overrides)} override(s); run it after apply-config"
        )
    if done.differences is not None:
        for difference in done.differences:
            typer.secho(f"differs: {difference}", fg=typer.colors.RED)
        if done.differences:
            raise _fail(
                f"{len(done.differences)} difference(s) between PagerDuty and onwatch over {days} days"
            )
        typer.echo(
            f"verified: {result.counts['schedules']} schedule(s) agree shift by shift over {days} days"
        )
