"""Review repository: the aggregate, its section versions and its own history, in one transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from onwatch.db.tables import incidents
from onwatch.db.tables_reviews import corrective_actions, review_events, review_versions, reviews
from onwatch.db.versioned import update_versioned
from onwatch.kernel.enums import Interface, Severity
from onwatch.kernel.errors import NotFound
from onwatch.reviews.domain.enums import KeyEventTag, ReviewEventKind, ReviewKind, ReviewStatus, RootCause
from onwatch.reviews.domain.review import KeyEventMark, Review, ReviewEvent


@dataclass(frozen=True)
class ReviewFilter:
    status: ReviewStatus | None = None
    kind: ReviewKind | None = None
    owner: str | None = None
    overdue_at: datetime | None = None  # only reviews not completed and due before this instant
    incident_ids: frozenset[int] | None = None
    hidden_incidents: frozenset[int] = frozenset()
    limit: int = 100
    offset: int = 0


@dataclass(frozen=True)
class SectionsVersion:
    review_id: int
    version: int
    sections: Mapping[str, str]
    author: str
    at: datetime


def _marks_out(marks: Mapping[int, KeyEventMark]) -> dict[str, Any]:
    return {
        str(k): {
            "starred": m.starred,
            "hidden": m.hidden,
            "tag": m.tag.value if m.tag else None,
            "note": m.note,
        }
        for k, m in marks.items()
    }


def _marks_in(raw: Mapping[str, Any]) -> dict[int, KeyEventMark]:
    return {
        int(k): KeyEventMark(
            starred=bool(v.get("starred")),
            hidden=bool(v.get("hidden")),
            tag=KeyEventTag(v["tag"]) if v.get("tag") else None,
            note=str(v.get("note") or ""),
        )
        for k, v in raw.items()
    }


def search_text(r: Review) -> str:
    """What full-text search finds a review by: its title and every section."""
    return "\n".join([r.title, *(text for text in r.sections.values() if text)])


# what a list of reviews shows (find())
_WIDE = {"sections", "prefill", "marks", "search_text"}
_LISTED = [c for c in reviews.c if c.name not in _WIDE]


class ReviewRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        # the version each review had when this unit of work read it: save() writes only over that
        self._read_versions: dict[int, int] = {}

    # ---- writing -------------------------------------------------------------------------------

    def add(self, review: Review, author: str) -> int:
        new_id = self.conn.execute(
            sa.insert(reviews).values(self._row(review)).returning(reviews.c.id)
        ).scalar_one()
        review.id = int(new_id)
        self._read_versions[review.id] = review.version
        self._save_version(review, author)
        self._flush_events(review)
        return review.id

    def save(self, review: Review, author: str) -> None:
        """Write the review and, when the sections changed, the new version of them;
        ConcurrentModification (409) if someone saved it since it was read."""
        if review.id is None:
            raise ValueError("save() needs a stored review; use add()")
        read = self._read_versions.get(review.id)
        if read is None:
            raise ValueError("save() needs a review read whole (get(), for_incident()), not a listed one")
        update_versioned(self.conn, reviews, review.id, read, self._row(review), what=f"review {review.id}")
        self._read_versions[review.id] = review.version
        if review.edited:
            self._save_version(review, author)
            review.edited = False
        self._flush_events(review)

    def _save_version(self, review: Review, author: str) -> None:
        self.conn.execute(
            sa.insert(review_versions).values(
                review_id=review.id,
                version=review.version,
                sections=dict(review.sections),
                author=author,
                at=review.new_events[-1].at if review.new_events else review.created_at,
            )
        )

    def _flush_events(self, review: Review) -> None:
        if review.new_events:
            self.conn.execute(
                sa.insert(review_events),
                [
                    {
                        "review_id": review.id,
                        "at": e.at,
                        "kind": e.kind.value,
                        "actor": e.actor,
                        "interface": e.interface.value,
                        "message": e.message,
                        "data": dict(e.data),
                    }
                    for e in review.new_events
                ],
            )
            review.new_events = []

    @staticmethod
    def _row(r: Review) -> dict[str, Any]:
        return {
            "kind": r.kind.value,
            "incident_id": r.incident_id,
            "title": r.title,
            "severity": int(r.severity),
            "status": r.status.value,
            "owner_id": r.owner_id,
            "conductor_id": r.conductor_id,
            "services": list(r.services),
            "sections": dict(r.sections),
            "prefill": dict(r.prefill),
            "marks": _marks_out(r.marks),
            "created_at": r.created_at,
            "due_at": r.due_at,
            "started_at": r.started_at,
            "submitted_at": r.submitted_at,
            "completed_at": r.completed_at,
            "completed_by": r.completed_by,
            "category": r.category.value if r.category else None,
            "final_severity": int(r.final_severity) if r.final_severity else None,
            "no_actions_reason": r.no_actions_reason,
            "reported_by": r.reported_by,
            "anonymous": r.anonymous,
            "version": r.version,
            "search_text": search_text(r),
        }

    # ---- reading -------------------------------------------------------------------------------

    def get(self, review_id: int, *, for_update: bool = False) -> Review:
        query = sa.select(reviews).where(reviews.c.id == review_id)
        if for_update:
            query = query.with_for_update()
        row = self.conn.execute(query).mappings().first()
        if row is None:
            raise NotFound(f"review {review_id} does not exist", field="review_id")
        return self._read(row)

    def for_incident(self, incident_id: int, *, for_update: bool = False) -> Review | None:
        query = sa.select(reviews).where(reviews.c.incident_id == incident_id)
        if for_update:
            query = query.with_for_update()
        row = self.conn.execute(query).mappings().first()
        return self._read(row) if row is not None else None

    def _read(self, row: sa.RowMapping) -> Review:
        review = self._load(row)
        assert review.id is not None
        self._read_versions[review.id] = review.version
        return review

    def for_incidents(self, incident_ids: Sequence[int]) -> dict[int, Review]:
        if not incident_ids:
            return {}
        rows = self.conn.execute(sa.select(reviews).where(reviews.c.incident_id.in_(list(incident_ids))))
        found = [self._load(r) for r in rows.mappings()]
        return {r.incident_id: r for r in found if r.incident_id is not None}

    def by_ids(self, review_ids: Sequence[int]) -> list[Review]:
        if not review_ids:
            return []
        rows = self.conn.execute(sa.select(reviews).where(reviews.c.id.in_(list(review_ids))))
        return [self._load(r) for r in rows.mappings()]

    def find(self, flt: ReviewFilter) -> list[Review]:
        """The reviews a list shows, newest first, read without their sections, prefill and marks
        (the wide columns no list shows, which cost most of a list's time): get() reads one whole,
        and only a review read whole can be saved."""
        query = sa.select(*_LISTED).order_by(reviews.c.id.desc()).limit(flt.limit).offset(flt.offset)
        if flt.status is not None:
            query = query.where(reviews.c.status == flt.status.value)
        if flt.kind is not None:
            query = query.where(reviews.c.kind == flt.kind.value)
        if flt.owner is not None:
            query = query.where(reviews.c.owner_id == flt.owner)
        if flt.overdue_at is not None:
            query = query.where(
                reviews.c.status != ReviewStatus.COMPLETED.value, reviews.c.due_at < flt.overdue_at
            )
        if flt.incident_ids is not None:
            query = query.where(reviews.c.incident_id.in_(sorted(flt.incident_ids)))
        if flt.hidden_incidents:
            query = query.where(
                sa.or_(
                    reviews.c.incident_id.is_(None),
                    reviews.c.incident_id.not_in(sorted(flt.hidden_incidents)),
                )
            )
        return [self._load(r) for r in self.conn.execute(query).mappings()]

    def events(self, review_id: int) -> list[ReviewEvent]:
        rows = self.conn.execute(
            sa.select(review_events)
            .where(review_events.c.review_id == review_id)
            .order_by(review_events.c.id)
        ).mappings()
        return [
            ReviewEvent(
                at=r["at"],
                kind=ReviewEventKind(r["kind"]),
                actor=r["actor"],
                interface=Interface(r["interface"]),
                message=r["message"],
                data=r["data"],
                id=r["id"],
            )
            for r in rows
        ]

    def versions(self, review_id: int) -> list[SectionsVersion]:
        rows = self.conn.execute(
            sa.select(review_versions)
            .where(review_versions.c.review_id == review_id)
            .order_by(review_versions.c.version)
        ).mappings()
        return [
            SectionsVersion(r["review_id"], r["version"], r["sections"], r["author"], r["at"]) for r in rows
        ]

    def of_confidential_incidents(self) -> set[int]:
        """The reviews of confidential (security) incidents: what only their circle may see."""
        rows = self.conn.execute(
            sa.select(reviews.c.id)
            .join(incidents, incidents.c.id == reviews.c.incident_id)
            .where(incidents.c.confidential.is_(True))
        )
        return {int(r[0]) for r in rows}

    def open_action_counts(self, review_ids: Sequence[int]) -> dict[int, int]:
        """Corrective actions not done or dropped, per review."""
        if not review_ids:
            return {}
        rows = self.conn.execute(
            sa.select(corrective_actions.c.review_id, sa.func.count())
            .where(
                corrective_actions.c.review_id.in_(list(review_ids)),
                corrective_actions.c.status.in_(["open", "in_progress"]),
            )
            .group_by(corrective_actions.c.review_id)
        )
        return {int(r[0]): int(r[1]) for r in rows}

    @staticmethod
    def _load(r: sa.RowMapping) -> Review:
        """A review from its row (the whole row, or the listed columns: then without sections,
        prefill and marks)."""
        return Review(
            id=r["id"],
            kind=ReviewKind(r["kind"]),
            incident_id=r["incident_id"],
            title=r["title"],
            severity=Severity(r["severity"]),
            status=ReviewStatus(r["status"]),
            owner_id=r["owner_id"],
            conductor_id=r["conductor_id"],
            services=list(r["services"]),
            sections=dict(r.get("sections") or {}),
            prefill=dict(r.get("prefill") or {}),
            marks=_marks_in(r.get("marks") or {}),
            created_at=r["created_at"],
            due_at=r["due_at"],
            started_at=r["started_at"],
            submitted_at=r["submitted_at"],
            completed_at=r["completed_at"],
            completed_by=r["completed_by"],
            category=RootCause(r["category"]) if r["category"] else None,
            final_severity=Severity(r["final_severity"]) if r["final_severity"] else None,
            no_actions_reason=r["no_actions_reason"],
            reported_by=r["reported_by"],
            anonymous=r["anonymous"],
            version=r["version"],
        )
