"""A resolved incident, scripted through the API on the fake clock."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from onwatch.kernel.clock import FakeClock
from tests.api_helpers import ClientFactory


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def resolved_incident(
    as_: ClientFactory, clock: FakeClock, severity: str = "S2", service: str = "web"
) -> int:
    """maria declares; the EOC lukas engages 3 minutes in, the IMOC nadia 5 minutes later; the
    status goes to Service Disruption; nadia resolves 40 minutes after that."""
    maria, lukas, nadia = as_("maria"), as_("lukas"), as_("nadia")
    incident = ok(
        maria.post(
            "/api/v1/incidents",
            json={"title": "Checkout errors", "severity": severity, "services": [service]},
        ),
        201,
    )
    n = incident["id"]
    clock.advance(timedelta(minutes=3))
    ok(lukas.post(f"/api/v1/incidents/{n}/roles/eoc/engage", json={}))
    clock.advance(timedelta(minutes=5))
    ok(nadia.post(f"/api/v1/incidents/{n}/roles/imoc/engage", json={}))
    ok(nadia.post(f"/api/v1/incidents/{n}/status", json={"status": "service_disruption"}))
    clock.advance(timedelta(minutes=40))
    ok(nadia.post(f"/api/v1/incidents/{n}/resolve"))
    return int(n)
