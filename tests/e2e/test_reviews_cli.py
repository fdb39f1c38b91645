"""Reviews from the terminal, against the real `onwatch` executable: the review of a resolved S2,
its sections, a corrective action, completion, a near miss, search and the CSV list."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Cli

pytestmark = pytest.mark.e2e


def test_a_review_from_the_cli(cli: Cli) -> None:
    cli("migrate")
    cli("apply-config", "examples/illumidesk.yaml")
    cli("declare", "Checkout errors", "--severity", "2", "--service", "web", "--as", "maria")
    cli("incident", "engage", "1", "eoc", "--as", "lukas")
    cli("incident", "engage", "1", "imoc", "--as", "nadia")
    cli("incident", "resolve", "1", "--as", "nadia")
    listed = cli("review", "list").stdout
    assert listed.startswith("#1 [Draft] S2 Checkout errors (incident #1; owner lukas; due ")
    edited = cli(
        "review", "edit", "1", "summary", "--text", "Checkout failed for 40 minutes.", "--as", "lukas"
    )
    assert "version 2" in edited.stdout
    stale = cli(
        "review", "edit", "1", "summary", "--text", "x", "--base-version", "1", "--as", "lukas", ok=False
    )
    assert stale.returncode == 1 and "base_version: the review was saved since version 1" in stale.stderr
    added = cli("review", "action", "add", "1", "Alert on checkout 5xx", "--as", "lukas").stdout
    assert added.startswith("corrective action #1: Alert on checkout 5xx (owner lukas, due ")
    refused = cli(
        "review", "complete", "1", "--category", "nonsense", "--severity", "S1", "--as", "lukas", ok=False
    )
    assert refused.returncode != 0 and "unknown root-cause category 'nonsense'" in refused.stderr
    cli("review", "complete", "1", "--category", "software-change", "--severity", "S1", "--as", "lukas")
    shown = cli("review", "show", "1").stdout
    assert shown.startswith("# Review #1: Checkout errors")
    assert "Checkout failed for 40 minutes." in shown and "Root-cause category: Software-Change" in shown
    assert "Incident::Review-Completed" in cli("incident", "show", "1").stdout
    filed = cli(
        "near-miss",
        "file",
        "Backups nearly filled /var",
        "--severity",
        "S2",
        "--barrier",
        "disk alert",
        "--as",
        "aiko",
    )
    assert filed.stdout.startswith("#2 [Draft] S2 Backups nearly filled /var (near miss; owner aiko;")
    assert (
        "review #2" in cli("review", "search", "backups").stdout
        or "near_miss #2" in cli("review", "search", "backups").stdout
    )
    csv = cli("review", "list", "--csv").stdout.splitlines()
    assert (
        csv[0]
        == "id,kind,incident_id,title,severity,status,owner,conductor,due_at,overdue,category,open_actions"
    )
    assert csv[2].startswith("1,incident,1,Checkout errors,S1,completed,lukas,nadia,")
