"""The CLI commands that call the onwatch server's API: `onwatch ack N`, `onwatch resolve N` and
`onwatch whoami` with an API token (ONWATCH_TOKEN) and no `--as`.

They are what a responder types at 3 a.m. on their own machine, which has a token and the
server's URL but no database: so they import only the standard library (no SQLAlchemy, FastAPI,
Pydantic or Typer, about a second of CPU together) and the server does the work, with its rules,
its public URL in the links it sends, and its access check. The server is ONWATCH_PUBLIC_URL, the
URL the server itself publishes (default: `onwatch serve`'s own address).

`--as PERSON` (or ONWATCH_AS) keeps these commands on the database, as the operator at it.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# Settings.public_url's default (onwatch/settings.py; tests/cli holds the two equal): importing the
# settings would load Pydantic
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8080"
TIMEOUT_SECONDS = 15.0
COMMANDS = ("ack", "resolve", "whoami")
_ACTIONS = {"ack": "acknowledge", "resolve": "resolve"}

JSON = dict[str, object]


class RemoteError(Exception):
    """A refusal or failure, said as the CLI says it (`error: <message>`)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Server:
    url: str
    token: str

    def call(self, method: str, path: str) -> JSON:
        """One API request; the answer's JSON, or RemoteError with the problem's field and detail."""
        request = urllib.request.Request(
            f"{self.url}{path}",
            method=method,
            headers={"Authorization": f"Bearer {self.token}", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:
                body = answer.read()
        except urllib.error.HTTPError as exc:
            raise RemoteError(_problem(exc.code, exc.read())) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise RemoteError(
                f"cannot reach the onwatch server at {self.url} ({reason}); "
                "set ONWATCH_PUBLIC_URL to the server's URL"
            ) from None
        data = json.loads(body)
        if not isinstance(data, dict):
            raise RemoteError(f"the server at {self.url} answered {method} {path} with no object")
        return data


def _problem(status: int, body: bytes) -> str:
    """The message of an RFC 9457 problem answer, with the field at fault like the CLI's own errors."""
    try:
        problem = json.loads(body)
    except ValueError:
        problem = None
    if not isinstance(problem, dict):
        return f"the server answered {status}"
    detail = str(problem.get("detail") or problem.get("title") or status)
    errors = problem.get("errors")
    if isinstance(errors, list) and len(errors) == 1 and isinstance(errors[0], dict):
        field = errors[0].get("field")
        if field and not detail.startswith(f"{field}:"):
            return f"{field}: {detail}"
    return detail


def applies(args: Sequence[str], env: Mapping[str, str]) -> bool:
    """Whether this command line goes to the server: a token, and nobody named with --as."""
    if not env.get("ONWATCH_TOKEN") or env.get("ONWATCH_AS"):
        return False
    return not any(a == "--as" or a.startswith("--as=") for a in args)


def server(env: Mapping[str, str]) -> Server:
    url = (env.get("ONWATCH_PUBLIC_URL") or DEFAULT_PUBLIC_URL).rstrip("/")
    return Server(url, env["ONWATCH_TOKEN"])


def group_line(group: Mapping[str, object]) -> str:
    """An alert group on one line, as `onwatch alerts list` prints it (from the API's GroupOut)."""
    flags = (" FLAPPING" if group.get("flapping") else "") + (
        " maintenance" if group.get("in_maintenance") else ""
    )
    incident = f" incident #{group['incident_id']}" if group.get("incident_id") else ""
    counts = f"{group['firing_count']}/{group['alert_count']} firing"
    head = f"#{group['id']:<5} {group['status']!s:<12} {group['service']!s:<9}"
    return f"{head} {counts}  {group['title']}{flags}{incident}"


def act_on_group(command: str, group_id: int, env: Mapping[str, str]) -> str:
    """`onwatch ack|resolve N` through the API: the group's line after the change."""
    return group_line(server(env).call("POST", f"/api/v1/alert-groups/{group_id}/{_ACTIONS[command]}"))


def whoami(env: Mapping[str, str]) -> str:
    """Who the token acts as on the server, and the public URL that server uses in its links."""
    at = server(env)
    me = at.call("GET", "/api/v1/whoami")
    person = f"{me['person']} ({me['name']})" if me.get("person") else f"token {me['token']} (no person)"
    return f"{person}, {me['role']}, on {at.url} (public URL {me['public_url']})"


def run(args: Sequence[str], env: Mapping[str, str]) -> str:
    """The output of `args` (one of COMMANDS with its group id) run against the server."""
    command, rest = args[0], args[1:]
    if command == "whoami":
        return whoami(env)
    return act_on_group(command, int(rest[0]), env)


def quick(args: Sequence[str]) -> bool:
    """A command line the console script answers here, before loading the application."""
    if not args or args[0] not in COMMANDS or not applies(args, os.environ):
        return False
    if args[0] == "whoami":
        return len(args) == 1
    return len(args) == 2 and args[1].isascii() and args[1].isdigit()


def main(args: Sequence[str]) -> int:
    """Run a quick command line; its exit status (1 with `error: ...` on stderr when refused)."""
    try:
        sys.stdout.write(run(args, os.environ) + "\n")
    except RemoteError as exc:
        sys.stderr.write(f"error: {exc.message}\n")
        return 1
    return 0
