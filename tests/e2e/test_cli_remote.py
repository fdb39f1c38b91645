"""`onwatch ack N` at 3 a.m. on a responder's own machine: an API token and the server's URL, no
database. The command calls the server's API and loads nothing but the standard library."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable

import httpx
import pytest
import sqlalchemy as sa

from onwatch.db.tables import outbox
from onwatch.db.uow import Database
from tests.e2e.conftest import ONWATCH, ROOT, Cli, free_port

pytestmark = pytest.mark.e2e

GENERIC = "/api/v1/integrations/generic/demo-generic-webhook-key-0001"
PUBLIC_URL = "https://onwatch.illumidesk.test"
HEAVY = ("sqlalchemy", "fastapi", "pydantic", "typer", "onwatch.bootstrap", "onwatch.paging", "psycopg")


def _laptop(token: str, server: str) -> dict[str, str]:
    """A responder's shell: a token and the server's URL; no database, no person named."""
    return {"PATH": "/usr/bin:/bin", "ONWATCH_TOKEN": token, "ONWATCH_PUBLIC_URL": server}


def _onwatch(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ONWATCH, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )


def test_a_responder_acknowledges_and_resolves_from_their_laptop_through_the_api(
    cli: Cli, server: Callable[[], str]
) -> None:
    cli("migrate")
    cli("apply-config", "examples/illumidesk.yaml")
    amara = cli("token", "create", "--role", "responder", "--person", "amara").stdout.strip()
    ben = cli("token", "create", "--role", "viewer", "--person", "ben").stdout.strip()
    cli.env["ONWATCH_PUBLIC_URL"] = PUBLIC_URL  # the URL the server puts in its links
    base = server()
    sent = httpx.post(
        f"{base}{GENERIC}", json={"summary": "Git pushes hang", "dedup_key": "git-1"}, timeout=10
    )
    assert sent.status_code == 202, sent.text
    api = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {amara}"}, timeout=10)
    (group,) = api.get("/api/v1/alert-groups").json()

    acked = _onwatch(_laptop(amara, base), "ack", str(group["id"]))
    assert acked.returncode == 0, acked.stderr
    assert f"#{group['id']:<5} acknowledged" in acked.stdout and "Git pushes hang" in acked.stdout
    shown = api.get(f"/api/v1/alert-groups/{group['id']}").json()
    assert shown["status"] == "acknowledged" and shown["acknowledged_by"] == "amara"

    me = _onwatch(_laptop(amara, base), "whoami")
    assert me.returncode == 0, me.stderr
    assert (
        me.stdout.startswith("amara (")
        and "responder" in me.stdout
        and f"public URL {PUBLIC_URL}" in me.stdout
    )

    refused = _onwatch(_laptop(ben, base), "resolve", str(group["id"]))
    assert refused.returncode == 1 and "this token has role viewer; responder is needed" in refused.stderr
    unknown = _onwatch(_laptop(amara, base), "ack", "999999")
    assert unknown.returncode == 1 and "999999" in unknown.stderr, unknown.stderr
    revoked = _onwatch(_laptop("onw_not-a-token", base), "ack", str(group["id"]))
    assert revoked.returncode == 1 and "unknown or revoked API token" in revoked.stderr
    away = _onwatch(_laptop(amara, f"http://127.0.0.1:{free_port()}"), "ack", str(group["id"]))
    assert away.returncode == 1 and "cannot reach the onwatch server" in away.stderr

    # resolving it as the console script does, in a process that then lists what it loaded
    probe = (
        "import sys, json\n"
        f"sys.argv = ['onwatch', 'resolve', '{group['id']}']\n"
        "from onwatch.cli.entry import main\n"
        "try:\n    main()\nexcept SystemExit as exit:\n    assert exit.code == 0, exit.code\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], env=_laptop(amara, base), capture_output=True, text=True, check=True
    ).stdout
    line, loaded = out.splitlines()
    assert f"#{group['id']:<5} resolved" in line
    assert json.loads(loaded) == [], "the API-calling commands import only the standard library"
    assert api.get(f"/api/v1/alert-groups/{group['id']}").json()["resolved_by"] == "amara"


def test_with_as_the_cli_still_acts_on_the_database_as_that_person(cli: Cli) -> None:
    cli("migrate")
    cli("apply-config", "examples/illumidesk.yaml")
    cli.env["ONWATCH_TOKEN"] = "onw_never-asked"  # --as wins: no server is called
    me = cli("whoami", "--as", "amara").stdout
    assert me.startswith("amara, responder, on the ") and "public URL http://127.0.0.1:8080" in me


def test_the_cli_writes_the_links_of_the_server_on_its_database_without_being_told_its_url(
    cli: Cli, server: Callable[[], str], db: Database
) -> None:
    cli("migrate")
    cli("apply-config", "examples/illumidesk.yaml")
    cli.env["ONWATCH_PUBLIC_URL"] = PUBLIC_URL  # the server's environment only
    server()
    del cli.env["ONWATCH_PUBLIC_URL"]  # another shell: the same database, no public URL set
    assert f"(public URL {PUBLIC_URL})" in cli("whoami", "--as", "amara").stdout
    declared = cli("declare", "Registry slow", "--severity", "S3", "--as", "amara").stdout
    n = int(re.search(r"#(\d+)", declared).group(1))  # type: ignore[union-attr]
    with db.read() as uow:
        payloads = [str(p) for p in uow.conn.execute(sa.select(outbox.c.payload)).scalars()]
    announced = [p for p in payloads if f"/incidents/{n}" in p]
    assert announced and all(f"{PUBLIC_URL}/incidents/{n}" in p for p in announced), announced
    assert not any("127.0.0.1:8080" in p for p in payloads)
    # a shell that names its own public URL keeps it
    cli.env["ONWATCH_PUBLIC_URL"] = "http://localhost:9999"
    assert "(public URL http://localhost:9999)" in cli("whoami", "--as", "amara").stdout
