"""`--verify`: PagerDuty's on-call (GET /oncalls) against onwatch's resolution, shift by shift."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from onwatch.cli.main import app
from onwatch.importers.pagerduty.run import import_pagerduty
from tests.importers.pagerduty_fixtures import account, uid
from tests.importers.pagerduty_server import PagerDutyData, pagerduty_server

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def source() -> PagerDutyData:
    return account(users=40)


@pytest.fixture
def base_url(source: PagerDutyData) -> Iterator[str]:
    with pagerduty_server(source) as url:
        yield url


def test_a_pagerduty_follow_the_sun_schedule_imports_and_verifies_shift_by_shift(
    source: PagerDutyData, base_url: str, tmp_path: Path
) -> None:
    done = import_pagerduty(
        source.token,
        tmp_path / "onwatch.yaml",
        now=NOW,
        base_url=base_url,
        sleep=lambda _: None,
        verify_days=28,
    )
    assert done.differences == []
    assert set(done.result.schedules.values()) == {"follow-the-sun", "weekend-berlin"}
    assert "/oncalls" in source.requests


def test_overrides_of_the_coming_90_days_are_imported_and_verify_agrees(
    source: PagerDutyData, base_url: str, tmp_path: Path
) -> None:
    # the CLI verifies from the real now: one override lies ahead of it, from 09:00 to 12:00 UTC
    start = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=2)
    ended = start - timedelta(days=10)
    source.overrides["PFTS001"] = [
        (start, start + timedelta(hours=3), uid(30)),
        (ended, ended + timedelta(hours=3), uid(31)),  # over: skipped
        (start + timedelta(days=120), start + timedelta(days=121), uid(32)),  # beyond 90 days
    ]
    token = tmp_path / "pd-token"
    token.write_text(source.token)
    out = tmp_path / "onwatch.yaml"
    args = ["import", "pagerduty", "--token-file", str(token), "--base-url", base_url, "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--verify"])
    assert result.exit_code == 0, result.output
    assert (
        f"wrote {tmp_path / 'onwatch.overrides.sh'}: 1 override(s); run it after apply-config"
        in result.output
    )
    assert "verified: 2 schedule(s) agree shift by shift over 28 days" in result.output
    script = (tmp_path / "onwatch.overrides.sh").read_text()
    until = start + timedelta(hours=3)
    assert (
        f"onwatch override add follow-the-sun user30 --from {start:%Y-%m-%dT%H:%M:%SZ} "
        f"--to {until:%Y-%m-%dT%H:%M:%SZ} --note 'imported from PagerDuty override PO001000' --once"
    ) in script
    assert "user31" not in script and "user32" not in script
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0 and "override(s)" not in again.output  # the script is unchanged


def test_an_override_by_someone_not_imported_is_listed_and_fails_the_verify(
    source: PagerDutyData, base_url: str, tmp_path: Path
) -> None:
    start = NOW + timedelta(days=3, hours=-3)
    source.overrides["PFTS001"] = [(start, start + timedelta(hours=3), "PU99999")]
    done = import_pagerduty(
        source.token,
        tmp_path / "onwatch.yaml",
        now=NOW,
        base_url=base_url,
        sleep=lambda _: None,
        verify_days=28,
    )
    lost = {u.source: u.reason for u in done.result.unsupported}
    assert lost["schedules.PFTS001.overrides.PO001000"] == "by user PU99999, who was not imported"
    assert [str(d) for d in done.differences or []] == [
        "follow-the-sun 2026-12-04T09:00:00+00:00 - 2026-12-04T12:00:00+00:00: "
        "source has pagerduty:PU99999, onwatch has user8"
    ]
    assert not (tmp_path / "onwatch.overrides.sh").exists()


def test_weekly_restrictions_across_a_dst_change_match_the_source(
    source: PagerDutyData, base_url: str, tmp_path: Path
) -> None:
    # Berlin moves to summer time on Sunday 2027-03-28, inside the Friday 18:00 - Monday 08:00 layer
    before = datetime(2027, 3, 15, 12, 0, tzinfo=UTC)
    done = import_pagerduty(
        source.token,
        tmp_path / "onwatch.yaml",
        now=before,
        base_url=base_url,
        sleep=lambda _: None,
        verify_days=28,
    )
    assert done.differences == []
    windows = done.written.config.schedules["weekend-berlin"].layers[0].windows
    assert [(w.since.hour, w.until.hour, [d.name for d in w.days]) for w in windows] == [
        (0, 8, ["MON"]),
        (18, 0, ["FRI"]),
        (0, 0, ["SAT", "SUN"]),
    ]
