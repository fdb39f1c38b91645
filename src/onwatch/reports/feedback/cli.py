"""`onwatch feedback GROUP CHOICE [--comment ...]` and `onwatch follow-up list|close`."""

from __future__ import annotations

from typing import Annotated

import typer

from onwatch.cli.context import actor, hidden, onwatch, reported, visible
from onwatch.cli.render import ts
from onwatch.kernel.choices import choose
from onwatch.kernel.enums import FeedbackChoice
from onwatch.reports.feedback.commands import FeedbackCommands
from onwatch.reports.feedback.domain import FollowUp, FollowUpStatus
from onwatch.reports.feedback.store import FollowUpFilter

follow_up_app = typer.Typer(
    help="Follow-up items opened by incorrect and flappy pages: list and close.", no_args_is_help=True
)

As = Annotated[str | None, typer.Option("--as", help="who you are (person id); or set ONWATCH_AS")]
COMMENT_ONLY = "comment"


def _commands() -> FeedbackCommands:
    return onwatch().feedback


def follow_up_line(item: FollowUp) -> str:
    closed = f", closed {ts(item.closed_at)} by {item.closed_by}" if item.closed_at else ""
    return (
        f"#{item.id} [{item.status.value}] {item.reason.label}: {item.rule} (alert group #{item.group_id}; "
        f"owner {item.owner_id or 'nobody'}; opened {ts(item.created_at)} by {item.created_by}{closed})"
    )


def feedback(
    group_id: int,
    choice: Annotated[str, typer.Argument(help="actionable, not_actionable, incorrect, flappy, or comment")],
    comment: Annotated[str, typer.Option("--comment", "-m", help="what you would tell the next EOC")] = "",
    as_person: As = None,
) -> None:
    """Say whether an alert group's page was worth it (incorrect and flappy open a follow-up)."""
    with reported():
        verdict = None if choice == COMMENT_ONLY else choose(FeedbackChoice, choice, "choice", loose=True)
        given = _commands().give(group_id, verdict, comment, actor(as_person, group=group_id))
        said = verdict.label.lower() if verdict else "commented"
        typer.echo(f"alert group #{group_id}: {said}" + (f" ({given.feedback.comment})" if comment else ""))
        if given.follow_up is not None:
            typer.echo(f"follow-up {follow_up_line(given.follow_up)}")


@follow_up_app.command("list")
def list_follow_ups(
    status: Annotated[FollowUpStatus | None, typer.Option(help="open or closed (default: all)")] = None,
    owner: Annotated[str | None, typer.Option(help="only this person's")] = None,
    as_person: As = None,
) -> None:
    """The newest 100 follow-ups; with --as, those the person may see."""
    flt = FollowUpFilter(status=status, owner_id=owner, hidden_incidents=hidden(as_person))
    items = _commands().follow_ups(flt)
    if not items:
        typer.echo("no follow-ups")
    for item in items:
        typer.echo(follow_up_line(item))


@follow_up_app.command("close")
def close(
    follow_up_id: int,
    note: Annotated[str, typer.Option("--note", "-m", help="what was changed (the alert rule)")] = "",
    as_person: As = None,
) -> None:
    """Close a follow-up with a note of what changed; the tracker webhook hears of it."""
    with reported():
        commands = _commands()
        item = commands.follow_up(follow_up_id)
        visible(as_person, group=item.group_id)
        typer.echo(
            follow_up_line(
                commands.close_follow_up(follow_up_id, note, actor(as_person, group=item.group_id))
            )
        )
