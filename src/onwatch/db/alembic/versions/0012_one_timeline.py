"""one timeline: alert group events move into timeline_events, written once

Until now an incident's timeline held copies of its alert groups' events: pages, acknowledgements
and resolutions were written to both tables, and linking a group copied its whole history with
the kinds rewritten. Now every event is one row naming its incident or its alert group, and an
incident's timeline reads its linked groups' pages and acknowledgements where they were written.

Moving the rows: a copy is recognised by its group number and message ("alert group #7: paged
amara ...", same instant) and paired with its original. A copy of a page, acknowledgement or
resolution is dropped (the incident shows the original); a copy of anything else made at link time
stays on the incident as it was (the incident still shows it; the group has its own). Rows get new
ids in the order the incident saw them: an original takes its copy's place, so both timelines read
in the same order as before. The role a page was for becomes a column, read once here from the
display text it was parsed from until now ("IMOC (by amara)" is a page to the IMOC).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 09:00:00
"""

from __future__ import annotations

from collections import defaultdict, deque
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

import onwatch.db.types

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_ROLES = {"eoc", "imoc", "cmoc", "security"}
# group event kinds an incident shows for its linked groups, and as what (kernel EventKind.on_incident)
_ON_INCIDENT = {
    "paged": "paged",
    "nobody_on_call": "paged",
    "escalation_exhausted": "paged",
    "acknowledged": "alerts_acknowledged",
    "resolved": "alerts_resolved",
}
_AFTER_EVERYTHING = 1 << 62

_json = onwatch.db.types.JSONType
_at = onwatch.db.types.UTCDateTime


def _common() -> tuple[sa.ColumnClause[Any], ...]:
    return (
        sa.column("id", sa.Integer),
        sa.column("at", _at),
        sa.column("kind", sa.String),
        sa.column("actor", sa.String),
        sa.column("interface", sa.String),
        sa.column("message", sa.Text),
        sa.column("data", _json),
    )


_old_incident = sa.table("timeline_events", sa.column("incident_id", sa.Integer), *_common())
_old_group = sa.table("alert_group_events", sa.column("group_id", sa.Integer), *_common())
_new = sa.table(
    "timeline_events",
    sa.column("incident_id", sa.Integer),
    sa.column("group_id", sa.Integer),
    sa.column("role", sa.String),
    sa.column("person", sa.String),
    *_common(),
)

Key = tuple[datetime, int, int, int, int]


