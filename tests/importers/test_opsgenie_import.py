"""`onwatch import opsgenie` against a local server that answers like Opsgenie's REST API v2."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from onwatch.cli.main import app
from onwatch.config.loader import load_config_file
from onwatch.importers.opsgenie.run import import_opsgenie
from onwatch.importers.overrides import overrides_path
from onwatch.importers.report import SourceError
from onwatch.importers.result import SourceImport
from onwatch.kernel.enums import Role
from tests.importers.opsgenie_fixtures import account, override, uid
from tests.importers.opsgenie_server import OpsgenieData, opsgenie_server

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def source(request: pytest.FixtureRequest) -> OpsgenieData:
    # hundreds of users where the size matters; fewer elsewhere (the machine is shared)
    return account(users=300 if "apply_config_reads" in request.node.name else 120)


@pytest.fixture
def base_url(source: OpsgenieData) -> Iterator[str]:
    with opsgenie_server(source) as url:
        yield url


def run(
    source: OpsgenieData,
    base_url: str,
    out: Path,
    *,
    now: datetime = NOW,
    sleeps: list[float] | None = None,
    verify_days: int | None = None,
) -> SourceImport:
    return import_opsgenie(
        source.api_key,
        out,
        now=now,
        base_url=base_url,
        sleep=(sleeps if sleeps is not None else []).append,
        verify_days=verify_days,
    )


def test_an_opsgenie_import_writes_a_config_that_apply_config_reads(
    source: OpsgenieData, base_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "onwatch.yaml"
    done = run(source, base_url, out)
    config = load_config_file(out)
    assert len(config.people) == 300 and done.result.counts["people"] == 300
    assert (
        config.people["user0"].access.value == "admin" and config.people["user5"].access.value == "responder"
    )
    assert config.teams["sre"].members == sorted(f"user{n}" for n in range(1, 13))
    # users were read page by page (100 at a time, following paging.next)
    assert source.throttle.requests.count("/v2/users") == 3
    berlin = config.schedules["berlin-business-hours"]
    assert berlin.timezone == "Europe/Berlin"
    assert [layer.name for layer in berlin.layers] == ["Office", "Weekend"]
    office = berlin.layers[0]
    assert office.rotation.shift == timedelta(days=1) and office.rotation.handoff.hour == 9
    assert [(w.since.strftime("%H:%M"), w.until.strftime("%H:%M"), len(w.days)) for w in office.windows] == [
        ("09:00", "17:30", 5)
    ]
    assert config.integrations["prometheus-production"].type.value == "alertmanager"
    assert config.integrations["prometheus-production"].key == "5f3c1e2a-9b8d-4c7e-a6f5-0123456789ab"
    assert config.integrations["deploy-bot"].type.value == "generic"


def test_notification_rule_delays_are_kept(source: OpsgenieData, base_url: str, tmp_path: Path) -> None:
    out = tmp_path / "onwatch.yaml"
    run(source, base_url, out)
    methods = load_config_file(out).people["user7"].contact_methods
    assert [(m.type.value, m.delay, m.address or m.number) for m in methods] == [
        ("email", timedelta(0), "user7@acme.example"),
        ("sms", timedelta(minutes=5), "+447700900007"),
        ("voice", timedelta(minutes=12), "+14155500007"),
    ]


def test_an_opsgenie_rotation_with_time_restrictions_verifies(
    source: OpsgenieData, base_url: str, tmp_path: Path
) -> None:
    # 28 days across Berlin's change to summer time (2027-03-28), with an override across it
    before = datetime(2027, 3, 15, 12, 0, tzinfo=UTC)
    done = run(source, base_url, tmp_path / "onwatch.yaml", now=before, verify_days=28)
    assert done.differences == []
    assert set(done.result.schedules.values()) == {"berlin-business-hours", "follow-the-sun", "ops-hourly"}
    assert [(o.schedule, o.person, o.start.isoformat()) for o in done.result.overrides] == [
        ("berlin-business-hours", "user25", "2027-03-27T19:00:00+00:00")
    ]
    assert "/v2/schedules/bizh-0001/timeline" in source.throttle.requests


def test_rotations_on_call_at_the_same_time_are_listed_and_the_verify_shows_it(
    source: OpsgenieData, base_url: str, tmp_path: Path
) -> None:
    # a second rotation over the office hours: Opsgenie pages both people, onwatch one
    source.schedules[1]["rotations"][1]["timeRestriction"] = None
    done = run(source, base_url, tmp_path / "onwatch.yaml", verify_days=7)
    lost = {u.source: u.reason for u in done.result.unsupported}
    assert (
        "on call at the same hours as rotation 'Office'" in lost["schedules.bizh-0001.rotations.bizh-weekend"]
    )
    assert done.differences and all(d.schedule == "berlin-business-hours" for d in done.differences)
    first = done.differences[0]
    assert len(first.expected) == 2 and len(first.onwatch) == 1 and first.onwatch < first.expected


def test_a_rate_limited_source_is_retried_after_retry_after(
    source: OpsgenieData, base_url: str, tmp_path: Path
) -> None:
    source.throttle.rate_limited = {"/v2/users": 2, "/v2/schedules": 1}
    source.throttle.retry_after = "3"
    sleeps: list[float] = []
    out = tmp_path / "onwatch.yaml"
    run(source, base_url, out, sleeps=sleeps)
    assert sleeps == [3.0, 3.0, 3.0]
    assert "follow-the-sun" in load_config_file(out).schedules


def test_a_refused_api_key_is_a_clear_message_and_writes_nothing(base_url: str, tmp_path: Path) -> None:
    out = tmp_path / "onwatch.yaml"
    with pytest.raises(SourceError, match=r"Opsgenie refused the API key .*\(401 Unauthorized\)"):
        import_opsgenie("wrong", out, now=NOW, base_url=base_url, sleep=lambda _: None)
    assert not out.exists() and not overrides_path(out).exists()


def test_an_unsupported_target_is_reported_not_dropped(
    source: OpsgenieData, base_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "onwatch.yaml"
    lost = {u.source: u.reason for u in run(source, base_url, out).result.unsupported}
    config = load_config_file(out)
    sre = config.escalation_policies["sre-escalation"]
    # delays counted from the alert (0, 5, 15) become waits between steps; the repeat keeps its wait
    assert [[t.person for t in s.targets] for s in sre.steps] == [["user1"], ["user2"], ["user0"]]
    assert [s.delay for s in sre.steps] == [
        timedelta(minutes=5),
        timedelta(minutes=10),
        timedelta(minutes=10),
    ]
    assert sre.repeat == 2
    assert "schedule recipient Follow the sun" in lost["escalations.esc-sre.rules[2]"]
    assert "recipient type 'team' (SRE)" in lost["escalations.esc-sre.rules[4]"]
    assert "escalation left out" in lost["escalations.esc-app"]
    assert "participant team App" in lost["schedules.tmrt-0001.rotations.tmrt-r"]
    assert "schedule left out" in lost["schedules.tmrt-0001"]
    assert "push notifications" in lost[f"users.{uid(7)}.notification-rules.r-7-new.steps.s-7-mobile"]
    assert "schedule-start" in lost[f"users.{uid(7)}.notification-rules.r-7-start"]
    assert "'Email' is not imported" in lost["integrations.int-mail"]
    assert "no escalation of its team" in lost["integrations.int-app"]
    assert "some rotations only" in lost["schedules.ftss-0001.overrides.cover-emea"]


def test_reimport_changes_nothing(source: OpsgenieData, base_url: str, tmp_path: Path) -> None:
    out = tmp_path / "onwatch.yaml"
    # an existing config: user3 is already known by another id; it keeps it (matched by email)
    out.write_text(
        "organisation: {name: Acme}\npeople:\n  ann:\n    name: Ann\n    email: USER3@acme.example\n"
        "    chat_id: U123\n"
    )
    first = run(source, base_url, out)
    assert first.written.changed and first.overrides_changed
    text, script = out.read_text(), overrides_path(out).read_text()
    config = load_config_file(out)
    assert config.organisation.name == "Acme" and config.people["ann"].chat_id == "U123"
    assert "user3" not in config.people
    assert config.schedules["follow-the-sun"].layers[0].rotation.members[2] == "ann"
    second = run(source, base_url, out)
    assert not second.written.changed and not second.overrides_changed
    assert out.read_text() == text and overrides_path(out).read_text() == script


def test_the_cli_imports_writes_the_overrides_script_and_the_url_table(
    source: OpsgenieData, base_url: str, tmp_path: Path
) -> None:
    # the CLI imports from the real now: this override lies two days ahead of it
    start = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=2)
    source.overrides["hops-0001"].append(
        override("ahead", 36, start.isoformat(), (start + timedelta(hours=4)).isoformat())
    )
    key = tmp_path / "opsgenie.key"
    key.write_text(source.api_key + "\n")
    out = tmp_path / "onwatch.yaml"
    args = ["import", "opsgenie", "--api-key-file", str(key), "--base-url", base_url, "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.output
    assert "not imported: escalations.esc-app: no rule onwatch can express" in result.output
    key = "5f3c1e2a-9b8d-4c7e-a6f5-0123456789ab"  # Opsgenie's API key stays the integration's key
    assert (
        f"integration prometheus-production: Prometheus integration {base_url}/v2/alerts (key {key}) -> "
        f"http://127.0.0.1:8080/api/v1/integrations/alertmanager/{key} (key {key})"
    ) in result.output
    table = (tmp_path / "onwatch.integrations.md").read_text()
    assert "| Opsgenie integration |" in table and "replace the opsgenie_configs receiver" in table
    script = overrides_path(out).read_text()
    until = start + timedelta(hours=4)
    assert (
        f"onwatch override add ops-hourly user36 --from {start:%Y-%m-%dT%H:%M:%SZ} --to {until:%Y-%m-%dT%H:%M:%SZ}"
        " --note 'opsgenie ahead'"
    ) in script
    assert "2026-11-01" not in script  # an override in the past is not imported
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0 and f"{out}: unchanged" in again.output


def test_an_override_by_a_person_who_was_not_imported_is_listed(
    source: OpsgenieData, base_url: str, tmp_path: Path
) -> None:
    stranger = override("stranger", 0, "2026-12-02T00:00:00Z", "2026-12-02T04:00:00Z")
    stranger["user"] = {"type": "user", "id": "nobody", "username": "nobody@elsewhere.example"}
    source.overrides["hops-0001"].append(stranger)
    done = run(source, base_url, tmp_path / "onwatch.yaml")
    lost = {u.source: u.reason for u in done.result.unsupported}
    assert "not an imported person" in lost["schedules.hops-0001.overrides.stranger"]


def test_a_schedule_recipient_pages_the_role_the_schedule_holds(
    source: OpsgenieData, base_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "onwatch.yaml"
    done = import_opsgenie(
        source.api_key,
        out,
        now=NOW,
        base_url=base_url,
        sleep=lambda _: None,
        roles={"eoc": "Follow the sun", "imoc": "bizh-0001"},
    )
    config = load_config_file(out)
    assert config.roles[Role.EOC].schedule == "follow-the-sun"
    assert config.roles[Role.IMOC].schedule == "berlin-business-hours"
    sre = config.escalation_policies["sre-escalation"]
    assert [[t.person or t.role for t in s.targets] for s in sre.steps] == [
        ["user1"],
        ["user2", Role.EOC],
        ["user0"],
    ]
    # the escalation that had only the schedule is imported now, and so is its team's integration
    assert [t.role for t in config.escalation_policies["only-the-schedule"].steps[0].targets] == [Role.IMOC]
    assert config.integrations["app-alerts"].escalation_policy == "only-the-schedule"
    assert not any("schedule recipient" in u.reason for u in done.result.unsupported)


def test_a_role_for_a_schedule_opsgenie_does_not_have_is_refused(
    source: OpsgenieData, base_url: str, tmp_path: Path
) -> None:
    key = tmp_path / "opsgenie.key"
    key.write_text(source.api_key)
    out = tmp_path / "onwatch.yaml"
    args = ["import", "opsgenie", "--api-key-file", str(key), "--base-url", base_url, "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--role", "eoc=Nope"])
    assert result.exit_code == 1
    assert "--role eoc=Nope: Opsgenie has no schedule with that id or name" in result.output
    assert not out.exists()


def test_the_cli_verify_prints_every_difference_and_exits_non_zero(
    source: OpsgenieData, base_url: str, tmp_path: Path
) -> None:
    # the weekend rotation loses its restriction: Opsgenie pages two people in office hours
    source.schedules[1]["rotations"][1]["timeRestriction"] = None
    key = tmp_path / "opsgenie.key"
    key.write_text(source.api_key)
    out = tmp_path / "onwatch.yaml"
    args = ["import", "opsgenie", "--api-key-file", str(key), "--base-url", base_url, "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--verify", "--days", "7"])
    assert result.exit_code == 1
    differs = [
        line for line in result.output.splitlines() if line.startswith("differs: berlin-business-hours ")
    ]
    assert len(differs) >= 5  # at least one per office day of the week
    assert f"{len(differs)} difference(s) between Opsgenie and onwatch over 7 days" in result.output
    assert out.exists()  # the config is written; the verify says where it differs
