"""`onwatch import grafana-oncall` against a local server that answers like Grafana OnCall's public
API v1."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from onwatch.cli.main import app
from onwatch.config.loader import load_config_file
from onwatch.importers.grafana_oncall.run import import_grafana_oncall
from onwatch.importers.overrides import overrides_path
from onwatch.importers.report import SourceError
from onwatch.importers.result import SourceImport
from onwatch.kernel.enums import Role
from tests.importers.grafana_oncall_fixtures import account, override, uid
from tests.importers.grafana_oncall_server import GrafanaOnCallData, grafana_oncall_server

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def source(request: pytest.FixtureRequest) -> GrafanaOnCallData:
    # hundreds of users where the size matters; fewer elsewhere (the machine is shared)
    return account(users=200 if "apply_config_reads" in request.node.name else 80)


@pytest.fixture
def base_url(source: GrafanaOnCallData) -> Iterator[str]:
    with grafana_oncall_server(source) as url:
        yield url


def run(
    source: GrafanaOnCallData,
    base_url: str,
    out: Path,
    *,
    now: datetime = NOW,
    sleeps: list[float] | None = None,
    verify_days: int | None = None,
) -> SourceImport:
    return import_grafana_oncall(
        source.token,
        out,
        now=now,
        base_url=base_url,
        sleep=(sleeps if sleeps is not None else []).append,
        verify_days=verify_days,
    )


def test_a_grafana_oncall_import_writes_a_config_that_apply_config_reads(
    source: GrafanaOnCallData, base_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "onwatch.yaml"
    done = run(source, base_url, out)
    config = load_config_file(out)
    assert len(config.people) == 200 and done.result.counts["people"] == 200
    assert config.people["user0"].access.value == "admin"
    assert config.teams["sre"].members == sorted(f"user{n}" for n in range(1, 13))
    # users (200) were read page by page, following `next` (50 a page)
    assert source.throttle.requests.count("/api/v1/users/") == 4
    primary = config.schedules["primary"]
    assert [layer.name for layer in primary.layers] == ["Weekly", "Business hours"]
    business = primary.layers[1]
    # start_rotation_from_user_index 1: user6 first
    assert (
        business.rotation.members == ["user6", "user5"] and business.rotation.timezone == "Europe/Amsterdam"
    )
    assert [(w.since.hour, w.until.hour, len(w.days)) for w in business.windows] == [(9, 17, 5)]
    assert config.integrations["alertmanager-production"].key == "mReAoNwDm0eMwKo1mTeTwYo"
    assert config.integrations["grafana-alerting"].type.value == "alertmanager"


def test_notification_rule_delays_are_kept(source: GrafanaOnCallData, base_url: str, tmp_path: Path) -> None:
    out = tmp_path / "onwatch.yaml"
    lost = {u.source: u.reason for u in run(source, base_url, out).result.unsupported}
    methods = load_config_file(out).people["user7"].contact_methods
    # email at once, then (after the 5-minute wait, the SMS, the 10-minute wait) email again at 15m
    assert [(m.type.value, m.delay) for m in methods] == [
        ("email", timedelta(0)),
        ("email", timedelta(minutes=15)),
    ]
    assert "phone number" in lost[f"personal_notification_rules.{uid(7)}[notify_by_sms@5m]"]
    assert "push notifications" in lost[f"personal_notification_rules.{uid(7)}[notify_by_mobile_app@15m]"]
    assert "notify_by_phone_call@0m" in lost[f"personal_notification_rules.{uid(7)}.important"]


def test_a_grafana_oncall_web_schedule_with_overrides_verifies(
    source: GrafanaOnCallData, base_url: str, tmp_path: Path
) -> None:
    # 28 days across Amsterdam's change to summer time (2027-03-28), an override across it
    before = datetime(2027, 3, 15, 12, 0, tzinfo=UTC)
    done = run(source, base_url, tmp_path / "onwatch.yaml", now=before, verify_days=28)
    assert done.differences == []
    assert set(done.result.schedules.values()) == {"follow-the-sun", "hourly", "primary"}
    assert [
        (o.schedule, o.person, o.start.isoformat(), o.end.isoformat()) for o in done.result.overrides
    ] == [("primary", "user7", "2027-03-27T19:00:00+00:00", "2027-03-28T18:00:00+00:00")]
    assert "/api/v1/schedules/SPRIMARY/final_shifts" in source.throttle.requests


def test_an_override_added_in_the_source_changes_only_the_overrides_script(
    source: GrafanaOnCallData, base_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "onwatch.yaml"
    run(source, base_url, out)
    source.shifts.append(override("OLATE", "2026-12-03T10:00:00", 2 * 3600, 11))
    source.schedules[0]["shifts"].append("OLATE")
    again = run(source, base_url, out, verify_days=7)
    assert not again.written.changed and again.overrides_changed
    assert again.differences == []  # onwatch resolves the schedule with the new override too
    assert [o.person for o in again.result.overrides] == ["user11", "user8"]
    assert (
        "onwatch override add primary user11 --from 2026-12-03T10:00:00Z --to 2026-12-03T12:00:00Z"
        in overrides_path(out).read_text()
    )


def test_a_rate_limited_source_is_retried_after_retry_after(
    source: GrafanaOnCallData, base_url: str, tmp_path: Path
) -> None:
    source.throttle.rate_limited = {"/api/v1/users/": 2, "/api/v1/on_call_shifts/": 1}
    source.throttle.retry_after = "4"
    sleeps: list[float] = []
    out = tmp_path / "onwatch.yaml"
    run(source, base_url, out, sleeps=sleeps)
    assert sleeps == [4.0, 4.0, 4.0]
    assert "primary" in load_config_file(out).schedules


def test_a_refused_token_is_a_clear_message_and_writes_nothing(base_url: str, tmp_path: Path) -> None:
    out = tmp_path / "onwatch.yaml"
    with pytest.raises(SourceError, match=r"Grafana OnCall refused the API token .*\(401 Unauthorized\)"):
        import_grafana_oncall("wrong", out, now=NOW, base_url=base_url, sleep=lambda _: None)
    assert not out.exists() and not overrides_path(out).exists()


def test_an_unsupported_target_is_reported_not_dropped(
    source: GrafanaOnCallData, base_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "onwatch.yaml"
    lost = {u.source: u.reason for u in run(source, base_url, out).result.unsupported}
    config = load_config_file(out)
    primary = config.escalation_policies["primary"]
    assert [[t.person for t in s.targets] for s in primary.steps] == [["user1"], ["user2"], ["user0"]]
    assert [s.delay for s in primary.steps] == [
        timedelta(minutes=5),
        timedelta(minutes=10),
        timedelta(minutes=15),
    ]
    assert primary.repeat == 5
    assert "schedule target SPRIMARY" in lost["escalation_policies.E4"]
    assert "round robin" in lost["escalation_policies.E7"]
    assert "chain left out" in lost["escalation_chains.FSCHED"]
    assert "several people" in lost["on_call_shifts.OPAIR"]
    assert "'monthly'" in lost["on_call_shifts.OMONTH"]
    assert "schedule left out" in lost["schedules.SPAIRS"]
    assert "iCal schedule" in lost["schedules.SICAL"]
    assert "'amazon_sns' is not imported" in lost["integrations.CSNS"]
    assert "escalation chain was not imported" in lost["integrations.CHOOK"]


def test_reimport_changes_nothing(source: GrafanaOnCallData, base_url: str, tmp_path: Path) -> None:
    out = tmp_path / "onwatch.yaml"
    out.write_text(
        "organisation: {name: Acme}\npeople:\n  ann:\n    name: Ann\n    email: USER2@acme.example\n"
        "    chat_id: U123\n"
    )
    first = run(source, base_url, out)
    assert first.written.changed and first.overrides_changed
    text, script = out.read_text(), overrides_path(out).read_text()
    config = load_config_file(out)
    assert config.organisation.name == "Acme" and config.people["ann"].chat_id == "U123"
    assert config.schedules["primary"].layers[0].rotation.members == ["user1", "ann", "user3", "user4"]
    second = run(source, base_url, out)
    assert not second.written.changed and not second.overrides_changed
    assert out.read_text() == text and overrides_path(out).read_text() == script


def test_the_cli_imports_and_prints_the_url_table(
    source: GrafanaOnCallData, base_url: str, tmp_path: Path
) -> None:
    token = tmp_path / "oncall.token"
    token.write_text(source.token + "\n")
    out = tmp_path / "onwatch.yaml"
    args = [
        "import",
        "grafana-oncall",
        "--token-file",
        str(token),
        "--base-url",
        base_url,
        "--out",
        str(tmp_path),
    ]
    result = CliRunner().invoke(app, [*args, "--public-url", "https://onwatch.acme.example"])
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.output  # --out names a directory: onwatch.yaml goes in it
    assert (
        "integration alertmanager-production: alertmanager integration https://oncall.acme.example/integrations/"
        "v1/alertmanager/mReAoNwDm0eMwKo1mTeTwYo/ (key mReAoNwDm0eMwKo1mTeTwYo) -> "
        "https://onwatch.acme.example/api/v1/integrations/alertmanager/mReAoNwDm0eMwKo1mTeTwYo "
        "(key mReAoNwDm0eMwKo1mTeTwYo)"
    ) in result.output
    assert f"wrote {tmp_path / 'onwatch.integrations.md'}" in result.output
    assert "not imported: schedules.SICAL: an iCal schedule" in result.output
    again = CliRunner().invoke(app, [*args, "--public-url", "https://onwatch.acme.example", "--dry-run"])
    assert again.exit_code == 0 and f"{out}: unchanged" in again.output


def test_notifying_a_schedules_on_call_pages_the_role_it_holds(
    source: GrafanaOnCallData, base_url: str, tmp_path: Path
) -> None:
    token = tmp_path / "oncall.token"
    token.write_text(source.token)
    out = tmp_path / "onwatch.yaml"
    args = ["import", "grafana-oncall", "--token-file", str(token), "--base-url", base_url, "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--role", "eoc=Primary"])
    assert result.exit_code == 0, result.output
    config = load_config_file(out)
    assert config.roles[Role.EOC].schedule == "primary"
    primary = config.escalation_policies["primary"]
    assert [[t.person or t.role for t in s.targets] for s in primary.steps] == [
        ["user1"],
        ["user2", Role.EOC],
        ["user0"],
    ]
    assert [t.role for t in config.escalation_policies["schedule-only"].steps[0].targets] == [Role.EOC]
    assert config.integrations["app-webhook"].type.value == "generic"
    assert "schedule target SPRIMARY" not in result.output
