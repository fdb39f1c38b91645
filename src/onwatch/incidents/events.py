"""What happens to incidents that other slices (or the incident's own reactions) handle
(onwatch.kernel.events)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from onwatch.incidents.domain.updates import PublicUpdate


@dataclass(frozen=True)
class IncidentResolved:
    """The owner resolved the incident: its role pages still open are stood down."""

    incident_id: int
    at: datetime


@dataclass(frozen=True)
class PublicUpdatePosted:
    """A public update was posted: the status page's subscribers hear of it."""

    incident_id: int
    title: str
    confidential: bool
    update: PublicUpdate
    at: datetime
