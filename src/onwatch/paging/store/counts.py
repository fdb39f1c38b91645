"""Alert-group counters kept as appended counts (table alert_group_counts) plus the group row.

Ingest never updates a group row to count what joined it: it appends (alerts, firing, events) to
alert_group_counts, so concurrent writers joining the same busy group do not queue on its row lock
until each other's commit. A group's counters are its row's values plus its pending counts; folding
moves the pending counts into the row (under the row's lock) so that code which sets a counter
outright, as resolving does, starts from the whole count.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa

from onwatch.db.tables import alert_group_counts, alert_groups
from onwatch.db.types import UTCDateTime

COUNTERS = {"alert_count": "alerts", "firing_count": "firing", "event_count": "events"}

_APPEND = {
    "postgresql": sa.text(
        "INSERT INTO alert_group_counts (group_id, alerts, firing, events, at) "
        "SELECT d.id, d.a, d.f, d.e, :now "
        "FROM jsonb_to_recordset(CAST(:deltas AS jsonb)) AS d(id integer, a integer, f integer, e integer)"
    ).bindparams(sa.bindparam("now", type_=UTCDateTime())),
    "sqlite": sa.text(
        "INSERT INTO alert_group_counts (group_id, alerts, firing, events, at) SELECT "
        + ", ".join(f"json_extract(value, '$.{f}')" for f in ("id", "a", "f", "e"))
        + ", :now FROM json_each(:deltas)"
    ).bindparams(sa.bindparam("now", type_=UTCDateTime())),
}


def counter(name: str) -> sa.ColumnElement[Any]:
    """The group's counter `name` as readers see it: the row's value plus the pending counts."""
    pending = (
        sa.select(sa.func.coalesce(sa.func.sum(alert_group_counts.c[COUNTERS[name]]), 0))
        .where(alert_group_counts.c.group_id == alert_groups.c.id)
        .scalar_subquery()
    )
    return (alert_groups.c[name] + pending).label(name)


GROUP_COLUMNS: list[sa.ColumnElement[Any]] = [
    counter(c.name) if c.name in COUNTERS else c for c in alert_groups.c
]


def append(conn: sa.Connection, deltas: dict[int, tuple[int, int, int]], now: datetime) -> None:
    """Add (alerts, firing, events) to each group, one appended row per group, in one statement."""
    if deltas:
        rows = [{"id": gid, "a": a, "f": f, "e": e} for gid, (a, f, e) in sorted(deltas.items())]
        conn.execute(_APPEND[conn.dialect.name], {"deltas": orjson.dumps(rows).decode(), "now": now})


def fold(conn: sa.Connection, group_ids: list[int] | None = None) -> int:
    """Move the pending counts of these groups (all groups: None) into their rows; returns how many
    groups changed. Counts appended by transactions still open stay pending (they are not visible to
    the delete), so nothing is counted twice or lost."""
    delete = sa.delete(alert_group_counts)
    if group_ids is not None:
        if not group_ids:
            return 0
        delete = delete.where(alert_group_counts.c.group_id.in_(group_ids))
    c = alert_group_counts.c
    taken = conn.execute(delete.returning(c.group_id, c.alerts, c.firing, c.events, c.at)).all()
    sums: dict[int, list[Any]] = {}
    for gid, a, f, e, at in taken:
        s = sums.setdefault(gid, [0, 0, 0, at])
        s[0], s[1], s[2], s[3] = s[0] + a, s[1] + f, s[2] + e, max(s[3], at)
    if sums:
        g = alert_groups.c
        at = sa.bindparam("_at", type_=UTCDateTime())
        conn.execute(
            sa.update(alert_groups)
            .where(g.id == sa.bindparam("_id"))
            .values(
                alert_count=g.alert_count + sa.bindparam("_a"),
                firing_count=g.firing_count + sa.bindparam("_f"),
                event_count=g.event_count + sa.bindparam("_e"),
                updated_at=sa.case((g.updated_at < at, at), else_=g.updated_at),
            ),
            # in id order, as every other writer that locks several groups
            [{"_id": g, "_a": a, "_f": f, "_e": e, "_at": at} for g, (a, f, e, at) in sorted(sums.items())],
        )
    return len(sums)
