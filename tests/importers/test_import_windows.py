"""Time restrictions become onwatch windows that cover exactly the same minutes of the week."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from onwatch.config.schedules import WindowConfig
from onwatch.importers.opsgenie.mapping import restriction_spans
from onwatch.importers.windows import WEEK_MINUTES, week_windows

spans = st.lists(
    st.tuples(st.integers(0, WEEK_MINUTES - 1), st.integers(1, WEEK_MINUTES)), min_size=0, max_size=6
)


def covered_by_spans(found: list[tuple[int, int]]) -> set[int]:
    return {(start + m) % WEEK_MINUTES for start, length in found for m in range(length)}


def covered_by_windows(windows: list[dict[str, object]]) -> set[int]:
    out: set[int] = set()
    for raw in windows:
        w = WindowConfig.model_validate(raw)
        start = w.since.hour * 60 + w.since.minute
        length = (w.until.hour * 60 + w.until.minute - start) % 1440 or 1440
        for day in w.days:
            out |= {(day.value * 1440 + start + m) % WEEK_MINUTES for m in range(length)}
    return out


@settings(deadline=None)  # a week is 10,080 minutes; the shared machine is slow at times
@given(spans)
def test_windows_cover_the_restricted_minutes_and_nothing_else(found: list[tuple[int, int]]) -> None:
    assert covered_by_windows(week_windows(found)) == covered_by_spans(found)


def test_a_time_of_day_restriction_across_midnight_is_two_windows_a_day() -> None:
    spans = restriction_spans(
        {"type": "time-of-day", "restriction": {"startHour": 22, "startMin": 0, "endHour": 6, "endMin": 0}}
    )
    assert spans is not None
    assert week_windows(spans) == [
        {"from": "00:00", "to": "06:00", "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]},
        {"from": "22:00", "to": "24:00", "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]},
    ]


def test_a_weekday_restriction_over_the_weekend_is_cut_at_midnights() -> None:
    spans = restriction_spans(
        {
            "type": "weekday-and-time-of-day",
            "restrictions": [
                {
                    "startDay": "friday",
                    "startHour": 18,
                    "startMin": 0,
                    "endDay": "monday",
                    "endHour": 8,
                    "endMin": 0,
                }
            ],
        }
    )
    assert spans == [(4 * 1440 + 18 * 60, 62 * 60)]
    assert week_windows(spans) == [
        {"from": "00:00", "to": "08:00", "days": ["mon"]},
        {"from": "18:00", "to": "24:00", "days": ["fri"]},
        {"from": "00:00", "to": "24:00", "days": ["sat", "sun"]},
    ]


def test_no_restriction_means_always() -> None:
    assert restriction_spans(None) is None
