from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onwatch.kernel.durations import format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15m", timedelta(minutes=15)),
        ("30s", timedelta(seconds=30)),
        ("8h", timedelta(hours=8)),
        ("7d", timedelta(days=7)),
        ("1w", timedelta(weeks=1)),
        ("1h30m", timedelta(minutes=90)),
    ],
)
def test_durations_are_written_with_units(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["15", "15 minutes", "m15", "", "1.5h", "-5m"])
def test_durations_without_a_unit_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="unit"):
        parse_duration(text)


@given(st.integers(min_value=0, max_value=10**8))
def test_formatting_round_trips(seconds: int) -> None:
    delta = timedelta(seconds=seconds)
    assert parse_duration(format_duration(delta)) == delta
