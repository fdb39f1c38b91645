"""`onwatch review ...` and `onwatch near-miss ...`: reviews from the terminal."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from onwatch.cli.context import actor, hidden, onwatch, reported, visible
from onwatch.incidents.domain.incident import Incident
from onwatch.kernel.enums import Severity
from onwatch.reviews.commands import Related, ReviewCommands
from onwatch.reviews.domain.enums import ActionStatus, ReviewKind, ReviewStatus, RootCause
from onwatch.reviews.domain.review import Review
from onwatch.reviews.export import as_json, csv_list, markdown
from onwatch.reviews.store.reviews import ReviewFilter

app = typer.Typer(help="Post-incident reviews (RCA) and their corrective actions.", no_args_is_help=True)
action_app = typer.Typer(help="Corrective actions of a review.", no_args_is_help=True)
app.add_typer(action_app, name="action")
near_miss_app = typer.Typer(
    help="Near misses: events that could have caused an incident.", no_args_is_help=True
)

As = Annotated[str | None, typer.Option("--as", help="who you are (person id); or set ONWATCH_AS")]


def _commands() -> ReviewCommands:
    return onwatch().reviews


def _severity(value: str) -> Severity:
    try:
        return Severity.parse(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def _category(value: str | None) -> RootCause | None:
    if value is None:
        return None
    try:
        return RootCause.parse(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def _instant(value: str | None) -> datetime | None:
    if value is None:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise typer.BadParameter("give a time zone: end with Z or an offset such as +01:00")
    return parsed


def line(r: Review) -> str:
    where = f"incident #{r.incident_id}" if r.incident_id else "near miss"
    owner = "anonymous" if r.anonymous and r.owner_id == r.reported_by else r.owner_id
    return (
        f"#{r.id} [{r.status.title}] {(r.final_severity or r.severity).label} {r.title} ({where}; "
        f"owner {owner}; due {r.due_at:%Y-%m-%d})"
    )


@app.command("list")
def list_reviews(
    status: Annotated[ReviewStatus | None, typer.Option(help="draft, in_review, completed")] = None,
    near_misses: Annotated[bool, typer.Option("--near-misses", help="only near misses")] = False,
    overdue: Annotated[bool, typer.Option(help="only reviews past their due date")] = False,
    csv: Annotated[bool, typer.Option("--csv", help="CSV: due dates, status, owners")] = False,
) -> None:
    commands = _commands()
    now = commands.clock.now()
    flt = ReviewFilter(
        status=status,
        kind=ReviewKind.NEAR_MISS if near_misses else None,
        overdue_at=now if overdue else None,
        limit=10_000,
    )
    found = commands.find(flt)
    if csv:
        typer.echo(
            csv_list(found, commands.open_action_counts([r.id or 0 for r in found]), now, reveal=False),
            nl=False,
        )
        return
    for r in found:
        typer.echo(line(r))


@app.command("show")
def show(
    review_id: int,
    format: Annotated[str, typer.Option("--format", help="markdown or json")] = "markdown",
    as_person: As = None,
) -> None:
    """The review as Markdown (or JSON): metrics, sections, timeline, corrective actions."""
    with reported():
        detail = _commands().detail(review_id)
        if detail.review.incident_id is not None:  # a confidential incident's review is its circle's
            visible(as_person, incident=detail.review.incident_id)
    if format == "json":
        typer.echo(as_json(detail.review, detail.actions).decode())
    else:
        typer.echo(markdown(detail.review, detail.actions), nl=False)


@app.command("create")
def create(incident_id: int, as_person: As = None) -> None:
    """Review a resolved incident the policy did not require a review of."""
    with reported():
        typer.echo(line(_commands().create_for_incident(incident_id, actor(as_person))))


@app.command("start")
def start(review_id: int, as_person: As = None) -> None:
    with reported():
        typer.echo(line(_commands().start(review_id, actor(as_person))))


@app.command("edit")
def edit(
    review_id: int,
    section: Annotated[
        str, typer.Argument(help="summary, customer_impact, detection, response, root_cause, ...")
    ],
    text: Annotated[
        str | None, typer.Option(help="the Markdown (default: read from --file or stdin)")
    ] = None,
    file: Annotated[Path | None, typer.Option(help="read the Markdown from this file")] = None,
    base_version: Annotated[
        int | None, typer.Option(help="the version you edited (default: the latest)")
    ] = None,
    as_person: As = None,
) -> None:
    """Write one section; refused (409) when someone saved since `--base-version`."""
    body = text if text is not None else (file.read_text() if file is not None else sys.stdin.read())
    with reported():
        commands = _commands()
        base = base_version if base_version is not None else commands.get(review_id).version
        review = commands.edit(review_id, {section: body}, base, actor(as_person))
    typer.echo(f"{line(review)} — version {review.version}")


@app.command("submit")
def submit(review_id: int, as_person: As = None) -> None:
    """Draft -> In review."""
    with reported():
        typer.echo(line(_commands().submit(review_id, actor(as_person))))


@app.command("complete")
def complete(
    review_id: int,
    category: Annotated[str | None, typer.Option(help="root-cause category, e.g. Saturation")] = None,
    severity: Annotated[str | None, typer.Option("--severity", help="final severity S1-S4")] = None,
    none_needed: Annotated[str | None, typer.Option(help="no corrective action needed: why")] = None,
    as_person: As = None,
) -> None:
    """Complete (the owner or the IMOC); the final severity becomes the incident's."""
    with reported():
        review = _commands().complete(
            review_id,
            actor(as_person),
            category=_category(category),
            final_severity=_severity(severity) if severity else None,
            no_actions_reason=none_needed,
        )
    typer.echo(line(review))


