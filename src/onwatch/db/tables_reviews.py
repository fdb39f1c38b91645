"""Tables of the reviews slice (post-incident reviews, near misses, corrective actions), on the one
MetaData (onwatch.db.metadata); onwatch.db.tables imports them, so migrations and db copy see them."""

from __future__ import annotations

import sqlalchemy as sa

from onwatch.db.metadata import metadata
from onwatch.db.types import JSONType, UTCDateTime

reviews = sa.Table(
    "reviews",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(20), nullable=False),
    # one review per incident; a near miss has none
    sa.Column("incident_id", sa.Integer, sa.ForeignKey("incidents.id"), nullable=True, unique=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("severity", sa.SmallInteger, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("owner_id", sa.String(64), sa.ForeignKey("people.id"), nullable=False),
    sa.Column("conductor_id", sa.String(64), sa.ForeignKey("people.id"), nullable=True),
    sa.Column("services", JSONType, nullable=False),
    sa.Column("sections", JSONType, nullable=False),
    # the timeline facts frozen when the review was created, and the author's marks on its events
    sa.Column("prefill", JSONType, nullable=False),
    sa.Column("marks", JSONType, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("due_at", UTCDateTime, nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=True),
    sa.Column("submitted_at", UTCDateTime, nullable=True),
    sa.Column("completed_at", UTCDateTime, nullable=True),
    sa.Column("completed_by", sa.String(64), nullable=True),
    sa.Column("category", sa.String(40), nullable=True),
    sa.Column("final_severity", sa.SmallInteger, nullable=True),
    sa.Column("no_actions_reason", sa.Text, nullable=True),
    sa.Column("reported_by", sa.String(64), nullable=True),
    sa.Column("anonymous", sa.Boolean, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    # title, sections and near-miss facts in one text: what full-text search reads (migration 0018)
    sa.Column("search_text", sa.Text, nullable=False, server_default=""),
    sa.Index("ix_reviews_status_due_at", "status", "due_at"),
    sa.Index("ix_reviews_created_at", "created_at"),
)

# every saved version of a review's sections (a stale edit is refused, the history kept)
review_versions = sa.Table(
    "review_versions",
    metadata,
    sa.Column("review_id", sa.Integer, sa.ForeignKey("reviews.id"), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("sections", JSONType, nullable=False),
    sa.Column("author", sa.String(200), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
)

# a review's own history (a near miss has no incident timeline to land on)
review_events = sa.Table(
    "review_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("review_id", sa.Integer, sa.ForeignKey("reviews.id"), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("interface", sa.String(20), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("data", JSONType, nullable=False),
    sa.Index("ix_review_events_review_id_id", "review_id", "id"),
)

corrective_actions = sa.Table(
    "corrective_actions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("review_id", sa.Integer, sa.ForeignKey("reviews.id"), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("owner_id", sa.String(64), sa.ForeignKey("people.id"), nullable=False),
    sa.Column("due_at", UTCDateTime, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("link", sa.Text, nullable=True),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("external_url", sa.Text, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Index("ix_corrective_actions_review_id", "review_id"),
    sa.Index("ix_corrective_actions_status_due_at", "status", "due_at"),
)
