"""`onwatch declare` and `onwatch incident ...`: run an incident from the terminal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer

from onwatch.cli.context import actor, hidden, onwatch, reported, visible
from onwatch.cli.render import incident_detail, incident_line
from onwatch.incidents.commands import IncidentCommands
from onwatch.incidents.domain.checklists import text_lines
from onwatch.incidents.domain.incident import Incident
from onwatch.incidents.store.incidents import IncidentFilter
from onwatch.kernel.enums import Role, SecurityImpact, Severity, State, Status
from onwatch.paging import cli as alerts

app = typer.Typer(help="Inspect and run incidents.", no_args_is_help=True)

As = Annotated[str | None, typer.Option("--as", help="who you are (person id); or set ONWATCH_AS")]

# what `onwatch declare` prints after the incident it declared, given it and the caller's --as:
# cli/main.py adds the reviews slice's "seen before" (incidents may not import reviews)
AFTER_DECLARE: list[Callable[[Incident, str | None], None]] = []


def _commands() -> IncidentCommands:
    return onwatch().incidents


def _roles(value: str | None) -> frozenset[Role]:
    if not value or value.strip().lower() == "none":  # `--page none`: no optional page
        return frozenset()
    try:
        return frozenset(Role(v.strip().lower()) for v in value.split(","))
    except ValueError:
        raise typer.BadParameter(f"unknown role in {value!r}; use eoc, imoc, cmoc, security") from None


def _severity(value: str) -> Severity:
    try:
        return Severity.parse(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def _done(incident: Incident) -> None:
    typer.echo(incident_line(incident))
    if incident.imoc_required:
        typer.secho("IMOC required: no Incident Manager On Call has engaged", fg=typer.colors.YELLOW)


def declare(
    title: Annotated[str, typer.Argument(help="what is wrong, in a few words")],
    severity: Annotated[str, typer.Option("--severity", "-s", help="S1-S4 or 1-4")] = "S3",
    service: Annotated[
        list[str] | None, typer.Option("--service", help="affected service id (repeatable)")
    ] = None,
    status: Annotated[Status, typer.Option(help="public status")] = Status.DEGRADED_PERFORMANCE,
    page: Annotated[
        str | None, typer.Option(help="roles to page, e.g. imoc,cmoc, or none (S1/S2 page the IMOC)")
    ] = None,
    security: Annotated[bool, typer.Option(help="security related: confidential, pages security")] = False,
    document: Annotated[
        bool | None, typer.Option("--document/--no-document", help="working document (default: by severity)")
    ] = None,
    announce: Annotated[
        bool | None,
        typer.Option("--announce/--no-announce", help="announce in the channels (default: by severity)"),
    ] = None,
    as_person: As = None,
) -> None:
    """Declare an incident (S3 by default: cheap to declare): document, announcements, pages."""
    with reported():
        incident = _commands().declare(
            actor(as_person),
            title=title,
            severity=_severity(severity),
            services=service or [],
            status=status,
            security=security,
            page=_roles(page) if page is not None else None,
            document=document,
            announce=announce,
        )
        typer.echo(f"declared incident #{incident.id}")
        _done(incident)
        for show in AFTER_DECLARE:
            show(incident, as_person)


@app.command("list")
def list_(
    all_: Annotated[bool, typer.Option("--all", help="include resolved incidents")] = False,
    limit: int = 50,
    as_person: As = None,
) -> None:
    """List active incidents (newest first); with --as, those the person may see."""
    flt = IncidentFilter(active=None if all_ else True, limit=limit, hidden=hidden(as_person))
    incidents = _commands().find(flt)
    if not incidents:
        typer.echo("no incidents" if all_ else "no active incidents")
    for i in incidents:
        typer.echo(incident_line(i))


@app.command()
def show(incident_id: int, as_person: As = None) -> None:
    """Show an incident with its roles and full timeline."""
    with reported():
        visible(as_person, incident=incident_id)
        commands = _commands()
        incident = commands.get(incident_id)
        typer.echo(incident_detail(incident, commands.timeline(incident_id)))


@app.command()
def state(
    incident_id: int, new_state: Annotated[State, typer.Argument(metavar="STATE")], as_person: As = None
) -> None:
    """Change state: investigating, identified, monitoring, resolved (owner only)."""
    with reported():
        _done(_commands().change_state(incident_id, new_state, actor(as_person, incident=incident_id)))


@app.command()
def resolve(incident_id: int, as_person: As = None) -> None:
    """Resolve (only the owner may): status goes back to Operational."""
    with reported():
        _done(_commands().resolve(incident_id, actor(as_person, incident=incident_id)))


@app.command()
def reopen(incident_id: int, status: Status = Status.DEGRADED_PERFORMANCE, as_person: As = None) -> None:
    """Reopen a resolved incident."""
    with reported():
        _done(_commands().reopen(incident_id, actor(as_person, incident=incident_id), status))


@app.command("status")
def status_(
    incident_id: int, new_status: Annotated[Status, typer.Argument(metavar="STATUS")], as_person: As = None
) -> None:
    """Change the public status (independent of state)."""
    with reported():
        _done(_commands().change_status(incident_id, new_status, actor(as_person, incident=incident_id)))


@app.command()
def severity(
    incident_id: int,
    new_severity: Annotated[str, typer.Argument(metavar="SEVERITY")],
    reason: str | None = None,
    as_person: As = None,
) -> None:
    """Re-assess severity."""
    with reported():
        _done(
            _commands().change_severity(
                incident_id, _severity(new_severity), actor(as_person, incident=incident_id), reason
            )
        )


@app.command()
def note(incident_id: int, text: str, as_person: As = None) -> None:
    """Add a note to the timeline."""
    with reported():
        _done(_commands().add_note(incident_id, text, actor(as_person, incident=incident_id)))


@app.command()
def assign(incident_id: int, role: Role, person: str, as_person: As = None) -> None:
    """Ask PERSON to take ROLE (ownership moves only when they engage)."""
    with reported():
        _done(_commands().assign_role(incident_id, role, person, actor(as_person, incident=incident_id)))


@app.command()
def engage(
    incident_id: int,
    role: Role,
    person: Annotated[str | None, typer.Option(help="engage on behalf of someone else")] = None,
    as_person: As = None,
) -> None:
    """Engage ROLE (yourself by default); EOC -> IMOC -> CMOC takes ownership."""
    with reported():
        _done(_commands().engage_role(incident_id, role, actor(as_person, incident=incident_id), person))


@app.command()
def renounce(
    incident_id: int,
    role: Role,
    person: Annotated[str | None, typer.Option(help="the holder leaving the role")] = None,
    as_person: As = None,
) -> None:
    """Leave ROLE (or decline being asked)."""
    with reported():
        _done(_commands().renounce_role(incident_id, role, actor(as_person, incident=incident_id), person))


@app.command("page")
def page_role(
    incident_id: int,
    role: Role,
    reason: Annotated[str | None, typer.Option(help="why, for the person paged")] = None,
    as_person: As = None,
) -> None:
    """Page ROLE for the incident now (acknowledging the page engages the role)."""
    with reported():
        group = _commands().page_role(incident_id, role, actor(as_person, incident=incident_id), reason)
        typer.echo(f"paged the {role.name} for incident #{incident_id} (alert group #{group})")


@app.command("engage-responder")
def engage_responder(
    incident_id: int,
    who: Annotated[str, typer.Argument(help="an area of expertise (someone who knows it) or a person id")],
    reason: Annotated[str | None, typer.Option(help="why they are needed, for the page")] = None,
    as_person: As = None,
) -> None:
    """Page someone who knows an area (the owning team's on-call, else who knows it) or a person;
    unanswered, the page climbs their managers."""
    with reported():
        commands = _commands()
        group = commands.engage_responder_for(
            incident_id, actor(as_person, incident=incident_id), who, reason
        )
        found = next(r for r, _ in commands.responders(incident_id) if r.group_id == group)
        typer.echo(f"{found.summary()} for incident #{incident_id} (alert group #{group})")


@app.command()
def responders(incident_id: int, as_person: As = None) -> None:
    """Who was asked to help beyond the roles, when, and when they joined."""
    with reported():
        visible(as_person, incident=incident_id)
        for r, status in _commands().responders(incident_id):
            joined = (
                f"joined {r.joined_by} at {r.joined_at:%H:%M} UTC" if r.joined_at else f"page {status.value}"
            )
            typer.echo(
                f"{r.wanted}: asked {r.asked_at:%H:%M} UTC by {r.requested_by} (paged {', '.join(r.paged)}), "
                f"{joined}; {r.reason}"
            )


@app.command()
def checklist(incident_id: int, as_person: As = None) -> None:
    """The checklists of the roles engaged on the incident: [x] ticked, [ ] still open."""
    with reported():
        visible(as_person, incident=incident_id)
        found = _commands().checklists(incident_id)
        if not found:
            typer.echo("no role with a checklist has engaged yet")
        for c in found:
            typer.echo(f"{c.role.name} ({c.done} of {len(c.items)} done)")
            for line in text_lines(c):
                typer.echo(f"  {line}")


@app.command()
def tick(
    incident_id: int,
    role: Role,
    item: Annotated[str, typer.Argument(help="the item's id (onwatch incident checklist ID lists them)")],
    untick: Annotated[bool, typer.Option("--untick", help="take the tick back")] = False,
    as_person: As = None,
) -> None:
    """Tick ITEM of ROLE's checklist on the incident (it lands on the timeline)."""
    with reported():
        found = _commands().tick(
            incident_id, role, item, actor(as_person, incident=incident_id), done=not untick
        )
        typer.echo(f"{found.role.name} checklist: {found.done} of {len(found.items)} done")


@app.command()
def update(
    incident_id: int,
    text: str,
    status: Annotated[Status | None, typer.Option(help="also set the public status")] = None,
    as_person: As = None,
) -> None:
    """Post a public status update (resets the update reminders)."""
    with reported():
        _done(_commands().post_update(incident_id, text, actor(as_person, incident=incident_id), status))
        typer.echo("public update posted")


@app.command()
def security(
    incident_id: int,
    impact: Annotated[SecurityImpact | None, typer.Option(help="needs the IMOC too")] = None,
    as_person: As = None,
) -> None:
    """Flag as security related: confidential from now on; the security on-call is paged."""
    with reported():
        _done(_commands().flag_security(incident_id, actor(as_person, incident=incident_id), impact))


def report(
    text: Annotated[str, typer.Argument(help="what you see")],
    service: Annotated[str | None, typer.Option(help="affected service id")] = None,
    as_person: As = None,
) -> None:
    """Report an anomaly: the EOC is paged and you hear when they engage."""
    with reported():
        group = onwatch().process.report(actor(as_person), text, service)
        typer.echo(f"reported: the EOC is paged (alert group #{group})")


def page(
    role: Annotated[Role, typer.Argument(help="eoc, imoc, cmoc or security")],
    reason: Annotated[str, typer.Option("--reason", "-r", help="why (goes in the page)")],
    as_person: As = None,
) -> None:
    """Page a role now, with no incident (`onwatch page imoc --reason ...`); it escalates like any page."""
    with reported():
        group = onwatch().process.page_role(role, reason, actor(as_person))
        typer.echo(f"paged the {role.name} (alert group #{group})")


@alerts.alerts_app.command("incident")
def incident_from_group(
    group_id: int,
    severity: Annotated[
        str | None, typer.Option("--severity", "-s", help="S1-S4; default: the group's suggestion, else S3")
    ] = None,
    title: str | None = None,
    attach: Annotated[
        int | None, typer.Option(help="attach to this incident instead of declaring one")
    ] = None,
    as_person: As = None,
) -> None:
    """Declare an incident from an alert group (or attach the group to an existing incident)."""
    with reported():
        if attach is not None:
            group = alerts.group_commands().attach(
                group_id, attach, actor(as_person, incident=attach, group=group_id)
            )
            typer.echo(f"alert group #{group.id} attached to incident #{attach}")
            return
        _group, incident_id = _commands().declare_from_group(
            group_id,
            actor(as_person, group=group_id),
            severity=_severity(severity) if severity else None,
            title=title,
        )
        typer.echo(f"declared incident #{incident_id} from alert group #{group_id}")
