"""Schedule targets page the role their schedule holds; the integration URL table says where each
PagerDuty sender posts now and where it posts to onwatch."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from onwatch.cli.main import app
from onwatch.config.loader import load_config_file
from onwatch.importers.pagerduty.run import PagerDutyImport, import_pagerduty
from onwatch.importers.report import InvalidOption
from tests.importers.pagerduty_fixtures import account
from tests.importers.pagerduty_server import PagerDutyData, pagerduty_server

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def source() -> PagerDutyData:
    return account(users=40)


@pytest.fixture
def base_url(source: PagerDutyData) -> Iterator[str]:
    with pagerduty_server(source) as url:
        yield url


def run(source: PagerDutyData, base_url: str, out: Path, **kw: object) -> PagerDutyImport:
    return import_pagerduty(source.token, out, now=NOW, base_url=base_url, sleep=lambda _: None, **kw)  # type: ignore[arg-type]


def test_a_schedule_target_pages_the_role_the_schedule_holds(
    source: PagerDutyData, base_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "onwatch.yaml"
    done = run(source, base_url, out, roles={"eoc": "Follow the sun", "security": "PWKND01"})
    config = load_config_file(out)
    assert config.roles["eoc"].schedule == "follow-the-sun"  # type: ignore[index]
    assert config.roles["security"].schedule == "weekend-berlin"  # type: ignore[index]
    primary = config.escalation_policies["sre-primary"].steps[0].targets
    assert [(t.person, t.role and t.role.value) for t in primary] == [("user1", None), (None, "eoc")]
    # the weekend policy had only a schedule target: it now pages the security role
    assert [
        t.role and t.role.value for t in config.escalation_policies["only-schedules"].steps[0].targets
    ] == ["security"]
    assert not any("schedule target" in u.reason for u in done.result.unsupported)


def test_a_reimport_keeps_the_roles_the_config_already_gives_the_schedules(
    source: PagerDutyData, base_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "onwatch.yaml"
    run(source, base_url, out, roles={"imoc": "PFTS001"})
    text = out.read_text()
    again = run(source, base_url, out)  # no --role: roles.imoc.schedule is read from the file
    assert not again.written.changed and out.read_text() == text
    assert load_config_file(out).escalation_policies["sre-primary"].steps[0].targets[1].role.value == "imoc"  # type: ignore[union-attr]


def test_a_role_for_a_schedule_pagerduty_does_not_have_is_refused(
    source: PagerDutyData, base_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "onwatch.yaml"
    with pytest.raises(InvalidOption, match="--role eoc=Nope: PagerDuty has no schedule"):
        run(source, base_url, out, roles={"eoc": "Nope"})
    assert not out.exists()


def test_a_round_robin_rule_is_listed(source: PagerDutyData, base_url: str, tmp_path: Path) -> None:
    source.escalation_policies[0]["escalation_rules"][0]["escalation_rule_assignment_strategy"] = {
        "type": "round_robin"
    }
    lost = {u.source: u.reason for u in run(source, base_url, tmp_path / "o.yaml").result.unsupported}
    assert "round robin" in lost["escalation_policies.PEP0001.escalation_rules[0]"]


def test_the_integration_url_table_is_printed_and_written_beside_the_config(
    source: PagerDutyData, base_url: str, tmp_path: Path
) -> None:
    token = tmp_path / "pd-token"
    token.write_text(source.token)
    outdir = tmp_path / "migration"
    outdir.mkdir()
    args = ["import", "pagerduty", "--token-file", str(token), "--base-url", base_url, "--out", str(outdir)]
    result = CliRunner().invoke(app, [*args, "--public-url", "https://onwatch.acme.example"])
    assert result.exit_code == 0, result.output
    key = "0123456789abcdef0123456789abcdef"
    assert (
        f"integration checkout-api-pint001: Events API v2 https://events.pagerduty.com/v2/enqueue (key {key}) "
        f"-> https://onwatch.acme.example/v2/enqueue (key {key})" in result.output
    )
    table = (outdir / "onwatch.integrations.md").read_text()
    assert f"wrote {outdir / 'onwatch.integrations.md'}" in result.output
    row = next(line for line in table.splitlines() if "PINT001" in line)
    assert row.startswith(
        "| Checkout API / Alertmanager (services.PSVC001.integrations.PINT001, Events API v2) |"
    )
    assert f"https://events.pagerduty.com/v2/enqueue | {key} | https://onwatch.acme.example/v2/enqueue" in row
    assert load_config_file(outdir / "onwatch.yaml").integrations["checkout-api-pint001"].key == key


def test_a_dry_run_writes_no_url_table(source: PagerDutyData, base_url: str, tmp_path: Path) -> None:
    out = tmp_path / "onwatch.yaml"
    done = run(source, base_url, out, dry_run=True)
    assert list(done.companions) == [tmp_path / "onwatch.integrations.md"]
    assert not out.exists() and not (tmp_path / "onwatch.integrations.md").exists()
