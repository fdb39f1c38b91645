"""The overdue digest (pure): when the next one goes out in a zone, which period it covers, and
what it says."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from onwatch.reviews.domain.actions import CorrectiveAction
from onwatch.reviews.domain.review import Review


@dataclass(frozen=True)
class DigestSlot:
    at: datetime  # UTC
    # what "once" means: one digest per ISO week ("2026-W50") or per local day ("2026-12-07")
    period: str


def next_slot(after: datetime, *, weekly: bool, weekday: int, at: time, zone: str) -> DigestSlot:
    """The first digest strictly after `after`: at the wall-clock time `at` in `zone`, on
    `weekday` (0 is Monday) when weekly, else every day. A wall time that a DST change skips that
    day goes out as the zone's offset before the change maps it (an hour later by the clock)."""
    tz = ZoneInfo(zone)
    day = after.astimezone(tz).date()
    for offset in range(9):
        candidate_day = day + timedelta(days=offset)
        if weekly and candidate_day.weekday() != weekday:
            continue
        candidate = datetime.combine(candidate_day, at, tzinfo=tz).astimezone(UTC)
        if candidate > after:
            if weekly:
                year, week, _ = candidate_day.isocalendar()
                return DigestSlot(candidate, f"{year}-W{week:02d}")
            return DigestSlot(candidate, candidate_day.isoformat())
    raise AssertionError("a week always holds the weekday")  # pragma: no cover


def _days(now: datetime, due: datetime) -> str:
    late = (now - due).days
    return "due today" if late < 1 else f"{late} day{'s' if late != 1 else ''} overdue"


def digest_message(
    reviews: Sequence[Review], actions: Sequence[CorrectiveAction], now: datetime
) -> tuple[str, str]:
    """(title, text) of a digest of these overdue reviews and corrective actions, oldest due first."""
    counts = []
    if reviews:
        counts.append(f"{len(reviews)} review{'s' if len(reviews) != 1 else ''}")
    if actions:
        counts.append(f"{len(actions)} corrective action{'s' if len(actions) != 1 else ''}")
    lines: list[str] = []
    if reviews:
        lines.append("Reviews past their due date:")
        for r in sorted(reviews, key=lambda r: (r.due_at, r.id or 0)):
            what = "near miss" if r.incident_id is None else f"incident #{r.incident_id}"
            lines.append(
                f"- review #{r.id} {r.title} ({what}, owner {r.owner_id}, {r.status.title}): "
                f"due {r.due_at:%Y-%m-%d}, {_days(now, r.due_at)}"
            )
    if actions:
        lines.append("Corrective actions past their due date:")
        for a in sorted(actions, key=lambda a: (a.due_at, a.id or 0)):
            lines.append(
                f"- corrective action #{a.id} {a.title} (review #{a.review_id}, owner {a.owner_id}, "
                f"{a.status.value}): due {a.due_at:%Y-%m-%d}, {_days(now, a.due_at)}"
            )
    return f"Overdue: {' and '.join(counts)}", "\n".join(lines)
