"""The sustained-condition state machine, checked against random evaluation histories: Degraded
only after the condition held at every evaluation for 5 minutes, never "healthy" when data is
missing, down again only after 5 minutes at a lower level."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from onwatch.slo.domain import DetectionPolicy, SloState, Tracker, Verdict, step

POLICY = DetectionPolicy()
START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
HALF_MINUTE = timedelta(seconds=30)

# an evaluation: None = measurements unavailable; else (degraded condition, outage condition)
observation = st.one_of(
    st.none(),
    st.tuples(st.booleans(), st.booleans()).map(lambda t: (t[0] or t[1], t[1])),
)
gap = st.sampled_from(
    [HALF_MINUTE] * 12 + [timedelta(seconds=45), timedelta(minutes=2), timedelta(minutes=7)]
)


def verdict(degraded: bool, outage: bool) -> Verdict:
    return Verdict(degraded, outage, False, False, (), True)


@dataclass
class Point:
    at: datetime
    seen: tuple[bool, bool] | None
    before: Tracker
    after: Tracker


def simulate(history: list[tuple[timedelta, tuple[bool, bool] | None]]) -> list[Point]:
    tracker, now, out = Tracker(), START, []
    for delta, seen in history:
        now += delta
        new = step(tracker, None if seen is None else verdict(*seen), now, POLICY, "down")
        out.append(Point(now, seen, tracker, new))
        tracker = new
    return out


def held_for(points: list[Point], i: int, holds: object, span: timedelta) -> bool:
    """Did `holds(seen)` hold at every evaluation from points[i] back over `span`, without gaps?"""
    end = points[i].at
    j = i
    while True:
        if points[j].seen is None or not holds(points[j].seen):  # type: ignore[operator]
            return False
        if end - points[j].at >= span:
            return True
        if j == 0 or points[j].at - points[j - 1].at > POLICY.max_gap:
            return False
        j -= 1


histories = st.lists(st.tuples(gap, observation), min_size=1, max_size=120)


def _degraded(s: tuple[bool, bool]) -> bool:
    return s[0]


def _outage(s: tuple[bool, bool]) -> bool:
    return s[1]


@settings(max_examples=300, deadline=None)
@given(histories)
def test_the_state_goes_up_only_after_five_minutes_of_a_condition_at_every_evaluation(
    history: list[tuple[timedelta, tuple[bool, bool] | None]],
) -> None:
    points = simulate(history)
    for i, p in enumerate(points):
        before, after = p.before.known_state, p.after.known_state
        if after.rank > before.rank:
            test = _outage if after is SloState.OUTAGE else _degraded
            assert held_for(points, i, test, POLICY.sustain), f"went {before} -> {after} at {p.at}"


@settings(max_examples=300, deadline=None)
@given(histories)
def test_a_condition_held_for_five_minutes_always_raises_the_state(
    history: list[tuple[timedelta, tuple[bool, bool] | None]],
) -> None:
    points = simulate(history)
    for i, p in enumerate(points):
        if held_for(points, i, _degraded, POLICY.sustain):
            assert p.after.state.rank >= SloState.DEGRADED.rank
        if held_for(points, i, _outage, POLICY.sustain):
            assert p.after.state is SloState.OUTAGE


@settings(max_examples=300, deadline=None)
@given(histories)
def test_the_state_goes_down_only_after_five_minutes_at_a_lower_level(
    history: list[tuple[timedelta, tuple[bool, bool] | None]],
) -> None:
    points = simulate(history)
    for i, p in enumerate(points):
        before, after = p.before.known_state, p.after.known_state
        if after.rank < before.rank:

            def lower(s: tuple[bool, bool], level: SloState = before) -> bool:
                instant = SloState.OUTAGE if s[1] else SloState.DEGRADED if s[0] else SloState.HEALTHY
                return instant.rank < level.rank

            assert held_for(points, i, lower, POLICY.recover_after), f"went {before} -> {after} at {p.at}"


@settings(max_examples=300, deadline=None)
@given(histories)
def test_missing_data_is_unknown_never_healthy_and_keeps_what_was_decided(
    history: list[tuple[timedelta, tuple[bool, bool] | None]],
) -> None:
    for p in simulate(history):
        if p.seen is None:
            assert p.after.state is SloState.UNKNOWN and p.after.reason == "down"
            assert p.after.known_state is p.before.known_state
            assert p.after.alerts - {"unknown"} == p.before.alerts - {"unknown"}
            unknown_for = p.at - (p.after.unknown_since or p.at)
            assert ("unknown" in p.after.alerts) == (unknown_for >= POLICY.unknown_page_after)
        else:
            assert p.after.state is not SloState.UNKNOWN and "unknown" not in p.after.alerts


@settings(max_examples=200, deadline=None)
@given(histories)
def test_evaluating_twice_at_the_same_instant_changes_nothing(
    history: list[tuple[timedelta, tuple[bool, bool] | None]],
) -> None:
    for p in simulate(history):
        again = step(p.after, None if p.seen is None else verdict(*p.seen), p.at, POLICY, "down")
        assert again == p.after


def test_a_worker_outage_does_not_count_as_held() -> None:
    points = simulate([(HALF_MINUTE, (True, False)), (timedelta(minutes=6), (True, False))])
    assert points[-1].after.state is SloState.HEALTHY
