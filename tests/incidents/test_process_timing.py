"""The process's clocks (PROCESS.md §6, §9) as pure functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from onwatch.incidents.domain.cadence import DEFAULT_CADENCE
from onwatch.incidents.domain.incident import Incident
from onwatch.incidents.domain.rules import (
    communications_holder,
    investigating_deadline,
    next_reminder,
    next_update_due,
)
from onwatch.kernel.enums import Interface, Role, Severity, State
from onwatch.kernel.timeline import Actor
from onwatch.paging.domain.escalation import PolicySnapshot, Step, Target, TargetKind, role_page_policy

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def who(name: str) -> Actor:
    return Actor.person(name, Interface.API)


def test_update_cadence_is_the_table_of_process_md() -> None:
    minutes = {
        (sev, state): int(DEFAULT_CADENCE[sev][state].total_seconds() // 60)
        for sev in Severity
        for state in (State.INVESTIGATING, State.IDENTIFIED, State.MONITORING)
    }
    assert [minutes[(Severity.S1, s)] for s in (State.INVESTIGATING, State.IDENTIFIED, State.MONITORING)] == [
        10,
        10,
        30,
    ]
    assert [minutes[(Severity.S2, s)] for s in (State.INVESTIGATING, State.IDENTIFIED, State.MONITORING)] == [
        15,
        30,
        60,
    ]
    assert minutes[(Severity.S3, State.MONITORING)] == minutes[(Severity.S4, State.MONITORING)] == 60


def test_next_update_is_due_after_the_last_update_and_not_once_resolved_or_confidential() -> None:
    i = Incident.declare(title="x", severity=Severity.S1, actor=who("amara"), now=T0)
    assert next_update_due(i) == T0 + timedelta(minutes=10)
    i.post_update("we know", who("amara"), T0 + timedelta(minutes=4))
    assert next_update_due(i) == T0 + timedelta(minutes=14)
    i.flag_security(who("amara"), T0)
    assert next_update_due(i) is None


def test_reminders_go_to_the_engaged_cmoc_else_the_owner() -> None:
    i = Incident.declare(title="x", severity=Severity.S2, actor=who("amara"), now=T0)
    assert communications_holder(i) == "amara"
    i.assign_role(Role.CMOC, "sofia", who("nadia"), T0)
    assert communications_holder(i) == "amara", "asking the CMOC hands nothing over"
    i.engage_role(Role.CMOC, "sofia", who("sofia"), T0)
    assert communications_holder(i) == "sofia"


def test_the_investigating_clock_starts_when_the_eoc_engages_and_stops_with_the_imoc() -> None:
    i = Incident.declare(title="x", severity=Severity.S3, actor=who("lukas"), now=T0)
    assert investigating_deadline(i, timedelta(minutes=30)) is None
    i.engage_role(Role.EOC, "amara", who("amara"), T0 + timedelta(minutes=3))
    assert investigating_deadline(i, timedelta(minutes=30)) == T0 + timedelta(minutes=33)
    i.engage_role(Role.IMOC, "nadia", who("nadia"), T0 + timedelta(minutes=5))
    assert investigating_deadline(i, timedelta(minutes=30)) is None


@given(
    due_offset=st.integers(min_value=-10_000, max_value=10_000),
    interval=st.integers(min_value=1, max_value=120),
)
def test_a_reminder_slot_is_always_ahead_on_the_grid_and_never_more_than_one_interval_away(
    due_offset: int, interval: int
) -> None:
    due = T0 + timedelta(minutes=due_offset)
    step = timedelta(minutes=interval)
    slot = next_reminder(due, step, T0)
    assert slot > T0
    assert (slot - due) % step == timedelta(0)
    assert slot - T0 <= step or slot == due


def test_role_pages_follow_the_policy_from_their_role_and_unknown_roles_go_on_to_the_imoc() -> None:
    base = PolicySnapshot(
        id="default",
        name="EOC, IMOC, director",
        steps=(
            Step((Target(TargetKind.ROLE, "eoc"),), timedelta(minutes=15)),
            Step((Target(TargetKind.ROLE, "imoc"),), timedelta(minutes=15)),
            Step((Target(TargetKind.PERSON, "grace"),), timedelta(minutes=15)),
        ),
        repeat=1,
    )
    imoc = role_page_policy(base, Role.IMOC, timedelta(minutes=15))
    assert [t.ref for s in imoc.steps for t in s.targets] == ["imoc", "grace"] and imoc.repeat == 0
    cmoc = role_page_policy(base, Role.CMOC, timedelta(minutes=10))
    assert [t.ref for s in cmoc.steps for t in s.targets] == ["cmoc", "imoc", "grace"]
    assert cmoc.steps[0].delay == timedelta(minutes=10)
    alone = role_page_policy(None, Role.SECURITY, timedelta(minutes=15))
    assert [t.ref for s in alone.steps for t in s.targets] == ["security"]
