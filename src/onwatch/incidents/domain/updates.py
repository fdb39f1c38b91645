"""Public status updates of an incident (PROCESS.md §9): what customers read on the status page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from onwatch.kernel.enums import State, Status
from onwatch.kernel.errors import InvalidInput

MAX_UPDATE = 5_000
MAX_REASON = 2_000


@dataclass(frozen=True)
class PublicUpdate:
    """One post on the status page, with the state and status the incident had when it was posted."""

    at: datetime
    state: State
    status: Status
    body: str
    author: str
    id: int | None = None


def clean_body(text: str, *, field: str = "body", limit: int = MAX_UPDATE) -> str:
    body = text.strip()
    if not body:
        raise InvalidInput(f"{field} must not be empty", field=field)
    if len(body) > limit:
        raise InvalidInput(f"{field} is longer than {limit} characters", field=field)
    return body
