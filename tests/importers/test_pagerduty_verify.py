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


def test_an_override_onwatch_does_not_have_is_a_difference_and_fails_the_verify(
    source: PagerDutyData, base_url: str, tmp_path: Path
) -> None:
    # the CLI verifies from the real now: the override lies ahead of it, from 09:00 to 12:00 UTC
    start = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=2)
    source.overrides["PFTS001"] = [(start, start + timedelta(hours=3), uid(30))]
    token = tmp_path / "pd-token"
    token.write_text(source.token)
    out = tmp_path / "onwatch.yaml"
    result = CliRunner().invoke(
        app,
        [
            "import",
            "pagerduty",
            "--token-file",
            str(token),
            "--base-url",
            base_url,
            "--out",
            str(out),
            "--verify",
        ],
    )
    assert result.exit_code == 1
    assert "1 difference(s) between PagerDuty and onwatch over 28 days" in result.output
    assert (
        f"follow-the-sun {start.isoformat()} - {(start + timedelta(hours=3)).isoformat()}: "
        "source has user30" in result.output
    )


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
