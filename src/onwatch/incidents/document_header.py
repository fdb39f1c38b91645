"""The working document's header follows the incident: after a state, status, severity, title or
owner change, its header (everything before the first `## ` section) is rendered again from the
document template and saved as a new version by onwatch; the sections people write are kept."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from onwatch.config.cache import AppliedConfig
from onwatch.db.uow import UnitOfWork
from onwatch.incidents import announcements
from onwatch.incidents.domain.incident import Incident
from onwatch.incidents.store.documents import DocumentRepository
from onwatch.kernel.enums import EventKind
from onwatch.kernel.errors import NotFound
from onwatch.kernel.timeline import TimelineEvent

SHOWN = frozenset(
    {
        EventKind.STATE_CHANGED,
        EventKind.REOPENED,
        EventKind.STATUS_CHANGED,
        EventKind.SEVERITY_CHANGED,
        EventKind.TITLE_CHANGED,
        EventKind.OWNER_CHANGED,
    }
)
AUTHOR = "onwatch"


def _split(text: str) -> tuple[str, str]:
    """(header, the rest from the first `## ` section on)."""
    at = text.find("\n## ")
    return (text, "") if at < 0 else (text[: at + 1], text[at + 1 :])


def refresh_header(
    uow: UnitOfWork,
    applied: AppliedConfig,
    public_url: str,
    incident: Incident,
    events: Sequence[TimelineEvent],
    now: datetime,
) -> None:
    assert incident.id is not None
    if not any(e.kind in SHOWN for e in events):
        return
    repo = uow.repo(DocumentRepository)
    try:
        latest = repo.document(incident.id)
    except NotFound:  # declared without a working document
        return
    header, rest = _split(latest.body)
    fresh, _ = _split(announcements.document(incident, applied, public_url))
    if fresh == header:
        return
    repo.add_document_version(incident.id, latest.version + 1, fresh + rest, AUTHOR, now)
