"""Which of a group's alerts speaks for it: the runbook and context shown at the top of its page."""

from __future__ import annotations

from collections.abc import Sequence

from onwatch.kernel.alert_context import AlertContext
from onwatch.paging.domain.alerts import AlertStatus
from onwatch.paging.store.groups import AlertRecord


def leading(alerts: Sequence[AlertRecord], contexts: Sequence[AlertContext]) -> AlertContext:
    """The context of the newest firing alert (the newest of all when none fires), as pages use."""
    if not alerts:
        return AlertContext()
    ranked = sorted(
        range(len(alerts)),
        key=lambda i: (alerts[i].status is AlertStatus.FIRING, alerts[i].last_seen, alerts[i].id),
    )
    return contexts[ranked[-1]]


def group_runbook(alerts: Sequence[AlertRecord], contexts: Sequence[AlertContext]) -> str:
    """The leading alert's runbook, else the first any alert names."""
    return leading(alerts, contexts).runbook_url or next(
        (c.runbook_url for c in contexts if c.runbook_url), ""
    )
