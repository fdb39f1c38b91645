"""The reports' definitions as tables: hour bands (PagerDuty's business / off-hours / sleep),
interruptions (notifications within 60 s count once), nearest-rank percentiles, the SRE bound."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onwatch.reports.domain.bands import HourBand, band_at, band_of_wall_clock, offset_spans
from onwatch.reports.domain.interruptions import interruption_starts
from onwatch.reports.domain.shifts import per_shift
from onwatch.reports.domain.stats import gini, nearest_rank, summarise

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")

B, OFF, S = HourBand.BUSINESS, HourBand.OFF_HOURS, HourBand.SLEEP


@pytest.mark.parametrize(
    ("hour", "weekday", "band"),
    [
        (8, 1, B),  # Monday 08:00 starts business hours
        (17, 5, B),  # Friday 17:59 still business
        (18, 5, OFF),  # Friday 18:00 is an evening
        (21, 3, OFF),
        (22, 3, S),  # 22:00 starts the night
        (3, 2, S),
        (7, 1, S),  # Monday 07:59 is still the night
        (10, 6, OFF),  # Saturday morning: off-hours, not business
        (23, 7, S),  # Sunday night
        (12, 7, OFF),
    ],
)
def test_hour_bands_follow_the_published_definitions(hour: int, weekday: int, band: HourBand) -> None:
    assert band_of_wall_clock(hour, weekday) is band


def test_a_page_is_banded_in_the_paged_persons_own_zone() -> None:
    at = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)  # a Wednesday
    assert band_at(at, LONDON) is B  # 14:00 in London
    assert band_at(at, NEW_YORK) is B  # 09:00 in New York
    assert band_at(at, ZoneInfo("Asia/Tokyo")) is S  # 23:00 in Tokyo


def test_the_sleep_band_across_the_night_clocks_go_back_is_22_to_08_on_the_wall_clock() -> None:
    # London leaves BST at 02:00 local on 2026-10-25 (01:00 UTC): that night lasts 11 hours
    night = [datetime(2026, 10, 24, 20, 59, tzinfo=UTC) + timedelta(minutes=m) for m in range(0, 13 * 60)]
    asleep = [at for at in night if band_at(at, LONDON) is S]
    assert asleep[0] == datetime(2026, 10, 24, 21, 0, tzinfo=UTC)  # 22:00 BST
    assert asleep[-1] == datetime(2026, 10, 25, 7, 59, tzinfo=UTC)  # 07:59 GMT
    assert len(asleep) == 11 * 60


def test_the_sleep_band_the_night_clocks_go_forward_lasts_nine_hours() -> None:
    night = [datetime(2026, 3, 28, 21, 0, tzinfo=UTC) + timedelta(minutes=m) for m in range(12 * 60)]
    assert sum(1 for at in night if band_at(at, LONDON) is S) == 9 * 60


def test_offset_spans_cut_at_each_transition_of_the_year() -> None:
    spans = offset_spans(LONDON, datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    assert [(s.start, s.offset) for s in spans] == [
        (datetime(2026, 1, 1, tzinfo=UTC), timedelta(0)),
        (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), timedelta(hours=1)),
        (datetime(2026, 10, 25, 1, 0, tzinfo=UTC), timedelta(0)),
    ]
    assert spans[-1].end == datetime(2027, 1, 1, tzinfo=UTC)


@given(
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31)),
    st.sampled_from(["Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC"]),
)
def test_banding_by_offset_span_agrees_with_the_zone_database(naive: datetime, zone_name: str) -> None:
    zone = ZoneInfo(zone_name)
    at = naive.replace(tzinfo=UTC)
    [span] = [
        s
        for s in offset_spans(zone, datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
        if s.start <= at < s.end
    ]
    local = at + span.offset
    assert band_of_wall_clock(local.hour, local.isoweekday()) is band_at(at, zone)


T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("seconds", "interruptions"),
    [
        ([], 0),
        ([0], 1),
        ([0, 30], 1),  # a phone call and an SMS for the same page: one interruption
        ([0, 60], 1),  # exactly 60 s later is still within the window
        ([0, 61], 2),
        ([0, 50, 100, 150], 1),  # never a quiet minute: one interruption
        ([0, 120, 150, 400], 3),
    ],
)
def test_notifications_within_60_seconds_of_the_previous_count_once(
    seconds: list[int], interruptions: int
) -> None:
    assert len(interruption_starts([T0 + timedelta(seconds=s) for s in seconds])) == interruptions


def test_percentiles_are_nearest_rank_values_a_person_reads_off_the_sorted_list() -> None:
    values = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]
    assert nearest_rank(values, 50) == 5.0 and nearest_rank(values, 90) == 9.0
    assert summarise([300.0, 60.0, 120.0]) == summarise([60.0, 120.0, 300.0])
    s = summarise([300.0, 60.0, 120.0])
    assert (s.n, s.mean, s.p50, s.p90) == (3, 160.0, 120.0, 300.0)
    assert summarise([]).n == 0 and summarise([]).p50 is None


def test_the_sre_bound_is_two_incidents_per_12_hours_on_call() -> None:
    assert per_shift(3, timedelta(hours=24)) == 1.5  # three incidents in two 12-hour shifts
    assert per_shift(2, timedelta(hours=8)) == 3.0  # two in one 8-hour shift: over the bound
    assert per_shift(0, timedelta(0)) is None


def test_gini_is_zero_for_an_even_rotation_and_grows_as_one_person_carries_it() -> None:
    assert gini([10, 10, 10, 10]) == 0.0
    assert gini([0, 0, 0, 40]) == pytest.approx(0.75)
    assert gini([]) is None and gini([0, 0]) == 0.0
