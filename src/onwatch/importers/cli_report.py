"""How `onwatch import <source>` reports an import: counts, losses, the URL table, the diff, the
overrides script and the verify differences (shared by the sources)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import typer

from onwatch.config.loader import ConfigError
from onwatch.importers.applied import AppliedUnreadable, against_applied, read_applied
from onwatch.importers.output import WriteResult, config_path
from onwatch.importers.overrides import overrides_path
from onwatch.importers.report import InvalidOption, SourceError
from onwatch.importers.result import SourceImport
from onwatch.kernel.enums import Role

ROLE_HELP = (
    "ROLE=SCHEDULE (the source's schedule id or name): the schedule says who holds the onwatch role "
    "(eoc, imoc, cmoc, security); escalations that notify the schedule page the role"
)


def fail(message: str) -> typer.Exit:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(1)


def read_secret(path: Path, what: str) -> str:
    try:
        secret = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise fail(f"cannot read the {what} file {path}: {exc.strerror}") from None
    if not secret:
        raise fail(f"the {what} file {path} is empty")
    return secret


def parse_roles(values: list[str] | None) -> dict[str, str]:
    """`--role eoc=Primary` options as {role: schedule}."""
    out: dict[str, str] = {}
    for value in values or []:
        name, _, schedule = value.partition("=")
        if name.strip().lower() not in {r.value for r in Role} or not schedule.strip():
            raise fail(
                f"--role {value}: write ROLE=SCHEDULE with ROLE one of {', '.join(r.value for r in Role)}"
            )
        out[name.strip().lower()] = schedule.strip()
    return out


def report_config(written: WriteResult, target: Path, *, dry_run: bool) -> None:
    """Whether the config file was written; in a dry run, what applying it would change in the
    revision onwatch has applied (its database, as every command on this machine reads it), or,
    when nothing is applied yet, the diff against the file."""
    if not dry_run:
        typer.echo(f"wrote {target}" if written.changed else f"{target}: unchanged")
        return
    try:
        applied = read_applied()
    except AppliedUnreadable as exc:
        typer.secho(
            f"cannot read what onwatch has applied ({exc}); the diff is against {target}",
            fg=typer.colors.YELLOW,
            err=True,
        )
        applied = None
    found = against_applied(applied, written.config, str(target)) if applied else None
    if applied is not None and found is None:
        why = f"; {applied.note}" if applied.note else ""
        typer.echo(
            f"nothing is applied in onwatch yet ({applied.where}{why}): apply-config would add all of it"
        )
    if found is not None:
        where = f"revision {found.revision} applied in onwatch ({applied.where if applied else ''})"
        if found.unchanged:
            typer.echo(f"dry run: no change against {where}")
        else:
            for change in found.changes:
                typer.echo(str(change))
            typer.echo(found.diff, nl=False)
            typer.echo(f"dry run: {len(found.changes)} change(s) against {where}")
    elif written.changed:
        typer.echo(written.diff, nl=False)
    typer.echo(f"dry run: {target} not written" if written.changed else f"{target}: unchanged")


def run_and_report(
    source: str, run: Callable[[], SourceImport], out: Path, *, dry_run: bool, days: int
) -> None:
    """Run an import and print what it did; exit 1 when it fails or --verify finds differences."""
    try:
        done = run()
    except (SourceError, InvalidOption) as exc:
        raise fail(str(exc)) from None
    except ConfigError as exc:
        for issue in exc.issues:
            typer.secho(f"  {issue}", fg=typer.colors.RED, err=True)
        raise fail(
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
            f"integration {row.old.integration}: {row.old.kind} {row.old.url} (key {row.old.key or '-'}) -> "
            f"{row.url} (key {row.key})"
        )
    for path in done.companions:
        typer.echo(f"dry run: {path} not written" if dry_run else f"wrote {path}")
    if result.overrides and done.overrides_changed:
        script = overrides_path(target)
        verb = "would write" if dry_run else "wrote"
        typer.echo(f"{verb} {script}: {len(result.overrides)} override(s); run it after apply-config")
    if done.differences is not None:
        for difference in done.differences:
            typer.secho(f"differs: {difference}", fg=typer.colors.RED)
        if done.differences:
            raise fail(f"{len(done.differences)} difference(s) between {source} and onwatch over {days} days")
        typer.echo(
            f"verified: {result.counts['schedules']} schedule(s) agree shift by shift over {days} days"
        )
