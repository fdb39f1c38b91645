"""The README's migration guide, command by command: import from (a local) PagerDuty, apply, add
the imported overrides (twice: the second run adds nothing), verify, and see who is on call."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.e2e.conftest import ONWATCH, Cli
from tests.importers.pagerduty_fixtures import account, uid
from tests.importers.pagerduty_server import pagerduty_server

pytestmark = pytest.mark.e2e


def test_the_migration_guide_from_import_to_verify(cli: Cli, tmp_path: Path) -> None:
    source = account(users=40)
    start = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=2)
    source.overrides["PFTS001"] = [(start, start + timedelta(hours=3), uid(30))]
    token = tmp_path / "pd.key"
    token.write_text(source.token)
    migration = tmp_path / "migration"
    migration.mkdir()
    out = migration / "onwatch.yaml"
    with pagerduty_server(source) as url:
        base = ["import", "pagerduty", "--token-file", str(token), "--base-url", url, "--out", str(out)]
        dry = cli(*base, "--role", "eoc=Follow the sun", "--dry-run")
        assert f"dry run: {out} not written" in dry.stdout and not out.exists()
        wrote = cli(*base, "--role", "eoc=Follow the sun", "--public-url", "https://onwatch.example.com")
        assert "-> https://onwatch.example.com/v2/enqueue" in wrote.stdout
        assert (migration / "onwatch.integrations.md").exists()

        cli("migrate")
        cli("apply-config", str(out))
        script = migration / "onwatch.overrides.sh"
        env = {**cli.env, "ONWATCH_AS": "user0", "PATH": f"{Path(ONWATCH).parent}:{cli.env.get('PATH', '')}"}
        runs = [subprocess.run(["sh", str(script)], env=env, capture_output=True, text=True, timeout=120, check=True)
                for _ in range(2)]  # fmt: skip
        assert "user30 covers follow-the-sun" in runs[0].stdout and "(already there)" in runs[1].stdout
        listed = cli("override", "list", "follow-the-sun").stdout.strip().splitlines()
        assert len(listed) == 1 and "user30" in listed[0]

        verified = cli(*base, "--verify")
        assert "verified: 2 schedule(s) agree shift by shift over 28 days" in verified.stdout
    at = (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%MZ")
    assert "user30" in cli("oncall", "eoc", "--at", at).stdout
