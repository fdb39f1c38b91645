"""PROCESS.md §9: public updates, and security incidents kept confidential (pure domain)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from onwatch.incidents.domain.incident import Incident
from onwatch.kernel.enums import EventKind, Interface, Severity, State, Status
from onwatch.kernel.errors import InvalidInput, InvalidTransition, NotOwner
from onwatch.kernel.timeline import Actor

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def who(name: str) -> Actor:
    return Actor.person(name, Interface.API)


def test_a_public_update_records_state_and_status_and_resets_the_update_clock() -> None:
    i = Incident.declare(title="Web is slow", severity=Severity.S3, actor=who("amara"), now=T0)
    i.change_state(State.IDENTIFIED, who("amara"), T0)
    update = i.post_update(
        "  We found a bad deploy and are rolling back.  ", who("amara"), T0 + timedelta(minutes=7)
    )
    assert (update.state, update.status, update.body) == (
        State.IDENTIFIED,
        Status.DEGRADED_PERFORMANCE,
        "We found a bad deploy and are rolling back.",
    )
    assert i.last_public_update_at == T0 + timedelta(minutes=7)
    assert i.new_events[-1].kind is EventKind.PUBLIC_UPDATE
    assert "rolling back" in i.new_events[-1].message


def test_an_empty_update_is_refused_naming_the_field() -> None:
    i = Incident.declare(title="Web is slow", severity=Severity.S3, actor=who("amara"), now=T0)
    with pytest.raises(InvalidInput) as err:
        i.post_update("   ", who("amara"), T0)
    assert err.value.field == "body"
    assert i.last_public_update_at is None


def test_a_security_incident_is_confidential_and_cannot_be_posted_publicly_until_disclosed() -> None:
    i = Incident.declare(
        title="Leaked token", severity=Severity.S2, actor=who("amara"), now=T0, security=True
    )
    assert i.security and i.confidential
    with pytest.raises(InvalidTransition, match="confidential"):
        i.post_update("We are investigating.", who("amara"), T0)
    with pytest.raises(NotOwner, match="only the owner, amara"):
        i.disclose(who("lukas"), T0)
    i.disclose(who("amara"), T0)
    assert not i.confidential and i.security
    i.post_update("A vulnerability was fixed.", who("amara"), T0)
    assert [e.kind for e in i.new_events].count(EventKind.DISCLOSED) == 1


def test_only_the_owner_withholds_the_public_post_of_a_security_incident_with_a_reason() -> None:
    i = Incident.declare(
        title="Leaked token", severity=Severity.S3, actor=who("amara"), now=T0, security=True
    )
    with pytest.raises(NotOwner):
        i.withhold_public_post("fix not shipped to self-managed yet", who("lukas"), T0)
    with pytest.raises(InvalidInput) as err:
        i.withhold_public_post("", who("amara"), T0)
    assert err.value.field == "reason"
    i.withhold_public_post("fix not shipped to self-managed yet", who("amara"), T0)
    assert i.public_withheld_reason == "fix not shipped to self-managed yet"
    ordinary = Incident.declare(title="Slow", severity=Severity.S3, actor=who("amara"), now=T0)
    with pytest.raises(InvalidTransition, match="only a security incident"):
        ordinary.withhold_public_post("no", who("amara"), T0)
