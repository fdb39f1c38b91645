"""`onwatch import opsgenie --verify` asks Opsgenie's Who is On Call API who is on call, at every
shift boundary and mid-shift, and compares it with onwatch (a local server answering as documented)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from onwatch.cli.main import app
from onwatch.importers.opsgenie.run import import_opsgenie
from onwatch.importers.result import SourceImport
from tests.importers.opsgenie_fixtures import account, uid
from tests.importers.opsgenie_server import OpsgenieData, opsgenie_server

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def source() -> OpsgenieData:
    return account(users=60)


@pytest.fixture
def base_url(source: OpsgenieData) -> Iterator[str]:
    with opsgenie_server(source) as url:
        yield url


def verified(source: OpsgenieData, base_url: str, out: Path, days: int = 7) -> SourceImport:
    return import_opsgenie(
        source.api_key, out, now=NOW, base_url=base_url, sleep=lambda _: None, verify_days=days
    )


def test_the_fake_answers_who_is_on_call_as_opsgenie_documents_it(
    source: OpsgenieData, base_url: str
) -> None:
    auth = {"Authorization": f"GenieKey {source.api_key}"}
    at = {"date": "2026-12-02T03:00:00+00:00"}
    by_name = httpx.get(
        f"{base_url}/v2/schedules/Follow the sun/on-calls",
        params={**at, "scheduleIdentifierType": "name"},
        headers=auth,
    ).json()["data"]
    assert by_name["_parent"] == {"id": "ftss-0001", "name": "Follow the sun", "enabled": True}
    assert [(p["type"], p["name"]) for p in by_name["onCallParticipants"]] == [("user", "user4@acme.example")]
    flat = httpx.get(
        f"{base_url}/v2/schedules/ftss-0001/on-calls", params={**at, "flat": "true"}, headers=auth
    ).json()["data"]
    assert flat["onCallRecipients"] == ["user4@acme.example"] and "onCallParticipants" not in flat
    every = httpx.get(f"{base_url}/v2/schedules/on-calls", params=at, headers=auth).json()["data"]
    assert {e["_parent"]["id"] for e in every} == {s["id"] for s in source.schedules}


def test_the_verify_asks_who_is_on_call_at_each_boundary_and_mid_shift(
    source: OpsgenieData, base_url: str, tmp_path: Path
) -> None:
    done = verified(source, base_url, tmp_path / "onwatch.yaml")
    assert done.differences == []
    asked = [r for r in source.throttle.requests if r.endswith("/on-calls")]
    # the hourly schedule hands over at instants no other schedule shares: asked schedule by
    # schedule; the rest share the hour and are asked once for every schedule
    assert "/v2/schedules/hops-0001/on-calls" in asked and "/v2/schedules/on-calls" in asked
    assert len(asked) >= 2 * 7 * 3  # at least a start and a middle per follow-the-sun shift


def test_a_difference_only_who_is_on_call_shows_is_found(
    source: OpsgenieData, base_url: str, tmp_path: Path
) -> None:
    # Opsgenie's timeline says the APAC rotation, but Opsgenie would page user50 on Dec 3 00:00-08:00
    night = datetime(2026, 12, 3, 0, 0, tzinfo=UTC)
    source.on_call_planted.append(("ftss-0001", night, night + timedelta(hours=8), [uid(50)]))
    done = verified(source, base_url, tmp_path / "onwatch.yaml")
    assert done.differences is not None and len(done.differences) == 1
    found = done.differences[0]
    assert (found.schedule, found.start, found.end) == ("follow-the-sun", night, night + timedelta(hours=8))
    assert found.expected == {"user50"} and found.onwatch and "user50" not in found.onwatch


def test_the_cli_prints_a_who_is_on_call_difference_and_exits_1(
    source: OpsgenieData, base_url: str, tmp_path: Path
) -> None:
    # the CLI verifies from the real now: a shift tomorrow (4-hour turns from 02:00 UTC) in which
    # Opsgenie would page user50
    tomorrow = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    tomorrow += timedelta(hours=(2 - tomorrow.hour) % 4)
    source.on_call_planted.append(("hops-0001", tomorrow, tomorrow + timedelta(hours=4), [uid(50)]))
    key = tmp_path / "opsgenie.key"
    key.write_text(source.api_key)
    out = tmp_path / "onwatch.yaml"
    args = ["import", "opsgenie", "--api-key-file", str(key), "--base-url", base_url, "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--verify", "--days", "3"])
    assert result.exit_code == 1, result.output
    differs = [line for line in result.output.splitlines() if line.startswith("differs: ops-hourly ")]
    assert differs == [
        f"differs: ops-hourly {tomorrow.isoformat()} - {tomorrow + timedelta(hours=4):%Y-%m-%dT%H:%M:%S+00:00}: "
        f"source has user50, onwatch has {differs[0].rsplit(' ', 1)[-1]}"
    ]
    assert "difference(s) between Opsgenie and onwatch over 3 days" in result.output
