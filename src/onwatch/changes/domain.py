"""A change to a service, and the window in which it counts as "recent" (pure: kernel only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

# an incident or alert group shows the changes of its services made in the 24 hours before it began
RECENT = timedelta(hours=24)
MAX_RECENT = 50
MAX_LINKS = 10
MAX_SUMMARY = 1024
MAX_SOURCE = 255
MAX_HREF = 2048


@dataclass(frozen=True)
class Link:
    href: str
    text: str = ""


@dataclass(frozen=True)
class ChangeDraft:
    """A change as received, before it is stored."""

    service_id: str
    at: datetime
    summary: str
    source: str = ""
    links: tuple[Link, ...] = ()
    details: Any = None  # the sender's free-form custom_details (bounded in depth at the edge)
    integration_id: str | None = None
    reported_by: str | None = None


@dataclass(frozen=True)
class Change:
    id: int
    service_id: str
    at: datetime
    received_at: datetime
    summary: str
    source: str
    links: tuple[Link, ...] = ()
    details: Any = None
    integration_id: str | None = None
    reported_by: str | None = None

    def before(self, moment: datetime) -> timedelta:
        """How long before `moment` the change was made (negative: after it)."""
        return moment - self.at


def recent_window(began: datetime, now: datetime, lookback: timedelta = RECENT) -> tuple[datetime, datetime]:
    """The changes that may have set off something that began at `began`: from `lookback` before it
    until now (a change made while it is open is worth seeing too: a rollback, a fix)."""
    return began - lookback, max(began, now)


def safe_href(href: str) -> bool:
    """Only web links are shown as links: a `javascript:` href sent with a change cannot run."""
    return href.lower().startswith(("https://", "http://"))