@app.command("reopen")
def reopen(review_id: int, as_person: As = None) -> None:
    with reported():
        typer.echo(line(_commands().reopen(review_id, actor(as_person))))


@app.command("owner")
def owner(review_id: int, person: str, as_person: As = None) -> None:
    """Hand the review to someone else."""
    with reported():
        typer.echo(line(_commands().reassign(review_id, person, actor(as_person))))


@action_app.command("add")
def action_add(
    review_id: int,
    title: str,
    owner: Annotated[str | None, typer.Option(help="default: you")] = None,
    due: Annotated[str | None, typer.Option(help="ISO instant; default: by the severity table")] = None,
    link: Annotated[str | None, typer.Option()] = None,
    as_person: As = None,
) -> None:
    with reported():
        a = _commands().add_action(
            review_id, actor(as_person), title=title, owner=owner, due_at=_instant(due), link=link
        )
    typer.echo(f"corrective action #{a.id}: {a.title} (owner {a.owner_id}, due {a.due_at:%Y-%m-%d})")


@action_app.command("set")
def action_set(
    action_id: int,
    status: Annotated[ActionStatus | None, typer.Option(help="open, in_progress, done, wont_do")] = None,
    reason: Annotated[str | None, typer.Option(help="why it won't be done")] = None,
    owner: Annotated[str | None, typer.Option()] = None,
    due: Annotated[str | None, typer.Option()] = None,
    as_person: As = None,
) -> None:
    with reported():
        a = _commands().change_action(
            action_id, actor(as_person), status=status, reason=reason, owner=owner, due_at=_instant(due)
        )
    typer.echo(
        f"corrective action #{a.id}: {a.title} [{a.status.value}] "
        f"(owner {a.owner_id}, due {a.due_at:%Y-%m-%d})"
    )


@action_app.command("overdue")
def action_overdue(owner: Annotated[str | None, typer.Option()] = None) -> None:
    """The overdue digest: corrective actions past their due date and not done."""
    for a in _commands().overdue_actions(owner):
        typer.echo(f"#{a.id} {a.title} (review #{a.review_id}; owner {a.owner_id}; due {a.due_at:%Y-%m-%d})")


@near_miss_app.command("file")
def file_near_miss(
    title: str,
    severity: Annotated[str, typer.Option("--severity", "-s", help="the severity it would have had")] = "S3",
    service: Annotated[list[str] | None, typer.Option("--service", help="service id (repeatable)")] = None,
    barrier: Annotated[str, typer.Option(help="what caught it")] = "",
    lucky: Annotated[str, typer.Option(help="where we got lucky")] = "",
    owner: Annotated[str | None, typer.Option(help="who knows most (default: you)")] = None,
    anonymous: Annotated[bool, typer.Option(help="keep your name off the list of reviews")] = False,
    as_person: As = None,
) -> None:
    """File a near miss: nobody is paged and nothing is posted publicly. Then prints what was seen
    before: the past incidents and near misses most like it."""
    with reported():
        review = _commands().file_near_miss(
            actor(as_person),
            title=title,
            severity=_severity(severity),
            services=service or [],
            barrier=barrier,
            lucky=lucky,
            owner=owner,
            anonymous=anonymous,
        )
    typer.echo(line(review))
    _seen_before(_commands().like_near_miss(review, hidden(as_person), limit=5))


@near_miss_app.command("list")
def list_near_misses() -> None:
    for r in _commands().find(ReviewFilter(kind=ReviewKind.NEAR_MISS, limit=10_000)):
        typer.echo(line(r))


def _related_lines(found: list[Related], indent: str = "") -> None:
    for r in found:
        where = f" (incident #{r.hit.incident_id})" if r.hit.kind != "incident" and r.hit.incident_id else ""
        why = f" — {', '.join(r.hit.why)}" if r.hit.why else ""
        review = f"; review #{r.review.id} {r.review.status.title}" if r.review else ""
        if r.review and r.review.category:
            review += f", {r.review.category.value}"
        typer.echo(f"{indent}{r.hit.kind} #{r.hit.id} {r.hit.title}{where}{review}{why}")
        for a in r.open_actions:
            due = f"{a.due_at:%Y-%m-%d}"
            typer.echo(f"{indent}    open action #{a.id} {a.title} (owner {a.owner_id}, due {due})")


@app.command("search")
def search(query: str, as_person: As = None) -> None:
    """Full-text search over incidents, reviews and near misses."""
    _related_lines(_commands().search(query, hidden(as_person)))


@app.command("similar")
def similar(incident_id: int, as_person: As = None) -> None:
    """Past incidents and near misses like this incident, with their open corrective actions."""
    with reported():
        visible(as_person, incident=incident_id)
        _related_lines(_commands().similar(incident_id, hidden(as_person)))


def seen_before(incident: Incident, as_person: str | None) -> None:
    """After `onwatch declare`: the past incidents and near misses most like the new one (the
    repeat detection of `onwatch review similar`), with their reviews and open corrective actions,
    so the responder can open them (`onwatch incident show N`, `onwatch review show N`)."""
    assert incident.id is not None
    _seen_before(_commands().similar(incident.id, hidden(as_person), limit=5))


def _seen_before(found: list[Related]) -> None:
    if found:
        typer.echo("Seen before (most similar first):")
        _related_lines(found, indent="  ")
