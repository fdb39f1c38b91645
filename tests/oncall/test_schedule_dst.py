"""Handoffs keep their wall-clock time across DST changes; follow-the-sun always covers 24 real hours."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from onwatch.config.loader import load_config_file
from onwatch.config.schedules import to_schedule
from onwatch.oncall.domain.resolve import gaps, resolve
from onwatch.oncall.domain.schedules import Layer, Rotation, Schedule

H = timedelta(hours=1)
DEMO = Path(__file__).resolve().parents[2] / "examples" / "illumidesk.yaml"


def single(zone: str, shift: timedelta, handoff: time, start: date = date(2026, 11, 2)) -> Schedule:
    rotation = Rotation(
        members=("a", "b", "c"), shift=shift, handoff=handoff, zone=ZoneInfo(zone), start=start
    )
    return Schedule(id="s", name="s", layers=(Layer("l", rotation),))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# (zone, a day in the spring-forward week, a day in the fall-back week) for each hemisphere
TRANSITIONS = [
    ("Europe/Berlin", date(2027, 3, 28), date(2027, 10, 31)),
    ("America/Chicago", date(2027, 3, 14), date(2027, 11, 7)),
    ("Australia/Sydney", date(2027, 10, 3), date(2027, 4, 4)),
]


@pytest.mark.parametrize(("zone", "spring", "autumn"), TRANSITIONS)
def test_daily_handoffs_stay_at_their_wall_clock_time_across_both_dst_changes(
    zone: str, spring: date, autumn: date
) -> None:
    tz = ZoneInfo(zone)
    schedule = single(zone, timedelta(days=1), time(9, 0))
    for day in (spring, autumn):
        start = datetime.combine(day - timedelta(days=3), time(12), tzinfo=tz).astimezone(UTC)
        shifts = resolve(schedule, [], start, start + timedelta(days=6))
        handoffs = [s.start.astimezone(tz) for s in shifts[1:]]
        assert all(h.time() == time(9, 0) for h in handoffs), handoffs
        lengths = sorted({s.duration for s in shifts[1:-1]})
        assert lengths == [23 * H, 24 * H] if day == spring else [24 * H, 25 * H]


@pytest.mark.parametrize(("zone", "spring", "autumn"), TRANSITIONS)
def test_weekly_handoffs_stay_at_their_wall_clock_time_for_a_year(
    zone: str, spring: date, autumn: date
) -> None:
    tz = ZoneInfo(zone)
    schedule = single(zone, timedelta(weeks=1), time(9, 30))
    shifts = resolve(schedule, [], utc(2027, 1, 1), utc(2028, 1, 1))
    assert {s.start.astimezone(tz).time() for s in shifts[1:]} == {time(9, 30)}
    assert {s.start.astimezone(tz).weekday() for s in shifts[1:]} == {0}  # the start date was a Monday


def test_eight_hour_wall_clock_shifts_absorb_the_lost_and_gained_hour() -> None:
    tz = ZoneInfo("Europe/Berlin")
    schedule = single("Europe/Berlin", 8 * H, time(0, 0))
    spring = resolve(schedule, [], utc(2027, 3, 27, 23), utc(2027, 3, 28, 22))  # Sunday 28 March, local day
    assert [(s.start.astimezone(tz).strftime("%H:%M"), s.duration) for s in spring] == [
        ("00:00", 7 * H),
        ("08:00", 8 * H),
        ("16:00", 8 * H),
    ]
    autumn = resolve(schedule, [], utc(2027, 10, 30, 22), utc(2027, 10, 31, 23))
    assert [s.duration for s in autumn] == [9 * H, 8 * H, 8 * H]


def test_fixed_length_shifts_last_exactly_their_length_across_dst() -> None:
    schedule = single("America/Chicago", 5 * H, time(6, 0))
    shifts = resolve(schedule, [], utc(2027, 3, 12), utc(2027, 3, 17))
    assert {s.duration for s in shifts[1:-1]} == {5 * H}


def test_a_handoff_inside_the_spring_gap_happens_an_hour_later_rfc5545() -> None:
    tz = ZoneInfo("Europe/Berlin")
    schedule = single("Europe/Berlin", timedelta(days=1), time(2, 30))
    shifts = resolve(schedule, [], utc(2027, 3, 27, 12), utc(2027, 3, 29, 12))
    starts = [s.start.astimezone(tz).strftime("%d %H:%M %Z") for s in shifts[1:]]
    assert starts == ["28 03:30 CEST", "29 02:30 CEST"]


def test_a_handoff_in_the_repeated_autumn_hour_happens_at_its_first_occurrence() -> None:
    schedule = single("Europe/Berlin", timedelta(days=1), time(2, 30))
    shifts = resolve(schedule, [], utc(2027, 10, 30, 12), utc(2027, 11, 1, 12))
    assert shifts[1].start == utc(2027, 10, 31, 0, 30)  # 02:30 CEST, not 02:30 CET an hour later


def test_the_demo_follow_the_sun_eoc_covers_every_utc_day_with_24_real_hours() -> None:
    config = load_config_file(DEMO)
    schedule = to_schedule("sre-8-hour", config.schedules["sre-8-hour"])
    start = utc(2026, 11, 2, 0)  # the day the rotations start
    end = start + timedelta(days=730)
    shifts = resolve(schedule, [], start, end)
    assert gaps(shifts, start, end) == []
    assert all(a.end <= b.start for a, b in itertools.pairwise(shifts))
    for d in range(730):
        day = start + timedelta(days=d)
        covered = sum(
            (
                (min(s.end, day + 24 * H) - max(s.start, day))
                for s in shifts
                if s.start < day + 24 * H and s.end > day
            ),
            timedelta(0),
        )
        assert covered == 24 * H, day
    # each regional window is 8 local hours; the APAC base takes 8 or 9 while clocks disagree
    london = ZoneInfo("Europe/London")
    emea = [s for s in shifts if s.source == "EMEA"]
    assert {s.start.astimezone(london).time() for s in emea} == {time(8)}
    assert {s.duration for s in shifts if s.source in ("EMEA", "AMER")} <= {7 * H, 8 * H}
