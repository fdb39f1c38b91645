"""`onwatch import pagerduty` against a local server that answers like PagerDuty's REST API v2."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from onwatch.cli.main import app
from onwatch.config.loader import load_config_file
from onwatch.config.schedules import to_schedule
from onwatch.importers.pagerduty.run import PagerDutyImport, import_pagerduty
from onwatch.importers.report import SourceError
from onwatch.oncall.domain.resolve import resolve
from tests.importers.pagerduty_fixtures import account
from tests.importers.pagerduty_server import PagerDutyData, pagerduty_server

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def source() -> PagerDutyData:
    return account()


@pytest.fixture
def base_url(source: PagerDutyData) -> Iterator[str]:
    with pagerduty_server(source) as url:
        yield url


def run(
    source: PagerDutyData,
    base_url: str,
    out: Path,
    *,
    sleeps: list[float] | None = None,
    dry_run: bool = False,
) -> PagerDutyImport:
    return import_pagerduty(
        source.token,
        out,
        now=NOW,
        base_url=base_url,
        dry_run=dry_run,
        sleep=(sleeps if sleeps is not None else []).append,
    )


def test_an_import_writes_a_config_that_apply_config_reads(
    source: PagerDutyData, base_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "onwatch.yaml"
    done = run(source, base_url, out)
    config = load_config_file(out)
    assert len(config.people) == 250 and done.result.counts["people"] == 250
    assert config.people["user0"].access.value == "admin"
    assert config.teams["sre-emea"].members == ["user5", "user6", "user7", "user8"]
    assert config.services["checkout-api"].team == "sre-emea"
    assert config.integrations["checkout-api-pint001"].key == "0123456789abcdef0123456789abcdef"
    assert config.integrations["checkout-api-pint001"].escalation_policy == "sre-primary"
    # users were read page by page (100 at a time)
    assert source.requests.count("/users") == 3


def test_notification_rule_delays_are_kept(source: PagerDutyData, base_url: str, tmp_path: Path) -> None:
    out = tmp_path / "onwatch.yaml"
    run(source, base_url, out)
    methods = load_config_file(out).people["user7"].contact_methods
    got = [(m.type.value, m.delay, m.urgency.value, m.address or m.number) for m in methods]
    assert got == [
        ("email", timedelta(0), "any", "user7@acme.example"),
        ("sms", timedelta(minutes=5), "high", "+447700900007"),
        ("voice", timedelta(minutes=12), "high", "+14155500007"),
    ]


def test_a_rate_limited_source_is_retried_after_retry_after(
    source: PagerDutyData, base_url: str, tmp_path: Path
) -> None:
    source.rate_limited = {"/users": 2, "/schedules/PFTS001": 1}
    source.retry_after = "7"
    sleeps: list[float] = []
    out = tmp_path / "onwatch.yaml"
    run(source, base_url, out, sleeps=sleeps)
    assert sleeps == [7.0, 7.0, 7.0]
    assert "follow-the-sun" in load_config_file(out).schedules


def test_an_unsupported_target_is_reported_not_dropped(
    source: PagerDutyData, base_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "onwatch.yaml"
    lost = {str(u.source): u.reason for u in run(source, base_url, out).result.unsupported}
    config = load_config_file(out)
    primary = config.escalation_policies["sre-primary"]
    # the user target is kept, with the rule's delay and the loops
    assert [[t.person for t in s.targets] for s in primary.steps] == [["user1"], ["user0"]]
    assert [s.delay for s in primary.steps] == [timedelta(minutes=10), timedelta(minutes=20)]
    assert primary.repeat == 2
    assert "schedule target PFTS001" in lost["escalation_policies.PEP0001.escalation_rules[0].targets[1]"]
    # a policy with only schedule targets is left out, and says so
    assert "only-schedules" not in config.escalation_policies
    assert "policy left out" in lost["escalation_policies.PEP0002"]
    assert "push notifications" in lost["users.PU00007.notification_rules[PU00007P@0m]"]
    assert "not imported" in lost["services.PSVC001.integrations.PINT002"]
    assert "imported as high urgency" in lost["services.PSVC002.incident_urgency_rule"]


def test_reimport_changes_nothing(source: PagerDutyData, base_url: str, tmp_path: Path) -> None:
    out = tmp_path / "onwatch.yaml"
    # an existing config: Ann is already known by another id; it keeps it (matched by email)
    out.write_text(
        "organisation: {name: Acme}\npeople:\n  ann:\n    name: Ann\n    email: USER3@acme.example\n"
        "    chat_id: U123\n"
    )
    first = run(source, base_url, out)
    text = out.read_text()
    assert first.written.changed
    config = load_config_file(out)
    assert config.organisation.name == "Acme" and config.people["ann"].chat_id == "U123"
    assert "user3" not in config.people
    assert config.schedules["follow-the-sun"].layers[0].rotation.members[2] == "ann"
    second = run(source, base_url, out)
    assert not second.written.changed and out.read_text() == text


def test_a_dry_run_shows_the_diff_and_writes_nothing(
    source: PagerDutyData, base_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "onwatch.yaml"
    done = run(source, base_url, out, dry_run=True)
    assert not out.exists()
    assert "+  follow-the-sun:" in done.written.diff


def test_a_refused_token_is_a_clear_message_and_writes_nothing(base_url: str, tmp_path: Path) -> None:
    out = tmp_path / "onwatch.yaml"
    with pytest.raises(SourceError, match="refused the API token"):
        import_pagerduty("wrong", out, now=NOW, base_url=base_url, sleep=lambda _: None)
    assert not out.exists()


def test_an_import_that_does_not_validate_writes_nothing(
    source: PagerDutyData, base_url: str, tmp_path: Path
) -> None:
    source.users[5]["email"] = source.users[6]["email"]  # two people with one address
    out = tmp_path / "onwatch.yaml"
    result = CliRunner().invoke(
        app,
        [
            "import",
            "pagerduty",
            "--token-file",
            str(_token(tmp_path, source)),
            "--base-url",
            base_url,
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 1
    assert "already used by" in result.output and "nothing was written" in result.output
    assert not out.exists()


def test_the_cli_imports_and_lists_what_it_could_not(
    source: PagerDutyData, base_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "onwatch.yaml"
    args = [
        "import",
        "pagerduty",
        "--token-file",
        str(_token(tmp_path, source)),
        "--base-url",
        base_url,
        "--out",
        str(out),
    ]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    assert f"wrote {out}" in first.output
    assert "not imported: escalation_policies.PEP0002: no step onwatch can express" in first.output
    assert yaml.safe_load(out.read_text())["schedules"]["weekend-berlin"]["timezone"] == "Europe/Berlin"
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0 and f"{out}: unchanged" in again.output


def test_the_follow_the_sun_schedule_hands_over_every_8_hours(
    source: PagerDutyData, base_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "onwatch.yaml"
    run(source, base_url, out)
    schedule = to_schedule("follow-the-sun", load_config_file(out).schedules["follow-the-sun"])
    # week 47 since 2026-01-05 (a Monday): each region's member index is 47 % 4 = 3
    start = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
    shifts = resolve(schedule, [], start, start + timedelta(days=1))
    assert [(s.start.hour, s.end.hour, s.person) for s in shifts] == [
        (0, 8, "user4"),
        (8, 16, "user8"),
        (16, 0, "user12"),
    ]


def _token(tmp_path: Path, source: PagerDutyData) -> Path:
    path = tmp_path / "pd-token"
    path.write_text(source.token + "\n")
    return path


def test_an_unreachable_base_url_is_a_clear_message(tmp_path: Path) -> None:
    token = tmp_path / "pd-token"
    token.write_text("anything")
    out = tmp_path / "onwatch.yaml"
    args = [
        "import",
        "pagerduty",
        "--token-file",
        str(token),
        "--base-url",
        "http://127.0.0.1:9",
        "--out",
        str(out),
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert "error: cannot reach PagerDuty at http://127.0.0.1:9" in result.output
    assert not out.exists()
