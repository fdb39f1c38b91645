"""On-call from the terminal: who is on call, a schedule table, coverage check, overrides, handoff notes."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Cli

pytestmark = pytest.mark.e2e


def test_oncall_schedule_override_and_handoff_from_the_cli(cli: Cli) -> None:
    cli("migrate")
    applied = cli("apply-config", "examples/illumidesk.yaml")
    assert "warning" not in applied.stderr  # the demo covers every role

    at_night = cli("oncall", "eoc", "--at", "2027-12-28T03:00:00Z").stdout
    assert at_night.startswith("EOC       aiko       (APAC) until Tue 2027-12-28 08:00 UTC; next amara")

    table = cli(
        "schedule",
        "show",
        "sre-8-hour",
        "--from",
        "2027-12-28T00:00:00Z",
        "--days",
        "1",
        "--tz",
        "Asia/Tokyo",
    )
    assert "times in Asia/Tokyo" in table.stdout
    assert "Tue 2027-12-28 09:00 JST Tue 2027-12-28 17:00 JST    8.0  aiko       APAC" in table.stdout

    assert "every role is covered" in cli("schedule", "check", "--days", "7").stdout

    made = cli(
        "override", "add", "sre-8-hour", "ravi", "--from", "2027-12-28T02:00:00Z", "--to", "2027-12-28T04:00:00Z",
        "--as", "nadia",
    ).stdout  # fmt: skip
    assert made.startswith("override 1: ravi covers sre-8-hour")
    assert "ravi       (override:1)" in cli("oncall", "eoc", "--at", "2027-12-28T03:00:00Z").stdout
    manager = cli("override", "add", "sre-8-hour", "tom", "--from", "2027-12-28T02:00Z", "--to", "2027-12-28T04:00Z",
                  "--as", "nadia", ok=False)  # fmt: skip
    assert manager.returncode == 1 and "tom is not in SRE (roles.eoc.team: sre)" in manager.stderr
    bad = cli("override", "add", "sre-8-hour", "ghost", "--from", "2027-12-28T02:00Z", "--to", "2027-12-28T04:00Z",
              "--as", "nadia", ok=False)  # fmt: skip
    assert bad.returncode == 1 and "person: unknown person 'ghost'" in bad.stderr

    cli(
        "handoff",
        "--role",
        "eoc",
        "--note",
        "raised the 5xx alert threshold on web; watch it",
        "--as",
        "amara",
    )
    assert "amara: raised the 5xx alert threshold on web; watch it" in cli("handoff", "--role", "eoc").stdout


def test_paging_the_imoc_without_an_incident_is_one_command(cli: Cli) -> None:
    cli("migrate")
    cli("apply-config", "examples/illumidesk.yaml")
    paged = cli("page", "imoc", "--reason", "customers report failed logins", "--as", "amara").stdout
    assert paged.startswith("paged the IMOC (alert group #")
    group = paged.split("#")[1].rstrip(")\n")
    shown = cli("alerts", "show", group).stdout
    assert "IMOC paged by amara: customers report failed logins" in shown
