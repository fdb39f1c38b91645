"""What happens to incidents that other slices (or the incident's own reactions) handle
(onwatch.kernel.events)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from onwatch.incidents.domain.updates import PublicUpdate
from onwatch.kernel.enums import Severity
from onwatch.kernel.timeline import Actor


@dataclass(frozen=True)
class IncidentResolved:
    """The owner resolved the incident: its role pages still open are stood down."""

    incident_id: int
    at: datetime


@dataclass(frozen=True)
class ReviewConcluded:
    """The incident's review completed (published by the reviews slice): its final severity
    becomes the incident's, on the incident's timeline, with the Review-Completed label."""

    incident_id: int
    review_id: int
    final_severity: Severity
    actor: Actor
    at: datetime


@dataclass(frozen=True)
class ReviewReopened:
    """The incident's completed review was reopened: the label returns to Incident::Resolved."""

    incident_id: int
    review_id: int
    actor: Actor
    at: datetime


@dataclass(frozen=True)
class PublicUpdatePosted:
    """A public update was posted: the status page's subscribers hear of it."""

    incident_id: int
    title: str
    confidential: bool
    update: PublicUpdate
    at: datetime
