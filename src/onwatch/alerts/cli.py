"""`onwatch integrations`: where monitoring sends alerts, with the keys (read from the applied config)."""

from __future__ import annotations

import typer

from onwatch.alerts.receivers import receivers
from onwatch.cli.context import onwatch, reported


def integrations() -> None:
    """List integrations and heartbeats with their receiver URLs and keys (what to paste into monitoring)."""
    ow = onwatch()
    with reported(), ow.db.read() as uow:
        applied = ow.cache.get(uow)
    for r in receivers(applied.config, ow.settings.public_url):
        typer.echo(f"{r.id:<24} {r.kind:<13} service {r.service:<12} policy {r.escalation_policy}")
        typer.echo(f"    {r.url}")
        if r.kind == "pagerduty":
            typer.echo(f"    routing_key {r.key}")
        typer.echo(f"    {r.setup}")
