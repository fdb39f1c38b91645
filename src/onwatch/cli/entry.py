"""The `onwatch` command, quick at 3 a.m.: `onwatch --help` (or `onwatch` alone) lists the commands
without importing them (the whole application takes about a second of CPU to import); anything
else runs the application, except `onwatch ack|resolve N` and `onwatch whoami` with an API token
(onwatch.cli.remote), which call the server's API importing only the standard library.

COMMANDS must list the commands of `onwatch.cli.main.app` with their one-line help, in the same
order: tests/cli/test_cli_entry.py holds the two equal (and says what to add when a new command
is missing here). bench/cli.py measures the CPU time of `onwatch --help` and `onwatch ack N`.
"""

from __future__ import annotations

import sys

HELP = "onwatch: incident management. Settings come from ONWATCH_* environment variables."

COMMANDS: dict[str, str] = {
    "backup": "Back up the SQLite database while onwatch runs (SQLite's online backup API).",
    "declare": "Declare an incident (S3 by default: cheap to declare): document, announcements, pages.",
    "report": "Report an anomaly: the EOC is paged and you hear when they engage.",
    "page": "Page a role now, with no incident (`onwatch page imoc --reason ...`); it escalates like any "
    "page.",
    "ack": "Acknowledge an alert group: the escalation stops.",
    "resolve": "Resolve an alert group (and its alerts).",
    "feedback": "Say whether an alert group's page was worth it (incorrect and flappy open a follow-up).",
    "worker": "Run the engine (escalation timers, heartbeats, deliveries) until interrupted.",
    "test-contact": "Send a test notification to a person's contact methods now, and say what each answered.",
    "oncall": "Who is on call now (or --at), why, until when, and who is next.",
    "handoff": "Read the handoff notes for the current shift of ROLE, or leave one with --note.",
    "who-knows": "Who knows an area, and who of them is on call or in working hours (their zone) now.",
    "slo": "SLO detection: each service's state, SLIs per window and the error budget left.",
    "integrations": "List integrations and heartbeats with their receiver URLs and keys (what to paste "
    "into monitoring).",
    "whoami": "Who the CLI acts as (ONWATCH_TOKEN's person and role on the server, or --as), and the "
    "public URL.",
    "migrate": "Create or upgrade the database schema.",
    "apply-config": "Validate FILE and apply it in one transaction; invalid files change nothing.",
    "serve": "Serve the API and run the engine beside it (--no-engine when `onwatch worker`s run apart).",
    "token": "Create, list and revoke API tokens.",
    "incident": "Inspect and run incidents.",
    "schedule": "Show schedules and check their coverage.",
    "override": "Cover someone's shift without editing the config.",
    "alerts": "Alert groups: list, show, escalate, page, turn into an incident.",
    "maintenance": "Maintenance windows: alerts are recorded, nobody is paged.",
    "user": "Web UI accounts: passwords for people of the configuration.",
    "db": "Move onwatch's data between databases.",
    "review": "Post-incident reviews (RCA) and their corrective actions.",
    "near-miss": "Near misses: events that could have caused an incident.",
    "timers": "Durable timers: list the dead ones (their handler failed every attempt) and run one again.",
    "import": "Import people, teams, schedules and escalation policies from another tool.",
    "reports": "Reports: response times, on-call load, alert noise, learning.",
    "follow-up": "Follow-up items opened by incorrect and flappy pages: list and close.",
}


def help_text() -> str:
    """What `onwatch --help` prints: usage and the commands with their one-line help."""
    width = max(len(name) for name in COMMANDS) + 2
    lines = [
        "Usage: onwatch [OPTIONS] COMMAND [ARGS]...",
        "",
        f"  {HELP}",
        "",
        "Options:",
        f"  {'--help':<{width}}Show this message and exit.",
        "",
        "Commands:",
        *(f"  {name:<{width}}{text}" for name, text in COMMANDS.items()),
        "",
        "Run `onwatch COMMAND --help` for a command's options.",
    ]
    return "\n".join(lines)


def main() -> None:
    """The console script `onwatch`: the help without importing anything, the API-calling commands
    with the standard library; anything else runs the application (onwatch.cli.main)."""
    if sys.argv[1:] in ([], ["--help"], ["-h"]):
        sys.stdout.write(help_text() + "\n")
        return
    from onwatch.cli import remote  # the standard library only

    if remote.quick(sys.argv[1:]):  # `onwatch ack N` with a token: one API call, nothing else loaded
        sys.exit(remote.main(sys.argv[1:]))
    from onwatch.cli.main import app

    app(prog_name="onwatch")
