"""The state machine of PROCESS.md §6 and the label workflow that follows it."""

from __future__ import annotations

from onwatch.kernel.enums import Severity, State

# Forward along Investigating -> Identified -> Monitoring -> Resolved, Monitoring skippable;
# back when a cause proves wrong or impact recurs; Investigating -> Resolved for a false alarm.
# Leaving Resolved is a reopen, a separate command, so that it is always deliberate.
ALLOWED: dict[State, frozenset[State]] = {
    State.INVESTIGATING: frozenset({State.IDENTIFIED, State.RESOLVED}),
    State.IDENTIFIED: frozenset({State.INVESTIGATING, State.MONITORING, State.RESOLVED}),
    State.MONITORING: frozenset({State.INVESTIGATING, State.IDENTIFIED, State.RESOLVED}),
    State.RESOLVED: frozenset(),
}


def can_transition(current: State, target: State) -> bool:
    return target in ALLOWED[current]


def workflow_label(state: State, *, review_completed: bool = False) -> str:
    if state is State.RESOLVED:
        return "Incident::Review-Completed" if review_completed else "Incident::Resolved"
    if state is State.MONITORING:
        return "Incident::Mitigated"
    return "Incident::Active"


def labels(
    *,
    state: State,
    severity: Severity,
    services: list[str],
    review_requested: bool,
    review_completed: bool = False,
) -> list[str]:
    """Labels of PROCESS.md §4 and §6, derived from the incident (never stored separately)."""
    result = ["incident", *(f"Service::{s}" for s in services), f"Severity::{severity.value}"]
    result.append(workflow_label(state, review_completed=review_completed))
    if review_requested:
        result.append("review-requested")
    return result
