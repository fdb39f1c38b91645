"""`onwatch oncall`, `onwatch schedule ...`, `onwatch override ...`, `onwatch handoff`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from onwatch.cli.context import actor, onwatch, reported
from onwatch.kernel.enums import Role
from onwatch.oncall.commands import Gap, OnCallService, OnceOutcome, RoleOnCall

schedule_app = typer.Typer(help="Show schedules and check their coverage.", no_args_is_help=True)
override_app = typer.Typer(help="Cover someone's shift without editing the config.", no_args_is_help=True)

As = Annotated[str | None, typer.Option("--as", help="who you are (person id); or set ONWATCH_AS")]


def _service() -> OnCallService:
    return onwatch().oncall


def parse_instant(text: str | None, *, field: str = "--at") -> datetime | None:
    """ISO 8601 with a zone (2026-12-01T03:00Z); 'now'; a bare date/time is read as UTC."""
    if text is None or text == "now":
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise typer.BadParameter(f"{field}: use ISO 8601, e.g. 2026-12-01T03:00:00Z") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def parse_range(start: str, end: str) -> tuple[datetime, datetime]:
    """--from and --to, both required to be explicit instants."""
    begin, finish = parse_instant(start, field="--from"), parse_instant(end, field="--to")
    if begin is None or finish is None:
        raise typer.BadParameter("--from and --to need explicit instants")
    return begin, finish


def _fmt(value: datetime | None, zone: ZoneInfo = ZoneInfo("UTC")) -> str:
    return value.astimezone(zone).strftime("%a %Y-%m-%d %H:%M %Z") if value else "-"


def _oncall_line(r: RoleOnCall) -> str:
    if r.schedule is None:
        return f"{r.role.name:<9} no schedule mapped to this role"
    shift = r.oncall.shift if r.oncall else None
    nxt = r.oncall.next if r.oncall else None
    who = f"{shift.person:<10} ({shift.source}) until {_fmt(shift.end)}" if shift else "NOBODY on call"
    after = f"; next {nxt.person} from {_fmt(nxt.start)}" if nxt else ""
    return f"{r.role.name:<9} {who}{after}   [{r.schedule.id}]"


def oncall(
    role: Annotated[Role | None, typer.Argument(help="eoc, imoc, cmoc or security; default all")] = None,
    at: Annotated[str | None, typer.Option(help="ISO 8601 instant; default now")] = None,
) -> None:
    """Who is on call now (or --at), why, until when, and who is next."""
    with reported():
        for r in _service().who(role, parse_instant(at)):
            typer.echo(_oncall_line(r))


def who_knows(
    expertise: Annotated[str, typer.Argument(help="an area of expertise (the config's `expertise` ids)")],
) -> None:
    """Who knows an area, and who of them is on call or in working hours (their zone) now."""
    with reported():
        found = _service().who_knows(expertise)
        if not found:
            typer.echo(f"nobody is listed as knowing {expertise}")
        for e in found:
            title = f", {e.title}" if e.title else ""
            team = f" [{e.team}]" if e.team else ""
            typer.echo(
                f"{e.person_id:<10} {e.name}{title}{team}: {e.availability()}, "
                f"{e.local_time:%a %H:%M} in {e.timezone}"
            )


@schedule_app.command("list")
def schedule_list() -> None:
    with reported():
        applied = _service().applied()
        for sid, s in applied.schedules.items():
            roles = [r.name for r in Role if (m := applied.role_schedule(r)) and m.id == sid]
            typer.echo(
                f"{sid:<16} {s.name:<45} layers: {', '.join(x.name for x in s.layers)}  {' '.join(roles)}"
            )


@schedule_app.command("show")
def schedule_show(
    schedule_id: str,
    days: Annotated[int, typer.Option(help="how many days ahead")] = 14,
    start: Annotated[str | None, typer.Option("--from", help="ISO 8601; default now")] = None,
    tz: Annotated[str | None, typer.Option(help="show times in this zone; default the schedule's")] = None,
) -> None:
    """The final shifts of a schedule (layers stacked, overrides applied) as a table."""
    with reported():
        service = _service()
        schedule = service.applied().schedule(schedule_id)
        zone = ZoneInfo(tz) if tz else schedule.zone
        begin = parse_instant(start, field="--from") or service.clock.now()
        typer.echo(f"{schedule.name} ({schedule_id}), times in {zone.key}")
        typer.echo(f"{'from':<24} {'to':<24} {'hours':>6}  {'person':<10} source")
        for s in service.shifts(schedule_id, begin, begin + timedelta(days=days)):
            hours = s.duration.total_seconds() / 3600
            typer.echo(
                f"{_fmt(s.start, zone):<24} {_fmt(s.end, zone):<24} {hours:>6.1f}  {s.person:<10} {s.source}"
            )


def gap_text(g: Gap) -> str:
    who = g.role.name if g.role else "(no role)"
    hours = (g.end - g.start).total_seconds() / 3600
    return f"{who:<9} {g.schedule_id:<16} nobody from {_fmt(g.start)} to {_fmt(g.end)} ({hours:.1f} h)"


@schedule_app.command("check")
def schedule_check(days: Annotated[int, typer.Option(help="how many days ahead")] = 14) -> None:
    """List the ranges in the next DAYS days in which a role has nobody on call (exit 1 if any)."""
    with reported():
        found = _service().gaps(days)
    if not found:
        typer.echo(f"every role is covered for the next {days} days")
        return
    for g in found:
        typer.echo(gap_text(g))
    raise typer.Exit(1)


@override_app.command("add")
def override_add(
    schedule_id: str,
    person: str,
    start: Annotated[str, typer.Option("--from", help="ISO 8601 start")],
    end: Annotated[str, typer.Option("--to", help="ISO 8601 end")],
    note: str = "",
    as_person: As = None,
    once: Annotated[
        bool,
        typer.Option(
            "--once", help="leave the same override if it is there, skip it if it has ended (for scripts)"
        ),
    ] = False,
) -> None:
    """PERSON covers SCHEDULE from --from to --to."""
    with reported():
        begin, finish = parse_range(start, end)
        if once:
            outcome, found = _service().add_override_once(
                schedule_id, person, begin, finish, actor(as_person), note
            )
        else:
            outcome = OnceOutcome.ADDED
            found = _service().add_override(schedule_id, person, begin, finish, actor(as_person), note)
        if found is None:
            typer.echo(f"skipped: the override of {person} on {schedule_id} ended {_fmt(finish)}")
            return
        span = f"from {_fmt(found.start)} to {_fmt(found.end)}"
        state = "" if outcome is OnceOutcome.ADDED else f" ({outcome.value})"
        typer.echo(f"override {found.id}: {found.person} covers {schedule_id} {span}{state}")


@override_app.command("list")
def override_list(schedule_id: str, days: int = 30) -> None:
    with reported():
        service = _service()
        now = service.clock.now()
        for o in service.overrides(schedule_id, now, now + timedelta(days=days)):
            typer.echo(f"{o.id:<5} {o.person:<10} {_fmt(o.start)} -> {_fmt(o.end)}  {o.note}")


@override_app.command("remove")
def override_remove(schedule_id: str, override_id: int) -> None:
    with reported():
        _service().remove_override(schedule_id, override_id)
        typer.echo(f"removed override {override_id}")


def handoff(
    role: Annotated[Role, typer.Option(help="the role the note is for")] = Role.EOC,
    note: Annotated[str | None, typer.Option(help="leave this note for the next person")] = None,
    as_person: As = None,
) -> None:
    """Read the handoff notes for the current shift of ROLE, or leave one with --note."""
    with reported():
        service = _service()
        if note is not None:
            n = service.leave_note(role, note, actor(as_person))
            typer.echo(f"note {n.id} left for the next {role.name}")
            return
        current, notes = service.notes_for_current_shift(role)
        typer.echo(_oncall_line(current))
        if not notes:
            typer.echo("no handoff notes for this shift")
        for n in notes:
            typer.echo(f"  {_fmt(n.created_at)}  {n.author}: {n.text}")
