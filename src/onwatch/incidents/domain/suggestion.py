"""What an alert group suggests for the incident declared from it (PROCESS.md §8): SLO detection's
alerts carry `suggested_severity` and `suggested_status` labels (S1 / Service Disruption for an
outage); the worst among the group's alerts is taken, and the declarer may override it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping

from onwatch.kernel.enums import Severity, Status

# worst first: what the public must hear about most
_STATUS_ORDER = [
    Status.SERVICE_DISRUPTION,
    Status.PARTIAL_SERVICE_DISRUPTION,
    Status.SECURITY_ISSUE,
    Status.DEGRADED_PERFORMANCE,
]


def suggested(labels: Iterable[Mapping[str, object]]) -> tuple[Severity | None, Status | None]:
    severities: list[Severity] = []
    statuses: list[Status] = []
    for alert in labels:
        with contextlib.suppress(ValueError):
            severities.append(Severity.parse(alert.get("suggested_severity", "")))
        try:
            status = Status(str(alert.get("suggested_status", "")))
        except ValueError:
            continue
        if status in _STATUS_ORDER:
            statuses.append(status)
    return (
        min(severities) if severities else None,
        min(statuses, key=_STATUS_ORDER.index) if statuses else None,
    )
