"""The public update cadence of PROCESS.md §9: when the next status page update is due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onwatch.incidents.domain.cadence import DEFAULT_CADENCE, update_due
from onwatch.kernel.enums import Severity, State

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("severity", "state", "minutes"),
    [
        (Severity.S1, State.INVESTIGATING, 10),
        (Severity.S1, State.IDENTIFIED, 10),
        (Severity.S1, State.MONITORING, 30),
        (Severity.S2, State.INVESTIGATING, 15),
        (Severity.S2, State.IDENTIFIED, 30),
        (Severity.S2, State.MONITORING, 60),
        (Severity.S3, State.INVESTIGATING, 15),
        (Severity.S3, State.IDENTIFIED, 30),
        (Severity.S4, State.MONITORING, 60),
    ],
)
def test_next_update_is_due_after_the_process_table_minutes(
    severity: Severity, state: State, minutes: int
) -> None:
    assert update_due(severity, state, T0) == T0 + timedelta(minutes=minutes)


@pytest.mark.parametrize("severity", list(Severity))
def test_no_update_is_due_once_resolved(severity: Severity) -> None:
    assert update_due(severity, State.RESOLVED, T0) is None


def test_the_configured_cadence_replaces_the_default() -> None:
    custom = {Severity.S2: {State.INVESTIGATING: timedelta(minutes=5)}}
    assert update_due(Severity.S2, State.INVESTIGATING, T0, custom) == T0 + timedelta(minutes=5)
    # a severity the configuration does not mention keeps the default
    assert update_due(Severity.S1, State.INVESTIGATING, T0, custom) == T0 + timedelta(minutes=10)


@given(st.sampled_from(list(Severity)), st.sampled_from([s for s in State if s is not State.RESOLVED]))
def test_worse_incidents_never_wait_longer_than_milder_ones(severity: Severity, state: State) -> None:
    due = update_due(severity, state, T0)
    assert due is not None and due > T0
    for milder in Severity:
        if milder > severity:
            milder_due = update_due(milder, state, T0)
            assert milder_due is not None and due <= milder_due
    assert set(DEFAULT_CADENCE) == set(Severity)
