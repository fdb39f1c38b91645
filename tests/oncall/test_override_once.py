"""`onwatch override add --once`: a script of overrides (an import's) can run again and add nothing."""

from __future__ import annotations

from datetime import timedelta

from onwatch.bootstrap import Onwatch
from onwatch.config.schema import OnwatchConfig
from onwatch.kernel.clock import FakeClock
from onwatch.kernel.timeline import Actor, Interface
from onwatch.oncall.commands import OnceOutcome

NADIA = Actor("nadia", Interface.CLI, "nadia")


def test_an_override_added_once_is_left_as_it_is_the_second_time(
    onwatch: Onwatch, org: OnwatchConfig, clock: FakeClock
) -> None:
    start = clock.now() + timedelta(days=2)
    end = start + timedelta(hours=3)
    first, made = onwatch.oncall.add_override_once("sre-8-hour", "ravi", start, end, NADIA, "imported")
    second, found = onwatch.oncall.add_override_once("sre-8-hour", "ravi", start, end, NADIA, "imported")
    assert (first, second) == (OnceOutcome.ADDED, OnceOutcome.PRESENT)
    assert made is not None and found is not None and found.id == made.id
    assert [o.id for o in onwatch.oncall.overrides("sre-8-hour", start, end)] == [made.id]


def test_an_override_that_has_ended_by_the_time_the_script_runs_is_skipped(
    onwatch: Onwatch, org: OnwatchConfig, clock: FakeClock
) -> None:
    start = clock.now() + timedelta(hours=1)
    end = start + timedelta(hours=3)
    clock.advance(timedelta(hours=5))  # the script runs after the override is over
    assert onwatch.oncall.add_override_once("sre-8-hour", "ravi", start, end, NADIA) == (
        OnceOutcome.ENDED,
        None,
    )
    assert onwatch.oncall.overrides("sre-8-hour", start, end) == []


def test_an_other_override_of_the_same_range_is_still_added(
    onwatch: Onwatch, org: OnwatchConfig, clock: FakeClock
) -> None:
    start = clock.now() + timedelta(days=1)
    end = start + timedelta(hours=2)
    onwatch.oncall.add_override_once("sre-8-hour", "ravi", start, end, NADIA)
    outcome, _ = onwatch.oncall.add_override_once("sre-8-hour", "aiko", start, end, NADIA)
    assert outcome is OnceOutcome.ADDED
    assert sorted(o.person for o in onwatch.oncall.overrides("sre-8-hour", start, end)) == ["aiko", "ravi"]
