"""`onwatch timers dead|pending|retry`: the engine's durable timers, above all those that failed every
attempt (engine/dead.py). The CLI works on the database itself, so it acts as an admin."""

from __future__ import annotations

from typing import Annotated

import typer

from onwatch.cli.context import actor, onwatch, reported
from onwatch.cli.render import ts
from onwatch.engine.dead import TimerState, TimerView

timers_app = typer.Typer(
    help="Durable timers: list the dead ones (their handler failed every attempt) and run one again.",
    no_args_is_help=True,
)

As = Annotated[str | None, typer.Option("--as", help="who you are (person id); or set ONWATCH_AS")]
ERROR_WIDTH = 60


def _table(views: list[TimerView]) -> None:
    typer.echo(f"{'id':<7} {'kind':<16} {'due':<21} {'attempts':<9} {'for':<32} last error")
    for v in views:
        t = v.timer
        error = (t.last_error or "-").replace("\n", " ")
        if len(error) > ERROR_WIDTH:
            error = error[: ERROR_WIDTH - 1] + "…"
        typer.echo(f"{t.id:<7} {t.kind:<16} {ts(t.due_at):<21} {t.attempts:<9} {v.for_text:<32} {error}")


@timers_app.command()
def dead(limit: Annotated[int, typer.Option(min=1, max=1000)] = 100) -> None:
    """Timers whose handler failed every attempt (exit 1 if there is any): id, kind, when it was due,
    attempts, what it works for and its last error."""
    views = onwatch().dead_timers().list(TimerState.DEAD, limit)
    if not views:
        typer.echo("no dead timers")
        return
    _table(views)
    raise typer.Exit(1)


@timers_app.command()
def pending(limit: Annotated[int, typer.Option(min=1, max=1000)] = 100) -> None:
    """Live timers, the next due first (those retrying after a failure show their attempts)."""
    views = onwatch().dead_timers().list(TimerState.PENDING, limit)
    if not views:
        typer.echo("no pending timers")
        return
    _table(views)


@timers_app.command()
def retry(timer_id: int, as_person: As = None) -> None:
    """Put dead timer TIMER_ID back, due now with its attempts reset (noted on its incident / group)."""
    with reported():
        view = onwatch().dead_timers().retry(timer_id, actor(as_person))
    typer.echo(f"timer {view.timer.id} ({view.timer.kind}) for {view.for_text} is due now")