def upgrade() -> None:
    conn = op.get_bind()
    incident_rows = [
        dict(r) for r in conn.execute(sa.select(_old_incident).order_by(_old_incident.c.id)).mappings()
    ]
    group_rows = [dict(r) for r in conn.execute(sa.select(_old_group).order_by(_old_group.c.id)).mappings()]
    with op.batch_alter_table("timeline_events") as batch:
        batch.alter_column("incident_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("group_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("role", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("person", sa.String(length=64), nullable=True))
        batch.create_foreign_key(
            op.f("fk_timeline_events_group_id_alert_groups"), "alert_groups", ["group_id"], ["id"]
        )
        batch.create_index("ix_timeline_events_group_id_id", ["group_id", "id"], unique=False)
    op.create_index("ix_alert_groups_incident_id", "alert_groups", ["incident_id"])
    rows = merged(incident_rows, group_rows)
    conn.execute(sa.delete(_new))
    for start in range(0, len(rows), 1000):
        conn.execute(sa.insert(_new), rows[start : start + 1000])
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(
            "SELECT setval(pg_get_serial_sequence('timeline_events', 'id'), "
            "COALESCE((SELECT max(id) FROM timeline_events), 0) + 1, false)"
        )
    op.drop_index("ix_alert_group_events_group_id_id", table_name="alert_group_events")
    op.drop_table("alert_group_events")


def merged(incident_rows: list[dict[str, Any]], group_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Both tables' rows as one timeline in the order the incidents showed them, with new ids."""
    originals: dict[tuple[int, datetime, str], deque[dict[str, Any]]] = defaultdict(deque)
    for g in group_rows:
        originals[(g["group_id"], g["at"], g["message"])].append(g)
    anchor: dict[int, int] = {}  # group row id -> id of its copy on an incident timeline
    kept: list[dict[str, Any]] = []
    for row in incident_rows:
        group_id = row["data"].get("alert_group") if isinstance(row["data"], dict) else None
        prefix = f"alert group #{group_id}: "
        if isinstance(group_id, int) and row["message"].startswith(prefix):
            candidates = originals.get((group_id, row["at"], row["message"][len(prefix) :]))
            if candidates:
                original = candidates.popleft()
                anchor[original["id"]] = row["id"]
                if original["kind"] in _ON_INCIDENT:
                    continue  # the incident shows the original from now on
        kept.append(row)
    keyed: list[tuple[Key, dict[str, Any]]] = [
        ((r["at"], r["id"], 0, 0, r["id"]), _incident_event(r)) for r in kept
    ]
    by_group: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for g in group_rows:
        by_group[g["group_id"]].append(g)
    for events in by_group.values():
        keyed += zip(_group_keys(events, anchor), map(_group_event, events), strict=True)
    keyed.sort(key=lambda pair: pair[0])
    return [{**event, "id": n} for n, (_key, event) in enumerate(keyed, start=1)]


def _group_keys(events: list[dict[str, Any]], anchor: dict[int, int]) -> list[Key]:
    """Sort keys for one group's rows (in id order): a row copied to an incident sits where its
    copy sat; one not copied sits next to the nearest copied row of the same instant; a group's
    rows keep their own order whatever happens."""
    copied_at: dict[datetime, list[int]] = defaultdict(list)  # instant -> positions of copied rows
    for i, g in enumerate(events):
        if g["id"] in anchor:
            copied_at[g["at"]].append(i)
    keys: list[Key] = []
    for i, g in enumerate(events):
        copied = copied_at.get(g["at"], [])
        later = [j for j in copied if j >= i]
        nearest = later[0] if later else (copied[-1] if copied else None)
        if nearest is None:
            key: Key = (g["at"], _AFTER_EVERYTHING, 0, 1, g["id"])
        else:
            key = (g["at"], anchor[events[nearest]["id"]], i - nearest, 1, g["id"])
        if keys and key <= keys[-1]:
            key = (*keys[-1][:4], g["id"])
        keys.append(key)
    return keys


def _incident_event(r: dict[str, Any]) -> dict[str, Any]:
    role = r["data"].get("role") if r["kind"] == "paged" else None
    return {
        **{k: r[k] for k in ("at", "kind", "actor", "interface", "message", "data", "incident_id")},
        "group_id": None,
        "role": role if role in _ROLES else None,
        "person": None,
    }


def _group_event(g: dict[str, Any]) -> dict[str, Any]:
    role = person = None
    if g["kind"] == "paged":
        via = str(g["data"].get("via", "")).split(" (by ", 1)[0].lower()
        role = via if via in _ROLES else None
        person = g["data"].get("person")
    return {
        **{k: g[k] for k in ("at", "kind", "actor", "interface", "message", "data", "group_id")},
        "incident_id": None,
        "role": role,
        "person": str(person) if person is not None else None,
    }


def downgrade() -> None:
    """Back to two tables: group events return to alert_group_events, and the incident copies of
    its linked groups' pages and acknowledgements are written again where the incident showed them."""
    conn = op.get_bind()
    rows = [dict(r) for r in conn.execute(sa.select(_new).order_by(_new.c.id)).mappings()]
    query = sa.text("SELECT id, incident_id FROM alert_groups WHERE incident_id IS NOT NULL")
    linked = {int(g): int(n) for g, n in conn.execute(query)}
    op.create_table(
        "alert_group_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("at", _at(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("interface", sa.String(length=20), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("data", _json, nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["alert_groups.id"], name=op.f("fk_alert_group_events_group_id_alert_groups")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_group_events")),
    )
    op.create_index("ix_alert_group_events_group_id_id", "alert_group_events", ["group_id", "id"])
    fields = ("at", "kind", "actor", "interface", "message", "data")
    groups: list[dict[str, Any]] = []
    incidents: list[dict[str, Any]] = []
    for r in rows:  # in timeline order, so the copies land where the incident showed them
        values = {k: r[k] for k in fields}
        if r["group_id"] is None:
            incidents.append({**values, "incident_id": r["incident_id"]})
            continue
        groups.append({**values, "group_id": r["group_id"]})
        incident_id = linked.get(r["group_id"])
        if incident_id is not None and r["kind"] in _ON_INCIDENT:
            incidents.append(
                {
                    **values,
                    "incident_id": incident_id,
                    "kind": _ON_INCIDENT[r["kind"]],
                    "message": f"alert group #{r['group_id']}: {r['message']}",
                    "data": {"alert_group": r["group_id"], **r["data"]},
                }
            )
    conn.execute(sa.delete(_new))
    op.drop_index("ix_alert_groups_incident_id", table_name="alert_groups")
    with op.batch_alter_table("timeline_events") as batch:
        batch.drop_index("ix_timeline_events_group_id_id")
        batch.drop_constraint(op.f("fk_timeline_events_group_id_alert_groups"), type_="foreignkey")
        batch.drop_column("person")
        batch.drop_column("role")
        batch.drop_column("group_id")
        batch.alter_column("incident_id", existing_type=sa.Integer(), nullable=False)
    old_incident = sa.table("timeline_events", sa.column("incident_id", sa.Integer), *_common()[1:])
    old_group = sa.table("alert_group_events", sa.column("group_id", sa.Integer), *_common()[1:])
    if incidents:
        conn.execute(sa.insert(old_incident), incidents)
    if groups:
        conn.execute(sa.insert(old_group), groups)
