"""Entry point: `onwatch serve | migrate | apply-config | token | declare | incident`."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Annotated

import typer

from onwatch import gc_tuning
from onwatch.alerts import cli as integrations_cli
from onwatch.cli import remote
from onwatch.cli.applied import applied_revision
from onwatch.cli.context import caller, fail, onwatch, reported, serving
from onwatch.cli.database import backup, db_app
from onwatch.cli.timers import timers_app
from onwatch.config.apply import apply_config
from onwatch.config.loader import load_config_file
from onwatch.config.signing import require_signing_secrets
from onwatch.directory.cli import user_app
from onwatch.directory.store import DirectoryRepository
from onwatch.directory.tokens import TokenRepository, TokenRole
from onwatch.importers import applied as imported
from onwatch.importers import cli as importers
from onwatch.incidents import cli as incident
from onwatch.oncall import cli as oncall
from onwatch.oncall.commands import coverage_warnings
from onwatch.paging import cli as alerts
from onwatch.reports import cli as reports
from onwatch.reports.feedback import cli as feedback
from onwatch.reviews import cli as reviews
from onwatch.slo import cli as slo

app = typer.Typer(
    name="onwatch",
    help="onwatch: incident management. Settings come from ONWATCH_* environment variables.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
token_app = typer.Typer(help="Create, list and revoke API tokens.", no_args_is_help=True)
app.add_typer(token_app, name="token")
app.add_typer(incident.app, name="incident")
app.add_typer(oncall.schedule_app, name="schedule")
app.add_typer(oncall.override_app, name="override")
app.add_typer(alerts.alerts_app, name="alerts")
app.add_typer(alerts.maintenance_app, name="maintenance")
app.add_typer(user_app, name="user")
app.add_typer(db_app, name="db")
app.add_typer(reviews.app, name="review")
app.add_typer(reviews.near_miss_app, name="near-miss")
app.add_typer(timers_app, name="timers")
app.add_typer(importers.app, name="import")
app.add_typer(reports.app, name="reports")
app.add_typer(feedback.follow_up_app, name="follow-up")
app.command()(backup)
app.command()(incident.declare)
incident.AFTER_DECLARE.append(reviews.seen_before)
imported.READERS.append(applied_revision)  # `import --dry-run` diffs against this database
app.command()(incident.report)
app.command()(incident.page)
app.command()(alerts.ack)
app.command()(alerts.resolve)
app.command()(feedback.feedback)
app.command()(alerts.worker)
app.command("test-contact")(alerts.test_contact)
app.command()(oncall.oncall)
app.command()(oncall.handoff)
app.command("who-knows")(oncall.who_knows)
app.command()(slo.slo)
app.command()(integrations_cli.integrations)


@app.command()
def whoami(
    as_person: Annotated[
        str | None, typer.Option("--as", help="who you are (person id); or set ONWATCH_AS")
    ] = None,
) -> None:
    """Who the CLI acts as (ONWATCH_TOKEN's person and role on the server, or --as), and the public URL."""
    if remote.applies(["--as"] if as_person else [], os.environ):
        try:
            typer.echo(remote.whoami(os.environ))
        except remote.RemoteError as exc:
            fail(exc.message)
        return
    ow = onwatch()
    with reported():
        who = caller(as_person)
    person = who.person_id or "the operator at the database (nobody named: --as PERSON)"
    typer.echo(
        f"{person}, {who.level.value}, on the {ow.db.dialect} database (public URL {ow.settings.public_url})"
    )


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema."""
    from onwatch.db import migrate as migrations  # on use: Alembic slows every CLI start

    ow = onwatch()
    migrations.upgrade(ow.db.engine)
    typer.echo(f"database at revision {migrations.current_revision(ow.db.engine)} ({ow.db.dialect})")


@app.command("apply-config")
def apply_config_cmd(
    file: Annotated[Path, typer.Argument(help="the YAML configuration")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="show what would change; write nothing")] = False,
) -> None:
    """Validate FILE and apply it in one transaction; invalid files change nothing."""
    ow = onwatch()
    with reported():
        config = load_config_file(file)
        require_signing_secrets(config, ow.settings.webhook_secret)
        result = apply_config(
            ow.db, config, now=ow.clock.now(), applied_by=f"cli:{file.name}", dry_run=dry_run
        )
    if result.unchanged:
        typer.echo("configuration unchanged")
        return
    for change in result.changes:
        typer.echo(str(change))
    if dry_run:
        typer.echo(f"dry run: {len(result.changes)} change(s) would be applied")
    else:
        typer.echo(f"applied revision {result.revision}: {len(result.changes)} change(s)")
    for gap in coverage_warnings(ow.db, config, ow.clock.now()):
        typer.secho(f"warning: {oncall.gap_text(gap)}", fg=typer.colors.YELLOW, err=True)


@token_app.command("create")
def token_create(
    role: Annotated[TokenRole, typer.Option(help="viewer, responder or admin")],
    person: Annotated[str | None, typer.Option(help="the person acting with this token")] = None,
    name: Annotated[str | None, typer.Option(help="a label for the token")] = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="revoke the active tokens of this name and person first")
    ] = False,
) -> None:
    """Create a token and print its secret (shown only this once)."""
    ow = onwatch()
    label = name or f"{person or 'service'}-{role.value}"
    with reported(), ow.db.write() as uow:
        if person is not None:
            uow.repo(DirectoryRepository).require_person(person)
        tokens = uow.repo(TokenRepository)
        if replace:  # `make run` replaces its own token instead of piling up a new one per run
            for old in tokens.all():
                if old.name == label and old.person_id == person and old.revoked_at is None:
                    tokens.revoke(old.id, ow.clock.now())
        secret, _ = tokens.create(
            name=label,
            role=role,
            person_id=person,
            now=ow.clock.now(),
        )
    typer.echo(secret)


@token_app.command("list")
def token_list() -> None:
    ow = onwatch()
    with ow.db.read() as uow:
        for t in uow.repo(TokenRepository).all():
            state = f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else "active"
            typer.echo(f"{t.id:<5} {t.role.value:<10} {t.person_id or '-':<12} {t.name:<30} {state}")


@token_app.command("revoke")
def token_revoke(token_id: int) -> None:
    ow = onwatch()
    with ow.db.write() as uow:
        if not uow.repo(TokenRepository).revoke(token_id, ow.clock.now()):
            fail(f"token {token_id} does not exist or is already revoked")
    typer.echo(f"revoked token {token_id}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="default: ONWATCH_HOST or 127.0.0.1")] = None,
    port: Annotated[int | None, typer.Option(help="default: ONWATCH_PORT or 8080")] = None,
    migrate_first: Annotated[
        bool, typer.Option("--migrate/--no-migrate", help="upgrade the schema first")
    ] = True,
    engine: Annotated[
        bool, typer.Option("--engine/--no-engine", help="run the engine (timers, deliveries) in this process")
    ] = True,
    tls_cert: Annotated[Path | None, typer.Option(help="serve HTTPS with this certificate (PEM)")] = None,
    tls_key: Annotated[Path | None, typer.Option(help="the certificate's private key (PEM)")] = None,
    processes: Annotated[
        int | None,
        typer.Option(
            min=1, help="server processes sharing the port (PostgreSQL only); default: ONWATCH_PROCESSES or 1"
        ),
    ] = None,
) -> None:
    """Serve the API and run the engine beside it (--no-engine when `onwatch worker`s run apart)."""
    # on use: Alembic, uvicorn and FastAPI would slow every CLI start
    from onwatch.db import migrate as migrations
    from onwatch.serving import Listen, check_port_free, serve_processes, server_for

    if (tls_cert is None) != (tls_key is None):
        fail("give both --tls-cert and --tls-key, or neither")
    if migrate_first:
        migrations.upgrade(onwatch().db.engine)
    ow = serving()
    host = host or ow.settings.host
    port = port or ow.settings.port
    processes = processes or ow.settings.processes
    if processes > 1 and ow.db.dialect != "postgresql":
        fail("--processes above 1 needs PostgreSQL: SQLite takes one writing process at a time")
    worker = ow.worker() if engine else None
    stop = threading.Event()
    if worker is not None:
        worker.start(stop, ow.settings.worker_poll_seconds)
    scheme = "https" if tls_cert else "http"
    where = "in this process" if worker else "separate `onwatch worker` processes"
    typer.echo(
        f"onwatch on {scheme}://{host}:{port} (web UI at /, status page at /status, API docs at /docs), "
        f"database: {ow.db.dialect}, engine: {where}"
        + (f", {processes} server processes" if processes > 1 else "")
    )
    listen = Listen(host, port, str(tls_cert) if tls_cert else None, str(tls_key) if tls_key else None)
    try:
        if processes > 1:
            try:
                check_port_free(listen)
            except OSError as exc:
                fail(f"cannot listen on {host}:{port}: {exc}")
            serve_processes(listen, processes)
        else:
            api = ow.api(engine=worker)
            gc_tuning.settle()
            server_for(api, listen).run()
    finally:
        stop.set()


if __name__ == "__main__":  # pragma: no cover
    app()
