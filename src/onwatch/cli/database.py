"""`onwatch db copy` (move to another database, verified) and `onwatch backup` (SQLite's online backup)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Annotated

import typer

from onwatch.cli.context import fail, onwatch
from onwatch.db.connect import create_engine

db_app = typer.Typer(help="Move onwatch's data between databases.", no_args_is_help=True)


@db_app.command("copy")
def copy(
    source: Annotated[str, typer.Option("--from", help="the database to copy, e.g. sqlite:///onwatch.db")],
    target: Annotated[
        str, typer.Option("--to", help="an empty database migrated by `onwatch migrate`, e.g. postgresql://…")
    ],
) -> None:
    """Copy every table (config, incidents, timelines, schedules, overrides, timers, outbox, …) into an
    empty, migrated target in one transaction; verify each table's row count and checksum."""
    from onwatch.db.copy import CopyRefused, copy_database  # on use: Alembic slows every CLI start

    src, dst = create_engine(source), create_engine(target)
    try:
        report = copy_database(src, dst)
    except CopyRefused as exc:
        fail(f"refused: {exc}")
    finally:
        src.dispose()
        dst.dispose()
    typer.echo(f"{'table':<22} {'rows':>9}  {'sha256':<16}  verified")
    for t in report:
        typer.echo(f"{t.table:<22} {t.rows:>9}  {t.checksum[:16]}  {'yes' if t.verified else 'NO'}")
    bad = [t.table for t in report if not t.verified]
    if bad:
        fail(f"the copy differs from the source in {', '.join(bad)}")
    typer.echo(f"copied {sum(t.rows for t in report)} rows in {len(report)} tables; every table verified")


def backup(file: Annotated[Path, typer.Argument(help="where to write the copy (must not exist)")]) -> None:
    """Back up the SQLite database while onwatch runs (SQLite's online backup API). For PostgreSQL
    use pg_dump or base backups (pg_basebackup, with WAL archiving for point-in-time recovery)."""
    ow = onwatch()
    if ow.db.dialect != "sqlite":
        fail(
            "onwatch backup is for SQLite; back up PostgreSQL with its own tools: "
            "`pg_dump -Fc` for a logical copy, or `pg_basebackup` and WAL archiving for base backups"
        )
    if file.exists():
        fail(f"{file} exists; choose a new file")
    live = sqlite3.connect(ow.db.engine.url.database or "")
    copy_to = sqlite3.connect(file)
    try:
        with copy_to:
            live.backup(copy_to)  # a consistent snapshot, pages copied while writers carry on
        (ok,) = copy_to.execute("PRAGMA integrity_check").fetchone()
    finally:
        copy_to.close()
        live.close()
    if ok != "ok":
        fail(f"the backup in {file} failed its integrity check: {ok}")
    typer.echo(f"backed up {ow.db.engine.url.database} to {file} ({file.stat().st_size} bytes)")
