"""A review is created when an incident resolves, by the config's policy (PROCESS.md §10)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from onwatch.bootstrap import Onwatch
from onwatch.config.apply import apply_config
from onwatch.config.loader import load_config
from onwatch.incidents.commands import IncidentCommands
from onwatch.kernel.clock import FakeClock
from onwatch.kernel.enums import EventKind, Interface, Role, Severity
from onwatch.kernel.errors import InvalidInput
from onwatch.kernel.timeline import Actor
from onwatch.reviews.domain.enums import ReviewKind, ReviewStatus
from onwatch.reviews.domain.policy import review_refused
from tests.conftest import DEMO_CONFIG


def cli(person: str) -> Actor:
    return Actor.person(person, Interface.CLI)


def resolve_with_roles(
    incidents: IncidentCommands, clock: FakeClock, severity: Severity, *, imoc: bool = True
) -> int:
    """Declared by maria, the EOC lukas engages (and owns it), the IMOC nadia engages, resolved."""
    made = incidents.declare(cli("maria"), title="Checkout errors", severity=severity, services=["web"])
    assert made.id is not None
    clock.advance(timedelta(minutes=3))
    incidents.engage_role(made.id, Role.EOC, cli("lukas"))
    owner = "lukas"
    if imoc:
        clock.advance(timedelta(minutes=5))
        incidents.engage_role(made.id, Role.IMOC, cli("nadia"))
        owner = "nadia"
    clock.advance(timedelta(minutes=40))
    incidents.resolve(made.id, cli(owner))
    return made.id


def test_resolving_an_s2_creates_a_review_owned_by_the_eoc_due_in_14_days(
    onwatch: Onwatch, incidents: IncidentCommands, clock: FakeClock
) -> None:
    incident_id = resolve_with_roles(incidents, clock, Severity.S2)
    resolved_at = clock.now()
    review = onwatch.reviews.for_incident(incident_id)
    assert review is not None
    assert (review.kind, review.status, review.owner_id, review.conductor_id) == (
        ReviewKind.INCIDENT,
        ReviewStatus.DRAFT,
        "lukas",
        "nadia",
    )
    assert review.due_at == resolved_at + timedelta(days=14)
    assert review.severity is Severity.S2
    noted = [e for e in incidents.timeline(incident_id) if e.kind is EventKind.REVIEW]
    assert [e.message for e in noted] == [
        f"review #{review.id} created: owned by lukas, conducted by nadia, due {review.due_at:%Y-%m-%d}"
    ]


def test_an_s3_gets_no_review_unless_asked_and_then_only_once(
    onwatch: Onwatch, incidents: IncidentCommands, clock: FakeClock
) -> None:
    incident_id = resolve_with_roles(incidents, clock, Severity.S3, imoc=False)
    assert onwatch.reviews.for_incident(incident_id) is None
    made = onwatch.reviews.create_for_incident(incident_id, cli("lukas"))
    assert (made.owner_id, made.conductor_id) == ("lukas", None)
    with pytest.raises(InvalidInput, match="already has review"):
        onwatch.reviews.create_for_incident(incident_id, cli("lukas"))


def test_an_active_incident_cannot_be_reviewed_yet(onwatch: Onwatch, incidents: IncidentCommands) -> None:
    made = incidents.declare(cli("maria"), title="Slow", severity=Severity.S4)
    with pytest.raises(InvalidInput, match="not resolved") as refused:
        onwatch.reviews.create_for_incident(made.id or 0, cli("maria"))
    assert refused.value.field == "incident_id"


def test_resolving_again_after_a_reopen_keeps_the_one_review(
    onwatch: Onwatch, incidents: IncidentCommands, clock: FakeClock
) -> None:
    incident_id = resolve_with_roles(incidents, clock, Severity.S1)
    first = onwatch.reviews.for_incident(incident_id)
    incidents.reopen(incident_id, cli("nadia"))
    incidents.resolve(incident_id, cli("nadia"))
    again = onwatch.reviews.for_incident(incident_id)
    assert first is not None and again is not None and first.id == again.id


def test_only_the_severities_the_policy_names_may_have_a_review_asked_for(
    onwatch: Onwatch, incidents: IncidentCommands, clock: FakeClock
) -> None:
    text = DEMO_CONFIG.read_text()
    assert "\nreviews:\n" in text
    policy = text.replace("\nreviews:\n", "\nreviews:\n  optional: [S3]\n")
    apply_config(onwatch.db, load_config(policy), now=clock.now(), applied_by="tests")
    s4 = resolve_with_roles(incidents, clock, Severity.S4, imoc=False)
    with pytest.raises(InvalidInput, match=r"S4 incidents have no reviews here .*S1, S2, S3") as refused:
        onwatch.reviews.create_for_incident(s4, cli("lukas"))
    assert refused.value.field == "incident_id" and onwatch.reviews.for_incident(s4) is None
    s3 = resolve_with_roles(incidents, clock, Severity.S3, imoc=False)
    assert onwatch.reviews.create_for_incident(s3, cli("lukas")).severity is Severity.S3


@pytest.mark.parametrize(
    ("severity", "optional", "allowed"),
    [(Severity.S3, [Severity.S3, Severity.S4], True), (Severity.S4, [Severity.S3], False),
     (Severity.S1, [], True), (Severity.S4, [], False)],
)  # fmt: skip
def test_review_policy_table(severity: Severity, optional: list[Severity], allowed: bool) -> None:
    assert (review_refused(severity, [Severity.S1, Severity.S2], optional) is None) is allowed
