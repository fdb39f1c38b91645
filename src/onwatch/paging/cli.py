"""`onwatch ack|resolve ID`, `onwatch alerts ...`, `onwatch maintenance add`, `onwatch worker`."""

from __future__ import annotations

import os
import signal
import threading
from typing import Annotated

import typer

from onwatch import gc_tuning
from onwatch.bootstrap import Onwatch
from onwatch.cli import remote
from onwatch.cli.context import actor, fail, hidden, onwatch, reported, visible
from onwatch.cli.render import ts
from onwatch.db.faults import unavailable
from onwatch.engine.worker import Worker
from onwatch.kernel.enums import Role
from onwatch.oncall.cli import parse_range
from onwatch.paging.commands import AlertGroupCommands
from onwatch.paging.domain.alerts import GroupStatus
from onwatch.paging.domain.escalation import Target, TargetKind
from onwatch.paging.store.groups import AlertGroupRecord

alerts_app = typer.Typer(
    help="Alert groups: list, show, escalate, page, turn into an incident.", no_args_is_help=True
)
maintenance_app = typer.Typer(
    help="Maintenance windows: alerts are recorded, nobody is paged.", no_args_is_help=True
)

As = Annotated[str | None, typer.Option("--as", help="who you are (person id); or set ONWATCH_AS")]


def group_commands() -> AlertGroupCommands:
    return onwatch().groups


def _line(g: AlertGroupRecord) -> str:
    flags = (" FLAPPING" if g.flapping else "") + (" maintenance" if g.in_maintenance else "")
    incident = f" incident #{g.incident_id}" if g.incident_id else ""
    counts = f"{g.firing_count}/{g.alert_count} firing"
    return f"#{g.id:<5} {g.status.value:<12} {g.service_id:<9} {counts}  {g.title}{flags}{incident}"


def _remotely(command: str, group_id: int, as_person: str | None) -> bool:
    """With a token and no --as the server acts (onwatch.cli.remote); True when it did."""
    if not remote.applies(["--as"] if as_person else [], os.environ):
        return False
    try:
        typer.echo(remote.act_on_group(command, group_id, os.environ))
    except remote.RemoteError as exc:
        fail(exc.message)
    return True


def ack(group_id: int, as_person: As = None) -> None:
    """Acknowledge an alert group: the escalation stops."""
    if _remotely("ack", group_id, as_person):
        return
    with reported():
        typer.echo(_line(group_commands().acknowledge(group_id, actor(as_person, group=group_id))))


def resolve(group_id: int, as_person: As = None) -> None:
    """Resolve an alert group (and its alerts)."""
    if _remotely("resolve", group_id, as_person):
        return
    with reported():
        typer.echo(_line(group_commands().resolve(group_id, actor(as_person, group=group_id))))


@alerts_app.command("list")
def list_(
    status: Annotated[GroupStatus | None, typer.Option(help="triggered, acknowledged, resolved")] = None,
    as_person: As = None,
) -> None:
    """The newest 100 alert groups: status, service, alerts firing, summary and grouping labels;
    with --as, those the person may see."""
    groups = group_commands().groups(status, hidden_incidents=hidden(as_person))
    if not groups:
        typer.echo("no alert groups")
    for g in groups:
        typer.echo(_line(g))


@alerts_app.command()
def show(group_id: int, as_person: As = None) -> None:
    """An alert group with its alerts, escalation and timeline."""
    with reported():
        visible(as_person, group=group_id)
        group, alerts, events, escalation = group_commands().detail(group_id)
    typer.echo(_line(group))
    if escalation is not None:
        nxt = f", next step at {ts(escalation.next_at)}" if escalation.next_at else ""
        step = f"step {escalation.position.step + 1}/{len(escalation.policy.steps)}"
        typer.echo(f"  escalation: {escalation.policy.name}, {step} ({escalation.status}){nxt}")
    typer.echo("  alerts")
    for a in alerts:
        typer.echo(f"    {a.status.value:<9} x{a.event_count:<4} {a.summary}  [{a.dedup_key[:16]}]")
    typer.echo("  timeline")
    for e in events:
        typer.echo(f"    {ts(e.at)}  [{e.interface:<11}] {e.actor:<22} {e.message}")


@alerts_app.command()
def escalate(group_id: int, as_person: As = None) -> None:
    """Run the next escalation step now."""
    with reported():
        typer.echo(_line(group_commands().escalate(group_id, actor(as_person, group=group_id))))


@alerts_app.command()
def page(
    group_id: int,
    role: Annotated[Role | None, typer.Option(help="page whoever holds this role now")] = None,
    person: Annotated[str | None, typer.Option(help="page this person")] = None,
    as_person: As = None,
) -> None:
    """Page a role (e.g. --role imoc) or a person now: the `/pd trigger` of the process."""
    if (role is None) == (person is None):
        raise typer.BadParameter("give exactly one of --role or --person")
    target = Target(TargetKind.ROLE, role.value) if role else Target(TargetKind.PERSON, str(person))
    with reported():
        typer.echo(_line(group_commands().page(group_id, actor(as_person, group=group_id), target)))


@maintenance_app.command("add")
def maintenance_add(
    service: str,
    start: Annotated[str, typer.Option("--from", help="ISO 8601 start")],
    end: Annotated[str, typer.Option("--to", help="ISO 8601 end")],
    reason: str = "",
    as_person: As = None,
) -> None:
    with reported():
        begin, finish = parse_range(start, end)
        window = group_commands().add_maintenance(service, begin, finish, reason, actor(as_person))
        typer.echo(f"maintenance window {window} on {service}: {ts(begin)} to {ts(finish)}")


def _engine_once_the_database_answers(ow: Onwatch, stop: threading.Event) -> Worker | None:
    """The engine, built as soon as the database answers: a worker started during an outage (a
    failover, a restart) waits for it, retrying with backoff, instead of exiting. None if stopped."""
    delay = 1.0
    while not stop.is_set():
        try:
            return ow.worker()
        except Exception as exc:
            if not unavailable(exc):
                raise
            typer.echo(
                f"database unavailable ({str(exc).splitlines()[0]}); retrying in {delay:.0f} s", err=True
            )
            stop.wait(delay)
            delay = min(2 * delay, 30.0)
    return None


def worker() -> None:
    """Run the engine (escalation timers, heartbeats, deliveries) until interrupted."""
    ow = onwatch()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    engine = _engine_once_the_database_answers(ow, stop)
    if engine is None:
        return
    typer.echo(f"onwatch worker running on {ow.db.dialect}")
    gc_tuning.settle()
    try:
        engine.run_forever(stop, poll=ow.settings.worker_poll_seconds)
    except KeyboardInterrupt:
        stop.set()


def test_contact(
    person: Annotated[str, typer.Argument(help="person id")],
    method: Annotated[int | None, typer.Option("--method", help="one method (0-based); default all")] = None,
) -> None:
    """Send a test notification to a person's contact methods now, and say what each answered."""
    with reported():
        results = onwatch().trials().test(person, method)
    failed = False
    for r in results:
        outcome = "delivered" if r.delivered else f"FAILED: {r.error}"
        failed = failed or not r.delivered
        typer.echo(f"#{r.method} {r.type:<10} {outcome}")
    if failed:
        raise typer.Exit(1)
