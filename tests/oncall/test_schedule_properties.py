"""Property-based: final shifts never overlap, cover exactly what the layers and overrides cover,
overrides always win, and the answer does not depend on how the range is split."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from onwatch.oncall.domain.resolve import merge_adjacent, on_call_at, resolve
from onwatch.oncall.domain.schedules import Layer, Override, Rotation, Schedule, Shift, Weekday, Window

ZONES = ["UTC", "Europe/Berlin", "America/Chicago", "Australia/Sydney", "Asia/Kolkata", "America/St_Johns"]
SHIFTS = [timedelta(hours=h) for h in (1, 3, 5, 8, 12, 24, 36, 48, 168)]
PEOPLE = ["ann", "bo", "cy", "di"]
T0 = datetime(2027, 1, 1, tzinfo=UTC)

times = st.builds(lambda m: time(m // 60, m % 60), st.integers(0, 24 * 4 - 1).map(lambda q: q * 15))


@st.composite
def windows(draw: st.DrawFn) -> tuple[Window, ...]:
    """0-2 daily windows that do not overlap: cut points on a 15-minute grid of one day."""
    count = draw(st.integers(0, 2))
    points = sorted(draw(st.sets(st.integers(0, 95), min_size=2 * count, max_size=2 * count)))
    days = frozenset(draw(st.sets(st.sampled_from(list(Weekday)), min_size=1)))
    out = []
    for i in range(count):
        a, b = points[2 * i] * 15, points[2 * i + 1] * 15
        out.append(Window(time(a // 60, a % 60), time(b // 60, b % 60), days))
    return tuple(out)


@st.composite
def layers(draw: st.DrawFn, index: int) -> Layer:
    rotation = Rotation(
        members=tuple(draw(st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=3))),
        shift=draw(st.sampled_from(SHIFTS)),
        handoff=draw(times),
        zone=ZoneInfo(draw(st.sampled_from(ZONES))),
        start=date(2026, 12, 1) + timedelta(days=draw(st.integers(0, 60))),
    )
    return Layer(name=f"L{index}", rotation=rotation, windows=draw(windows()))


@st.composite
def schedules(draw: st.DrawFn) -> Schedule:
    count = draw(st.integers(1, 3))
    return Schedule(id="s", name="s", layers=tuple(draw(layers(i)) for i in range(count)))


@st.composite
def overrides(draw: st.DrawFn) -> list[Override]:
    out = []
    for i in range(draw(st.integers(0, 4))):
        start = T0 + timedelta(minutes=15 * draw(st.integers(0, 4 * 24 * 40)))
        out.append(
            Override(
                draw(st.sampled_from(PEOPLE)),
                start,
                start + timedelta(minutes=15 * draw(st.integers(1, 400))),
                id=i + 1,
            )
        )
    return out


ranges = st.tuples(st.integers(0, 4 * 24 * 40), st.integers(1, 4 * 24 * 20)).map(
    lambda p: (T0 + timedelta(minutes=15 * p[0]), T0 + timedelta(minutes=15 * (p[0] + p[1])))
)


def union(spans: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    out: list[tuple[datetime, datetime]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def person_at(shifts: list[Shift], t: datetime) -> str | None:
    return next((s.person for s in shifts if s.start <= t < s.end), None)


SETTINGS = settings(max_examples=150, deadline=None)


@SETTINGS
@given(schedules(), overrides(), ranges)
def test_final_shifts_are_sorted_disjoint_non_empty_and_inside_the_range(
    schedule: Schedule, ovr: list[Override], rng: tuple[datetime, datetime]
) -> None:
    start, end = rng
    shifts = resolve(schedule, ovr, start, end)
    for s in shifts:
        assert start <= s.start < s.end <= end
    for a, b in itertools.pairwise(shifts):
        assert a.end <= b.start
        assert not (a.end == b.start and a.person == b.person and a.source == b.source), "not merged"


@SETTINGS
@given(schedules(), overrides(), ranges)
def test_final_shifts_cover_exactly_what_any_layer_or_override_covers(
    schedule: Schedule, ovr: list[Override], rng: tuple[datetime, datetime]
) -> None:
    start, end = rng
    covered = [(s.start, s.end) for layer in schedule.layers for s in layer.shifts(start, end)]
    covered += [(max(o.start, start), min(o.end, end)) for o in ovr if o.start < end and o.end > start]
    final = resolve(schedule, ovr, start, end)
    assert union([(s.start, s.end) for s in final]) == union(covered)


@SETTINGS
@given(schedules(), overrides(), ranges)
def test_an_override_always_wins_for_its_range(
    schedule: Schedule, ovr: list[Override], rng: tuple[datetime, datetime]
) -> None:
    start, end = rng
    final = resolve(schedule, ovr, start, end)
    for s in final:
        for t in (s.start, s.start + (s.end - s.start) / 2):
            covering = [o for o in ovr if o.start <= t < o.end]
            if covering:
                assert s.person == max(covering, key=lambda o: o.id or 0).person
                assert s.source.startswith("override")


@SETTINGS
@given(schedules(), overrides(), ranges, st.floats(0.01, 0.99))
def test_the_result_does_not_depend_on_where_the_range_is_split(
    schedule: Schedule, ovr: list[Override], rng: tuple[datetime, datetime], fraction: float
) -> None:
    start, end = rng
    middle = start + (end - start) * fraction
    middle = middle.replace(microsecond=0)
    if not start < middle < end:
        return
    whole = resolve(schedule, ovr, start, end)
    parts = merge_adjacent(resolve(schedule, ovr, start, middle) + resolve(schedule, ovr, middle, end))
    assert parts == whole


@SETTINGS
@given(schedules(), overrides(), ranges)
def test_who_is_on_call_agrees_with_the_final_shifts(
    schedule: Schedule, ovr: list[Override], rng: tuple[datetime, datetime]
) -> None:
    at = rng[0]
    answer = on_call_at(schedule, ovr, at, horizon=timedelta(days=12))
    around = resolve(schedule, ovr, at - timedelta(days=12), at + timedelta(days=12))
    assert (answer.shift.person if answer.shift else None) == person_at(around, at)
    if answer.shift is not None:
        shift = answer.shift
        assert shift.start <= at < shift.end
        # the whole span belongs to that person, and it cannot be extended on either side
        inside = [s for s in around if s.start < shift.end and s.end > shift.start]
        assert {s.person for s in inside} == {shift.person}
        assert person_at(around, shift.end) != shift.person or shift.end >= at + timedelta(days=12)
        before = shift.start - timedelta(seconds=1)
        assert person_at(around, before) != shift.person or shift.start <= at - timedelta(days=12)
    if answer.next is not None:
        assert answer.next.start >= (answer.shift.end if answer.shift else at)
        assert answer.shift is None or answer.next.person != answer.shift.person
