"""Tables of the incidents slice beyond the incident itself: responders paged beyond the four roles,
and the ticks of each role's checklist. On the MetaData of onwatch.db.tables (which imports this
module), so the migration check and `onwatch db copy` cover them."""

from __future__ import annotations

import sqlalchemy as sa

from onwatch.db.metadata import metadata
from onwatch.db.types import JSONType, UTCDateTime

# "someone who knows X" or a named person, paged for an incident (PROCESS.md §2 rule 8); each is an
# alert group of its own whose escalation climbs the paged people's managers
incident_responders = sa.Table(
    "incident_responders",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("incident_id", sa.Integer, sa.ForeignKey("incidents.id"), nullable=False, index=True),
    sa.Column("group_id", sa.Integer, sa.ForeignKey("alert_groups.id"), nullable=False, unique=True),
    sa.Column("expertise", sa.String(64), nullable=True),  # None: a named person was asked for
    sa.Column("paged", JSONType, nullable=False),  # the person ids the first step paged
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("requested_by", sa.String(200), nullable=False),
    sa.Column("asked_at", UTCDateTime, nullable=False),
    sa.Column("joined_by", sa.String(64), sa.ForeignKey("people.id"), nullable=True),
    sa.Column("joined_at", UTCDateTime, nullable=True),
)

# a ticked item of a role's checklist on an incident (`roles.<role>.checklist[].id`)
checklist_ticks = sa.Table(
    "checklist_ticks",
    metadata,
    sa.Column("incident_id", sa.Integer, sa.ForeignKey("incidents.id"), primary_key=True),
    sa.Column("role", sa.String(20), primary_key=True),
    sa.Column("item", sa.String(64), primary_key=True),
    sa.Column("ticked_by", sa.String(64), sa.ForeignKey("people.id"), nullable=False),
    sa.Column("ticked_at", UTCDateTime, nullable=False),
)
